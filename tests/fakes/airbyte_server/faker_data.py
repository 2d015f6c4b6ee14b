"""Faker-like users / products / purchases for a fake `faker` source: deterministic from the source's `count` and
`seed`, with source-faker's columns (not byte-identical to source-faker's rows)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

_USERS_COLUMNS = [
    ("id", "BIGINT"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
    ("name", "VARCHAR"),
    ("title", "VARCHAR"),
    ("age", "BIGINT"),
    ("email", "VARCHAR"),
    ("telephone", "VARCHAR"),
    ("gender", "VARCHAR"),
    ("language", "VARCHAR"),
    ("academic_degree", "VARCHAR"),
    ("nationality", "VARCHAR"),
    ("occupation", "VARCHAR"),
    ("height", "VARCHAR"),
    ("blood_type", "VARCHAR"),
    ("weight", "BIGINT"),
    ("address", "JSON"),
]
_PRODUCTS_COLUMNS = [
    ("id", "BIGINT"),
    ("make", "VARCHAR"),
    ("model", "VARCHAR"),
    ("year", "BIGINT"),
    ("price", "DECIMAL(38,9)"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
]
_PURCHASES_COLUMNS = [
    ("id", "BIGINT"),
    ("user_id", "BIGINT"),
    ("product_id", "BIGINT"),
    ("created_at", "TIMESTAMP"),
    ("updated_at", "TIMESTAMP"),
    ("added_to_cart_at", "TIMESTAMP"),
    ("purchased_at", "TIMESTAMP"),
    ("returned_at", "TIMESTAMP"),
]
_NAMES = ("Ada", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Juno")
_CITIES = (("Lyon", "ARA", "FR"), ("Austin", "Texas", "US"), ("Osaka", "Osaka", "JP"), ("Porto", "Norte", "PT"))
_CARS = (("Mazda", "MX-5"), ("Volvo", "XC40"), ("Fiat", "Panda"), ("Tesla", "Model 3"), ("Kia", "Niro"))
_PRODUCT_COUNT = 100


def faker_stream(stream: str, count: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    """Columns (DuckDB types) and rows of one faker-like stream, the same for the same count and seed."""
    rng = random.Random(f"{seed}:{stream}")
    base = dt.datetime(2024, 1, 1)
    now = dt.datetime(2026, 1, 1)
    if stream == "users":
        rows: list[tuple[Any, ...]] = []
        for user_id in range(1, count + 1):
            city, state, country = rng.choice(_CITIES)
            address = {"city": city, "state": state, "postal_code": f"{rng.randint(10000, 99999)}"}
            address["country_code"] = country
            name = rng.choice(_NAMES)
            rows.append(
                (
                    user_id,
                    base + dt.timedelta(days=rng.randint(0, 600)),
                    now,
                    name,
                    rng.choice(("Dr.", "Mr.", "Ms.")),
                    rng.randint(18, 80),
                    f"{name.lower()}{user_id}@example.com",
                    f"+1-555-{rng.randint(1000, 9999)}",
                    rng.choice(("Female", "Male", "Other")),
                    rng.choice(("English", "French", "Japanese")),
                    rng.choice(("Bachelor", "Master", "PhD")),
                    rng.choice(("French", "American", "Japanese")),
                    rng.choice(("Engineer", "Teacher", "Nurse")),
                    f"{rng.uniform(1.5, 2.0):.2f}",
                    rng.choice(("A+", "B+", "O-")),
                    rng.randint(50, 100),
                    json.dumps(address),
                )
            )
        return _USERS_COLUMNS, rows
    if stream == "products":
        rows = []
        for product_id in range(1, _PRODUCT_COUNT + 1):
            make, model = rng.choice(_CARS)
            created = base + dt.timedelta(days=rng.randint(0, 30))
            price = Decimal(rng.randint(9000, 60000))
            rows.append((product_id, make, model, rng.randint(2015, 2025), price, created, now))
        return _PRODUCTS_COLUMNS, rows
    if stream == "purchases":
        rows = []
        for purchase_id in range(1, count + 1):
            added = base + dt.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440))
            purchased = added + dt.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.8 else None
            returned = purchased + dt.timedelta(days=rng.randint(1, 20)) if purchased and rng.random() < 0.1 else None
            user_id = rng.randint(1, count)
            rows.append((purchase_id, user_id, rng.randint(1, _PRODUCT_COUNT), added, now, added, purchased, returned))
        return _PURCHASES_COLUMNS, rows
    return [("id", "BIGINT")], []
