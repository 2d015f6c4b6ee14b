"""The oracle: figures hand-checked on tiny datasets, and net = gross - refunds on generated ones."""

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.generators import shopify_layout, stripe_layout
from tests.generators.oracle import expected_daily_revenue, expected_mrr_movements, expected_orders
from tests.generators.raw_tables import Columns, RawDataset, RawStream, Sync, emit
from tests.generators.shopify import generate_shopify
from tests.generators.stripe import generate_stripe

UTC = dt.UTC
SYNC = Sync(sync_id=1, extracted_at=dt.datetime(2025, 5, 10, tzinfo=UTC))
LATER = Sync(sync_id=2, extracted_at=dt.datetime(2025, 5, 11, tzinfo=UTC))


def _stream(name: str, columns: Columns, records: list[tuple[dict[str, Any], Sync]]) -> RawStream:
    stream = RawStream(name, columns)
    emit(stream, records, seed=1)
    return stream


def _order(
    order_id: int, currency: str, created: dt.datetime, lines: list[tuple[int, str, str]], **money: str
) -> dict[str, Any]:
    """An orders record with only what the oracle reads; lines are (quantity, price, discount)."""
    return {
        "id": order_id, "name": f"#{order_id}", "currency": currency, "created_at": created, "updated_at": created,
        "source_name": "web", "test": money.pop("test", "") == "yes", "cancelled_at": None, "customer": None,
        "financial_status": money.pop("status", "paid"),
        "line_items": [
            {"quantity": q, "price": Decimal(p), "discount_allocations": [{"amount": d}] if d != "0" else []}
            for q, p, d in lines
        ],
        "total_discounts": Decimal(money["discounts"]), "total_tax": Decimal(money["tax"]),
        "total_price": Decimal(money["total"]),
        "shipping_lines": [{"price": Decimal(money["shipping"])}] if money["shipping"] != "0" else [],
    }  # fmt: skip


def test_daily_revenue_by_hand_with_jpy_and_a_partial_refund() -> None:
    """USD with a discount, JPY (no minor unit), EUR partly refunded later; a test order and a duplicate ignored."""
    usd = _order(1, "USD", dt.datetime(2025, 3, 1, 10, tzinfo=UTC), [(2, "10.00", "2.00")],
                 discounts="2.00", shipping="5.00", tax="1.44", total="24.44")  # fmt: skip
    jpy = _order(2, "JPY", dt.datetime(2025, 3, 1, 23, 30, tzinfo=UTC), [(1, "1500", "0")],
                 discounts="0", shipping="0", tax="150", total="1650")  # fmt: skip
    eur = _order(3, "EUR", dt.datetime(2025, 3, 2, 9, tzinfo=UTC), [(1, "30.00", "0"), (1, "20.00", "0")],
                 discounts="0", shipping="4.90", tax="9.50", total="64.40", status="partially_refunded")  # fmt: skip
    test = _order(4, "USD", dt.datetime(2025, 3, 1, 11, tzinfo=UTC), [(1, "99.00", "0")],
                  discounts="0", shipping="0", tax="0", total="99.00", test="yes")  # fmt: skip
    refund = {
        "id": 77, "order_id": 3, "created_at": dt.datetime(2025, 3, 5, 8, tzinfo=UTC), "note": "Return",
        "transactions": [
            {"kind": "refund", "status": "success", "amount": "28.70", "parent_id": 9},
            {"kind": "refund", "status": "failure", "amount": "5.00", "parent_id": 9},
        ],
    }  # fmt: skip
    orders = [(usd, SYNC), (jpy, SYNC), (eur, SYNC), (test, SYNC), (usd, LATER)]
    dataset = RawDataset(
        "shopify",
        {
            "orders": _stream("orders", shopify_layout.ORDERS, orders),
            "order_refunds": _stream("order_refunds", shopify_layout.ORDER_REFUNDS, [(refund, SYNC)]),
        },
    )
    assert expected_daily_revenue(dataset) == {
        (dt.date(2025, 3, 1), "USD"): _day(1, "24.44", "0"),
        (dt.date(2025, 3, 1), "JPY"): _day(1, "1650", "0"),
        (dt.date(2025, 3, 2), "EUR"): _day(1, "64.40", "0"),
        (dt.date(2025, 3, 5), "EUR"): _day(0, "0", "28.70"),
    }
    first = expected_orders(dataset)[0]
    assert (first["subtotal_amount"], first["discount_amount"], first["total_amount"]) == (
        Decimal("18.00"), Decimal("0.00"), Decimal("24.44"),
    )  # fmt: skip


