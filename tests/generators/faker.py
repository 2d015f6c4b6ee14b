"""Deterministic source-faker-like raw data: `generate_faker(seed, purchases)` → a RawDataset.

The three streams the data product reads (users, products, purchases) with the columns its staging declares,
in the two syncs of the Shopify generator. Like the real connector: a purchase without `purchased_at` is an
abandoned cart, one with `returned_at` was returned; prices are decimal numbers. Some purchases are returned
in SYNC_2 (a second version with a later `updated_at`), some carts bought in SYNC_2, some records re-emitted
unchanged (append duplicates). For the incremental-equivalence histories (sync_history.py), which change
records further; the real connector is synced in test_dbt_project.py.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from tests.generators.raw_tables import Columns, RawDataset, RawStream, Sync, emit
from tests.generators.shopify import PERIOD_DAYS, PERIOD_START, SYNC_1, SYNC_2

USERS: Columns = (
    ("id", "integer"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("name", "string"),
    ("email", "string"),
    ("age", "integer"),
    ("address", "json"),
)
PRODUCTS: Columns = (
    ("id", "integer"),
    ("make", "string"),
    ("model", "string"),
    ("year", "integer"),
    ("price", "number"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
)
PURCHASES: Columns = (
    ("id", "integer"),
    ("user_id", "integer"),
    ("product_id", "integer"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("added_to_cart_at", "timestamp"),
    ("purchased_at", "timestamp"),
    ("returned_at", "timestamp"),
)
_CARS = (("Audi", "A4"), ("Ford", "Focus"), ("Honda", "Civic"), ("Tesla", "Model 3"), ("Volvo", "XC60"))


def generate_faker(seed: int, purchases: int = 120) -> RawDataset:
    """users, products and `purchases` purchases (a fifth abandoned carts); same seed → same rows."""
    rng = random.Random(f"faker:{seed}")
    users = [_user(rng, index) for index in range(max(5, purchases // 4))]
    products = [_product(rng, index, make, model) for index, (make, model) in enumerate(_CARS)]
    streams = {
        "users": RawStream("users", USERS),
        "products": RawStream("products", PRODUCTS),
        "purchases": RawStream("purchases", PURCHASES),
    }
    base = seed * 1_000_003
    emit(streams["users"], [(user, SYNC_1) for user in users], seed=base)
    emit(streams["products"], [(product, SYNC_1) for product in products], seed=base)
    emit(streams["purchases"], _purchase_rows(rng, purchases, users, products), seed=base)
    return RawDataset(system="faker", streams=streams)


def _user(rng: random.Random, index: int) -> dict[str, Any]:
    created = PERIOD_START - dt.timedelta(days=rng.randint(1, 200))
    address = {"city": "Springfield", "state": "Oregon", "postal_code": f"{rng.randint(10000, 99999)}"}
    return {
        "id": index + 1,
        "created_at": created,
        "updated_at": created,
        "name": f"User {index + 1}",
        "email": f"user{index + 1}@example.com",
        "age": rng.randint(18, 80),
        "address": address | {"country_code": rng.choice(("us", "ca"))},
    }


def _product(rng: random.Random, index: int, make: str, model: str) -> dict[str, Any]:
    created = PERIOD_START - dt.timedelta(days=300)
    price = Decimal(rng.randint(20_000, 90_000)) + Decimal(rng.randint(0, 99)) / 100
    return {
        "id": index + 1,
        "make": make,
        "model": model,
        "year": 2015 + index,
        "price": price,
        "created_at": created,
        "updated_at": created,
    }


def _purchase_rows(
    rng: random.Random, count: int, users: list[dict[str, Any]], products: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], Sync]]:
    rows: list[tuple[dict[str, Any], Sync]] = []
    for index in range(count):
        carted = PERIOD_START + dt.timedelta(days=rng.randint(0, PERIOD_DAYS - 10), seconds=rng.randint(0, 86_399))
        purchase = {
            "id": index + 1,
            "user_id": rng.choice(users)["id"],
            "product_id": rng.choice(products)["id"],
            "created_at": carted,
            "updated_at": carted,
            "added_to_cart_at": carted,
            "purchased_at": None if rng.random() < 0.2 else carted + dt.timedelta(hours=1),
            "returned_at": None,
        }
        rows.append((purchase, SYNC_1))
        later = _later_version(rng, purchase)
        if later is not None:
            rows.append((later, SYNC_2))
    return rows


def _later_version(rng: random.Random, purchase: dict[str, Any]) -> dict[str, Any] | None:
    """SYNC_2's version: returned, bought from the cart, re-emitted unchanged, or none."""
    draw = rng.random()
    updated = SYNC_1.extracted_at + dt.timedelta(days=1)
    if draw < 0.15 and purchase["purchased_at"] is not None:
        return purchase | {"returned_at": updated, "updated_at": updated}
    if draw < 0.25 and purchase["purchased_at"] is None:
        return purchase | {"purchased_at": updated, "updated_at": updated}
    if draw < 0.35:
        return dict(purchase)
    return None
