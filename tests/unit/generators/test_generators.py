"""The Shopify and Stripe raw data generators: deterministic, Airbyte-shaped, every awkward case present."""

from collections import Counter
from typing import Any

import pytest

from tests.generators.oracle import expected_mrr_movements, expected_orders, latest_rows
from tests.generators.raw_tables import METADATA_COLUMNS, RawDataset
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe

_META = {name for name, _ in METADATA_COLUMNS}


@pytest.fixture(scope="module")
def shopify() -> RawDataset:
    return generate_shopify(7)


@pytest.fixture(scope="module")
def stripe() -> RawDataset:
    return generate_stripe(7)


def _content(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in _META}


def _duplicates(dataset: RawDataset, stream: str) -> int:
    """Rows whose content (metadata aside) was emitted again in a later sync."""
    seen: dict[str, list[int]] = {}
    for row in dataset.streams[stream].rows:
        seen.setdefault(repr(sorted(_content(row).items())), []).append(row["_airbyte_meta"]["sync_id"])
    return sum(1 for syncs in seen.values() if len(set(syncs)) > 1)


def _late_updates(dataset: RawDataset, stream: str, cursor: str) -> int:
    versions: dict[Any, set[Any]] = {}
    for row in dataset.streams[stream].rows:
        if row.get(cursor) is not None:
            versions.setdefault(row["id"], set()).add(row[cursor])
    return sum(1 for values in versions.values() if len(values) > 1)


@pytest.mark.parametrize("generate", [generate_shopify, generate_stripe])
def test_the_same_seed_gives_identical_rows_and_another_seed_differs(generate: Any) -> None:
    """Same seed → the same rows in every stream (raw ids too); a different seed → different rows."""
    first, again, other = generate(3), generate(3), generate(4)
    for name, stream in first.streams.items():
        assert stream.rows == again.streams[name].rows, f"{name} differs for the same seed"
    assert any(s.rows != other.streams[n].rows for n, s in first.streams.items()), "seed 4 equals seed 3"


@pytest.mark.parametrize("dataset_name", ["shopify", "stripe"])
def test_every_row_carries_airbyte_v2_metadata(dataset_name: str, request: pytest.FixtureRequest) -> None:
    """Each row has unique raw ids, a tz-aware extracted_at, meta with sync_id and a generation id."""
    dataset: RawDataset = request.getfixturevalue(dataset_name)
    for stream in dataset.streams.values():
        ids = [row["_airbyte_raw_id"] for row in stream.rows]
        assert len(ids) == len(set(ids)), f"{stream.name}: raw ids repeat"
        for row in stream.rows:
            assert row["_airbyte_extracted_at"].tzinfo is not None, stream.name
            assert row["_airbyte_meta"]["changes"] == [] and row["_airbyte_meta"]["sync_id"] in {101, 102}
            assert isinstance(row["_airbyte_generation_id"], int)
            assert set(row) == {name for name, _ in stream.all_columns}, f"{stream.name}: columns differ"


def test_shopify_has_every_awkward_case(shopify: RawDataset) -> None:
    """Partial / full refunds, JPY, test, cancelled, deleted, late updates, duplicates, guest, discounts, shipping."""
    orders = expected_orders(shopify)
    statuses = Counter(order["order_status"] for order in orders)
    partial_currencies = {o["currency_code"] for o in orders if o["order_status"] == "partially_returned"}
    raw_orders = shopify.streams["orders"].rows
    latest = latest_rows(shopify, "orders")
    adjustments = [a for r in latest_rows(shopify, "order_refunds") for a in r["order_adjustments"]]
    assert statuses["partially_returned"] >= 3 and partial_currencies == {"USD", "EUR", "JPY"}, statuses
    assert statuses["returned"] >= 2 and statuses["cancelled"] >= 1 and statuses["pending"] >= 1, statuses
    assert sum(order["is_test"] for order in orders) >= 1, "no test order"
    assert sum(1 for row in raw_orders if row["deleted_at"] is not None) >= 1, "no deleted order"
    assert sum(1 for row in shopify.streams["products"].rows if row["deleted_at"] is not None) == 1
    assert _late_updates(shopify, "orders", "updated_at") >= 2, "no late order updates"
    assert _duplicates(shopify, "orders") >= 1 and _duplicates(shopify, "customers") >= 1, "no append duplicates"
    assert any(row["customer"] is None for row in latest), "no guest checkout"
    assert any(row["discount_codes"] for row in latest), "no discount"
    assert any(row["shipping_lines"] for row in latest) and all(row["total_tax"] > 0 for row in latest)
    assert any(a["kind"] == "shipping_refund" for a in adjustments), "no shipping refund"
    assert {row["currency"] for row in latest} == {"USD", "EUR", "JPY"}
    assert any(t["status"] == "failure" for t in latest_rows(shopify, "transactions")), "no failed attempt"


def test_stripe_has_every_awkward_case(stripe: RawDataset) -> None:
    """Deleted objects, one-off charges, refunds, late updates, duplicates, test mode, every MRR movement."""
    for stream in ("customers", "products", "invoices"):
        assert any(row["is_deleted"] for row in stripe.streams[stream].rows), f"no deleted {stream}"
    charges = latest_rows(stripe, "charges")
    assert any(c["invoice"] is None and c["status"] == "succeeded" for c in charges), "no one-off charge"
    assert any(0 < c["amount_refunded"] < c["amount"] for c in charges), "no partial refund"
    assert any(c["refunded"] for c in charges), "no full refund"
    assert any(not c["livemode"] for c in charges) and any(c["status"] == "failed" for c in charges)
    assert _late_updates(stripe, "charges", "updated") >= 1 and _late_updates(stripe, "invoices", "updated") >= 1
    assert _duplicates(stripe, "invoices") >= 1 and _duplicates(stripe, "customers") >= 1
    statuses = {row["status"] for row in latest_rows(stripe, "invoices")}
    assert {"paid", "void", "uncollectible"} <= statuses, statuses
    assert {row["currency"] for row in charges} == {"usd", "eur", "jpy"}
    intervals = {
        line["price"]["recurring"]["interval"]
        for line in stripe.streams["invoice_line_items"].rows
        if line["price"]["recurring"]
    }
    assert intervals == {"month", "year", "week"}, intervals
    totals: Counter[str] = Counter()
    for moves in expected_mrr_movements(stripe).values():
        totals.update({name: 1 for name, value in moves.items() if value > 0})
    assert all(totals[name] > 0 for name in ("new", "expansion", "contraction", "churn", "reactivation")), totals