def _day(orders: int, gross: str, refunds: str) -> dict[str, Any]:
    return {
        "orders": orders,
        "gross_revenue": Decimal(gross),
        "refunds": Decimal(refunds),
        "net_revenue": Decimal(gross) - Decimal(refunds),
    }


def _epoch(month: int, day: int, year: int = 2025) -> int:
    return int(dt.datetime(year, month, day, 12, tzinfo=UTC).timestamp())


def test_mrr_movements_by_hand() -> None:
    """USD 9.00 new in Jan, upgraded to 29.00 in Mar (expansion 20), churned in Apr; JPY yearly 40000/12 new in Feb."""
    monthly = {"interval": "month", "interval_count": 1}
    periods = [
        ("cus_a", "usd", 900, monthly, (_epoch(1, 15), _epoch(2, 14))),
        ("cus_a", "usd", 900, monthly, (_epoch(2, 14), _epoch(3, 16))),
        ("cus_a", "usd", 2900, monthly, (_epoch(3, 16), _epoch(4, 15))),
        ("cus_b", "jpy", 40000, {"interval": "year", "interval_count": 1}, (_epoch(2, 10), _epoch(2, 10, 2026))),
    ]
    invoices, lines = [], []
    for number, (customer, currency, amount, recurring, (start, end)) in enumerate(periods):
        invoice = {"id": f"in_{number}", "customer": customer, "status": "paid", "livemode": True, "updated": start}
        invoices.append((invoice, SYNC))
        price = {"unit_amount": amount, "recurring": recurring}
        line = {"id": f"il_{number}", "invoice_id": f"in_{number}", "type": "subscription", "proration": False}
        line |= {"price": price, "quantity": 1, "currency": currency, "period": {"start": start, "end": end}}
        lines.append((line, SYNC))
    dataset = RawDataset(
        "stripe",
        {
            "invoices": _stream("invoices", stripe_layout.INVOICES, invoices),
            "invoice_line_items": _stream("invoice_line_items", stripe_layout.INVOICE_LINE_ITEMS, lines),
        },
    )
    moves = expected_mrr_movements(dataset)
    zero = Decimal("0.00")

    def row(**values: str) -> dict[str, Decimal]:
        base = dict.fromkeys(("new", "expansion", "contraction", "churn", "reactivation"), zero)
        return base | {key: Decimal(value) for key, value in values.items()}

    assert moves[(dt.date(2025, 1, 1), "USD")] == row(new="9.00")
    assert moves[(dt.date(2025, 2, 1), "JPY")] == row(new="3333.33")
    assert moves[(dt.date(2025, 3, 1), "USD")] == row(expansion="20.00")
    assert moves[(dt.date(2025, 4, 1), "USD")] == row(churn="29.00")
    assert max(month for month, _ in moves) == dt.date(2025, 4, 1), "May ends after the last extraction"


def test_net_is_gross_minus_refunds_on_generated_data() -> None:
    """For both systems every day's net revenue is gross minus refunds, and counted orders exclude tests."""
    for dataset in (generate_shopify(11), generate_stripe(11)):
        figures = expected_daily_revenue(dataset)
        assert figures, dataset.system
        for key, day in figures.items():
            assert day["net_revenue"] == day["gross_revenue"] - day["refunds"], key
        counted = [o for o in expected_orders(dataset) if not o["is_test"] and o["order_status"] != "pending"]
        assert sum(day["orders"] for day in figures.values()) == sum(
            1 for o in counted if o["order_status"] != "cancelled"
        )
