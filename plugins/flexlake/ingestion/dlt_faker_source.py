"""The faker source for the dlt engine: the records of airbyte-source-faker 7.2.1, generated without it.

source-faker is under the Elastic License 2.0, which a hosted service may not run; this module rebuilds its
three streams with the same generator library (mimesis 6.1.1, MIT) and the same calls in the same order, so the
records have source-faker's field names, types and semantics, deterministic by `seed` and `count`:
- users: `count` people, ids 1..count, an email made unique by `+<id>`, a nested `address` object;
- products: 100 cars (ids 1..100, at most `count`): make, model, model year 2023, a price, one fixed `created_at`
  (source-faker ships them as a data file: they are generated here from the seed instead);
- purchases: per ten users ten purchases (a user whose id ends in 7 has none, one ending in 9 has two), each
  put in a cart after its creation, 70 % bought, 15 % of those returned; product ids 1..100.
Every sync re-emits every record with `updated_at` = now, as source-faker does (`always_updated`).

Loaded by path from `dlt_runner.py` in the dlt venv (stdlib + mimesis only; nothing of flexlake, no dlt).
"""

import datetime
from collections.abc import Iterator
from typing import Any

from mimesis import Address, Datetime, Numeric, Person, Transport  # type: ignore[import-not-found]
from mimesis.locales import Locale  # type: ignore[import-not-found]

STREAMS = ("users", "products", "purchases")
PRODUCT_COUNT = 100
PRODUCT_YEAR = 2023
PRODUCTS_CREATED_AT = datetime.datetime(2024, 4, 8, 18, 7, 20, tzinfo=datetime.UTC)
PRODUCT_PRICE_RANGE = (14_000, 71_000)
PURCHASE_PROBABILITY, RETURN_PROBABILITY = 70, 15  # percent, as source-faker


def _utc_seconds(moment: datetime.datetime) -> datetime.datetime:
    """source-faker's timestamps: whole seconds, labelled UTC (`format_airbyte_time`)."""
    return moment.replace(microsecond=0, tzinfo=datetime.UTC)


def _now() -> datetime.datetime:
    return _utc_seconds(datetime.datetime.now(datetime.UTC))


def generate_users(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """source-faker's UserGenerator.generate for ids 1..count, one generator set for the whole stream."""
    person = Person(locale=Locale.EN, seed=seed)
    address = Address(locale=Locale.EN, seed=seed)
    dt = Datetime(seed=seed)
    for user_id in range(count):
        local_part, domain = person.email().split("@")
        yield {
            "id": user_id + 1,
            "created_at": _utc_seconds(dt.datetime()),
            "updated_at": _now(),
            "name": person.name(),
            "title": person.title(),
            "age": person.age(),
            "email": f"{local_part}+{user_id + 1}@{domain}",
            "telephone": person.telephone(),
            "gender": person.gender(),
            "language": person.language(),
            "academic_degree": person.academic_degree(),
            "nationality": person.nationality(),
            "occupation": person.occupation(),
            "height": person.height(),
            "blood_type": person.blood_type(),
            "weight": person.weight(),
            "address": {
                "street_number": address.street_number(),
                "street_name": address.street_name(),
                "city": address.city(),
                "state": address.state(),
                "province": address.province(),
                "postal_code": address.postal_code(),
                "country_code": address.country_code(),
            },
        }


def generate_products(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """source-faker's 100 products (ids up to `count`), with makes, models and prices drawn from the seed."""
    transport = Transport(seed=seed)
    numeric = Numeric(seed=seed)
    updated_at = _now()
    for product_id in range(1, PRODUCT_COUNT + 1):
        make, _, model = transport.car().partition(" ")  # "Toyota Corolla"; a few cars have one word: the model
        price = numeric.integer_number(*PRODUCT_PRICE_RANGE)
        if product_id > count:
            return
        yield {
            "id": product_id,
            "make": make,
            "model": model or make,
            "year": PRODUCT_YEAR,
            "price": price,
            "created_at": PRODUCTS_CREATED_AT,
            "updated_at": updated_at,
        }


class _PurchaseDraws:
    """The random draws of source-faker's PurchaseGenerator, in its order, from one seed."""

    def __init__(self, seed: int) -> None:
        self.dt = Datetime(seed=seed)
        self.numeric = Numeric(seed=seed)
        self.until = datetime.datetime.now()  # source-faker's default `end_date`, fixed once per run

    def date_after(self, start: datetime.datetime) -> datetime.datetime:
        """A day between `start` and now (at least a 2-day window), as `random_date_in_range`."""
        days = max((self.until - start).days, 2)
        return start + datetime.timedelta(days=self.numeric.integer_number(0, days))

    def chance(self, percent: int) -> bool:
        return bool(self.numeric.integer_number(1, 100) <= percent)

    def purchase(self, purchase_id: int, user_id: int) -> dict[str, Any]:
        time_a, time_b = self.dt.datetime(), self.dt.datetime()
        created_at = min(time_a, time_b)
        product_id = self.numeric.integer_number(1, PRODUCT_COUNT)
        added_to_cart_at = self.date_after(created_at)
        purchased_at = self.date_after(added_to_cart_at) if self.chance(PURCHASE_PROBABILITY) else None
        returned_at = self.date_after(purchased_at) if purchased_at and self.chance(RETURN_PROBABILITY) else None
        return {
            "id": purchase_id,
            "product_id": product_id,
            "user_id": user_id,
            "created_at": _utc_seconds(created_at),
            "updated_at": _now(),
            "added_to_cart_at": _utc_seconds(added_to_cart_at),
            "purchased_at": _utc_seconds(purchased_at) if purchased_at else None,
            "returned_at": _utc_seconds(returned_at) if returned_at else None,
        }


def purchase_ids(user_index: int) -> list[int]:
    """The purchase ids of the user with id user_index + 1: ten users, ten purchases, ids never collide."""
    last_digit = user_index % 10
    if last_digit == 6:  # source-faker tests `last_user_id_digit - 1 == 5` on the 0-based index: user id ...7
        return []
    if last_digit == 7:
        return [user_index]
    if last_digit == 8:
        return [user_index, user_index + 1]
    return [user_index + 1]


def generate_purchases(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """source-faker's PurchaseGenerator.generate for users 1..count."""
    draws = _PurchaseDraws(seed)
    for user_index in range(count):
        for purchase_id in purchase_ids(user_index):
            yield draws.purchase(purchase_id, user_index + 1)


GENERATORS = {"users": generate_users, "products": generate_products, "purchases": generate_purchases}
