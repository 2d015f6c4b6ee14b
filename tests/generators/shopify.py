"""Deterministic source-shopify raw data: `generate_shopify(seed, orders, store=...)` → a RawDataset.

Two append syncs (SYNC_1, SYNC_2 a week later) of the streams customers, products, product_variants,
orders, transactions and order_refunds, with the connector's layouts (shopify_layout.py, where they were
read). The awkward cases are planted on fixed order positions first (so every seed has each of them at
least once), then drawn at random for the rest:

partial refund (one unit of a line + the shipping, in USD, EUR and JPY), full refund, late refund (after
SYNC_1: the order's second version in SYNC_2 with a later updated_at), test order, cancelled order (payment
voided), deleted order (a `{id, deleted_at, shop_url}` record in SYNC_2), pending payment, duplicate (the
same version emitted again in SYNC_2), fulfilled later (another late update), guest checkout (no
customer), a failed payment attempt before the capture, a POS order. Discounts (10 % code allocated across
lines), shipping and per-line taxes on ordinary orders. One product is deleted in SYNC_2 (never ordered),
one is renamed; some customers are updated or re-emitted in SYNC_2.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from tests.generators import shopify_layout as layout
from tests.generators.money import convert
from tests.generators.raw_tables import RawDataset, RawStream, Sync, emit
from tests.generators.shopify_orders import (
    Line,
    Order,
    Refund,
    order_record,
    price_lines,
    refund_record,
    refund_transaction,
    refund_units,
)

UTC = dt.UTC
SYNC_1 = Sync(sync_id=101, extracted_at=dt.datetime(2025, 7, 1, 2, 0, tzinfo=UTC), generation_id=1)
SYNC_2 = Sync(sync_id=102, extracted_at=dt.datetime(2025, 7, 8, 2, 0, tzinfo=UTC), generation_id=1)
PERIOD_START = dt.datetime(2025, 1, 1, tzinfo=UTC)
PERIOD_DAYS = 175
FORCED = (
    ("partial_refund", "USD"),
    ("partial_refund", "EUR"),
    ("partial_refund", "JPY"),
    ("full_refund", "JPY"),
    ("full_refund", "USD"),
    ("late_refund", "EUR"),
    ("test", "USD"),
    ("cancelled", "USD"),
    ("deleted", "EUR"),
    ("pending", "USD"),
    ("duplicate", "JPY"),
    ("fulfilled_later", "USD"),
    ("guest", "USD"),
    ("failed_attempt", "EUR"),
    ("pos", "USD"),
)
_SHIPPING = {"USD": (Decimal("5.00"), Decimal("9.90")), "EUR": (Decimal("4.90"),), "JPY": (Decimal(800),)}
_PRODUCTS = (
    ("Merino Tee", "Tops", "Woolly"),
    ("Rain Shell", "Outerwear", "Drift"),
    ("Trail Socks", "Accessories", "Woolly"),
    ("Canvas Tote", "Bags", "Carry Co"),
    ("Down Vest", "Outerwear", "Drift"),
    ("Linen Shirt", "Tops", "Loom"),
    ("Beanie", "Accessories", "Woolly"),
    ("Chino Shorts", "Bottoms", "Loom"),
    ("Fleece Hoodie", "Tops", "Drift"),
    ("Leather Belt", "Accessories", "Carry Co"),
    ("Travel Pouch", "Bags", "Carry Co"),
    ("Retired Poncho", "Outerwear", "Drift"),  # deleted in SYNC_2, never ordered
)
_COUNTRIES = {"USD": ("US", "Austin", "Texas"), "EUR": ("DE", "Berlin", "Berlin"), "JPY": ("JP", "Osaka", "Osaka")}


def generate_shopify(seed: int, orders: int = 300, *, store: str = "shop") -> RawDataset:
    """Every source-shopify stream the data product reads, for `orders` orders; same seed → same rows."""
    rng = random.Random(f"shopify:{seed}:{store}")
    customers = _customers(rng, max(6, orders // 3), store)
    products = _products(rng, store)
    plans = [_plan_order(rng, index, store, customers, products) for index in range(orders)]
    streams = {name: RawStream(name, columns) for name, columns in _STREAMS}
    base = seed * 1_000_003
    emit(streams["customers"], _customer_rows(customers), seed=base)
    emit(streams["products"], _product_rows(products, store), seed=base)
    emit(streams["product_variants"], [(v, SYNC_1) for p in products for v in p["variants"]], seed=base)
    emit(streams["orders"], _order_rows(plans), seed=base)
    emit(streams["transactions"], _transaction_rows(plans), seed=base)
    emit(streams["order_refunds"], _refund_rows(plans), seed=base)
    return RawDataset(system="shopify", streams=streams)


_STREAMS = (
    ("customers", layout.CUSTOMERS),
    ("products", layout.PRODUCTS),
    ("product_variants", layout.PRODUCT_VARIANTS),
    ("orders", layout.ORDERS),
    ("transactions", layout.TRANSACTIONS),
    ("order_refunds", layout.ORDER_REFUNDS),
)


def _sync_of(moment: dt.datetime) -> Sync:
    return SYNC_1 if moment <= SYNC_1.extracted_at else SYNC_2


# --- customers and products ----------------------------------------------------------------------------


def _customers(rng: random.Random, count: int, store: str) -> list[dict[str, Any]]:
    result = []
    for index in range(count):
        currency = ("USD", "EUR", "JPY")[index] if index < 3 else rng.choice(("USD", "USD", "USD", "EUR", "JPY"))
        country, city, province = _COUNTRIES[currency]
        customer_id = 7_100_000_000 + index
        created = PERIOD_START - dt.timedelta(days=rng.randint(1, 300), seconds=rng.randint(0, 86_399))
        address = {"id": customer_id + 1_000_000, "customer_id": customer_id, "city": city, "province": province}
        address |= {"zip": f"{rng.randint(10000, 99999)}", "country_code": country, "default": True}
        result.append(
            {
                "id": customer_id,
                "email": f"customer{index}@example.com",
                "first_name": rng.choice(("Ada", "Bo", "Chen", "Dara", "Eli", "Fumi", "Gus", "Hana")),
                "last_name": rng.choice(("Ng", "Okafor", "Silva", "Tanaka", "Weber", "Young")),
                "phone": f"+1555{rng.randint(1_000_000, 9_999_999)}",
                "state": "enabled",
                "currency": currency,
                "verified_email": True,
                "accepts_marketing": rng.random() < 0.4,
                "tags": "",
                "default_address": address,
                "addresses": [address],
                "created_at": created,
                "updated_at": created + dt.timedelta(hours=1),
                "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
                "shop_url": store,
            }
        )
    return result


def _customer_rows(customers: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Sync]]:
    """Every customer in SYNC_1; every 10th updated (tag, later updated_at) and every 7th re-emitted in SYNC_2."""
    rows: list[tuple[dict[str, Any], Sync]] = [(customer, SYNC_1) for customer in customers]
    for index, customer in enumerate(customers):
        if index % 10 == 4:
            rows.append((customer | {"tags": "vip", "updated_at": SYNC_1.extracted_at + dt.timedelta(days=2)}, SYNC_2))
        elif index % 7 == 5:
            rows.append((customer, SYNC_2))
    return rows


def _products(rng: random.Random, store: str) -> list[dict[str, Any]]:
    products = []
    for index, (title, kind, vendor) in enumerate(_PRODUCTS):
        product_id = 8_200_000_000 + index
        created = PERIOD_START - dt.timedelta(days=400 - index * 7)
        price = Decimal(rng.choice((12, 19, 25, 39, 59, 89))) + Decimal("0.90")
        variants = [
            {
                "id": 44_000_000_000 + index * 10 + position,
                "product_id": product_id,
                "title": size,
                "sku": f"{title[:3].upper()}-{size}",
                "price": price,
                "compare_at_price": None,
                "position": position + 1,
                "option1": size,
                "taxable": True,
                "inventory_quantity": rng.randint(0, 200),
                "presentment_prices": [{"price": {"amount": convert(price, c), "currency_code": c}} for c in _SHIPPING],
                "created_at": created,
                "updated_at": created + dt.timedelta(days=3),
                "admin_graphql_api_id": f"gid://shopify/ProductVariant/{44_000_000_000 + index * 10 + position}",
                "shop_url": store,
            }
            for position, size in enumerate(("S", "M", "L")[: 1 + index % 3])
        ]
        products.append(
            {
                "id": product_id,
                "title": title,
                "handle": title.lower().replace(" ", "-"),
                "product_type": kind,
                "vendor": vendor,
                "status": "active",
                "tags": kind.lower(),
                "options": [{"name": "Size", "values": [v["title"] for v in variants], "product_id": product_id}],
                "variants": variants,
                "created_at": created,
                "updated_at": created + dt.timedelta(days=3),
                "published_at": created + dt.timedelta(days=1),
                "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
                "shop_url": store,
            }
        )
    return products


def _product_rows(products: list[dict[str, Any]], store: str) -> list[tuple[dict[str, Any], Sync]]:
    """All products in SYNC_1; in SYNC_2 the first is renamed and the last deleted (a deleted-event record)."""
    rows: list[tuple[dict[str, Any], Sync]] = [(product, SYNC_1) for product in products]
    renamed_at = SYNC_1.extracted_at + dt.timedelta(days=1)
    rows.append((products[0] | {"title": f"{products[0]['title']} II", "updated_at": renamed_at}, SYNC_2))
    deletion = {"id": products[-1]["id"], "deleted_at": renamed_at, "shop_url": store}
    deletion |= {"deleted_message": "Product was deleted", "deleted_description": "Deleted from the admin"}
    rows.append((deletion, SYNC_2))
    return rows


# --- orders --------------------------------------------------------------------------------------------


def _plan_order(
    rng: random.Random, index: int, store: str, customers: list[dict[str, Any]], products: list[dict[str, Any]]
) -> Order:
    scenario, currency = FORCED[index] if index < len(FORCED) else _draw_scenario(rng)
    pool = [c for c in customers if c["currency"] == currency] or customers[:1]
    customer = None if scenario == "guest" else rng.choice(pool)
    currency = customer["currency"] if customer else currency
    created = PERIOD_START + dt.timedelta(days=rng.randint(0, PERIOD_DAYS - 1), seconds=rng.randint(0, 86_399))
    if scenario == "late_refund":
        created = SYNC_1.extracted_at - dt.timedelta(days=rng.randint(2, 5), hours=3)
    sellable = products[:-1]
    lines = []
    for position in range(2 if "refund" in scenario else rng.randint(1, 3)):
        product = rng.choice(sellable)
        variant = rng.choice(product["variants"])
        line_id = 13_000_000_000 + index * 10 + position
        lines.append(Line(line_id, product, variant, rng.randint(1, 3), convert(variant["price"], currency)))
    discounted = rng.random() < 0.3
    price_lines(lines, currency, Decimal("0.10") if discounted else Decimal(0))
    shipping = rng.choice(_SHIPPING[currency]) if "refund" in scenario or rng.random() < 0.7 else Decimal(0)
    order = Order(5_300_000_000 + index, 1001 + index, store, currency, created, customer, lines, shipping)
    order.discount_code = "SPRING10" if discounted else None
    order.sale_id = 6_100_000_000 + index * 10
    _apply_scenario(rng, order, scenario)
    return order


def _draw_scenario(rng: random.Random) -> tuple[str, str]:
    draw = rng.random()
    thresholds = (
        (0.07, "partial_refund"),
        (0.11, "full_refund"),
        (0.14, "cancelled"),
        (0.16, "test"),
        (0.20, "pending"),
        (0.28, "duplicate"),
        (0.33, "fulfilled_later"),
        (0.37, "guest"),
        (0.40, "failed_attempt"),
        (0.45, "pos"),
    )
    scenario = next((name for limit, name in thresholds if draw < limit), "ordinary")
    return scenario, rng.choice(("USD", "USD", "EUR", "JPY"))


def _apply_scenario(rng: random.Random, order: Order, scenario: str) -> None:
    later = order.created_at + dt.timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 23))
    cap = SYNC_2.extracted_at - dt.timedelta(days=1)
    if scenario in {"partial_refund", "full_refund", "late_refund"}:
        when = SYNC_1.extracted_at + dt.timedelta(days=2) if scenario == "late_refund" else min(later, cap)
        first = order.lines[0]
        units = (
            [refund_units(order, line, line.quantity) for line in order.lines]
            if scenario == "full_refund"
            else [refund_units(order, first, 1)]
        )
        number = len(order.refunds)
        refund_id = 900_000_000 + order.number * 10 + number
        order.refunds.append(Refund(refund_id, order.sale_id + 5, when, units, order.shipping, "Return"))
    order.test = scenario == "test"
    order.source_name = "pos" if scenario == "pos" else "web"
    order.failed_attempt = scenario == "failed_attempt"
    if scenario == "pending":
        order.flow = "pending"
    if scenario in {"cancelled", "deleted"}:
        order.flow, order.cancelled_at = "voided", order.created_at + dt.timedelta(hours=2)
    if scenario == "deleted":
        order.deleted_at = SYNC_1.extracted_at + dt.timedelta(days=1)
    if scenario == "fulfilled_later":
        order.fulfilled_at = SYNC_1.extracted_at + dt.timedelta(days=1, hours=4)
    elif order.flow == "paid" and not order.refunds:
        order.fulfilled_at = min(later, SYNC_1.extracted_at)
    order.duplicate = scenario == "duplicate"


def _order_rows(plans: list[Order]) -> list[tuple[dict[str, Any], Sync]]:
    """Version as of SYNC_1; a second version in SYNC_2 when it changed since; duplicates; deletion records."""
    rows = []
    for order in plans:
        first = order_record(order, SYNC_1.extracted_at)
        rows.append((first, SYNC_1))
        if max(order.events(SYNC_2.extracted_at)) > SYNC_1.extracted_at:
            rows.append((order_record(order, SYNC_2.extracted_at), SYNC_2))
        elif order.duplicate:
            rows.append((first, SYNC_2))
        if order.deleted_at:
            rows.append(({"id": order.order_id, "deleted_at": order.deleted_at, "shop_url": order.store}, SYNC_2))
    return rows


def _transaction_rows(plans: list[Order]) -> list[tuple[dict[str, Any], Sync]]:
    rows = []
    for order in plans:
        for transaction in _transactions(order):
            rows.append((transaction, _sync_of(transaction["created_at"])))
    return rows


def _transactions(order: Order) -> list[dict[str, Any]]:
    """A failed try, then a sale (paid / pending) or authorization + void (cancelled); refunds after."""

    def txn(offset: int, kind: str, status: str, minutes: int, parent: int | None = None) -> dict[str, Any]:
        moment = order.cancelled_at if kind == "void" and order.cancelled_at else order.created_at + minutes * _MIN
        return {
            "id": order.sale_id + offset, "order_id": order.order_id, "parent_id": parent, "kind": kind,
            "status": status, "amount": order.total, "currency": order.currency, "gateway": "shopify_payments",
            "test": order.test, "error_code": "card_declined" if status == "failure" else None,
            "payment_details": {"credit_card_company": "Visa", "credit_card_number": "•••• •••• •••• 4242"},
            "created_at": moment, "processed_at": moment,
            "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{order.sale_id + offset}", "shop_url": order.store,
        }  # fmt: skip

    result = [txn(1, "sale", "failure", 1)] if order.failed_attempt else []
    if order.flow == "voided":
        result += [txn(2, "authorization", "success", 2), txn(3, "void", "success", 0, order.sale_id + 2)]
    else:
        result.append(txn(0, "sale", "success" if order.flow == "paid" else "pending", 2))
    refunds = [refund_transaction(order, refund) for refund in order.refunds]
    return result + [r | {"shop_url": order.store, "admin_graphql_api_id": None} for r in refunds]


def _refund_rows(plans: list[Order]) -> list[tuple[dict[str, Any], Sync]]:
    return [(refund_record(o, r), _sync_of(r.created_at)) for o in plans for r in o.refunds]


_MIN = dt.timedelta(minutes=1)
