"""An independent Python oracle: the input-contract rows and daily / monthly figures of a RawDataset.

Pure Python and Decimal (never float), written from the raw rows without looking at the dbt models, so the
marts can be compared exactly. Column names are the input contract's (include/dbt/models/input_layer).

Semantics
- Deduplication, per stream primary key `id`: keep the row with the greatest cursor, ties broken by the
  greatest `_airbyte_extracted_at`; then drop deleted rows. Cursors: Shopify `updated_at` (orders,
  customers, products, product_variants; a deletion record has none, so its `deleted_at` is its cursor),
  `created_at` (transactions, order_refunds, never updated); Stripe `updated` (`subscription_updated` for
  subscription_items; invoice_line_items have none: extraction time only). Deleted: Shopify `deleted_at`
  not null, Stripe `is_deleted` true.
- Orders: Shopify orders. Stripe: invoices with status paid, open, void or uncollectible, and succeeded
  charges without an invoice (one-line orders, id = charge id). Test orders (Shopify `test`, Stripe
  `livemode` false) are order rows with is_test=1 and never counted in figures.
- Status: Shopify cancelled_at set → cancelled; else financial_status paid → completed,
  partially_refunded → partially_returned, refunded → returned, pending / authorized / partially_paid →
  pending, voided → cancelled. Stripe invoices: paid → completed unless its charge has amount_refunded
  (all → returned, part → partially_returned), open / draft → pending, void / uncollectible → cancelled;
  one-off charges likewise by amount_refunded.
- Money: Stripe minor units / 10**exponent (JPY 0, USD / EUR 2), currency codes upper case; Shopify amounts
  are major units already (numbers or decimal strings → Decimal). Row amounts are numeric(18,2).
  Shopify: line_amount = quantity * price - its discount_allocations; subtotal = sum of line amounts;
  discount_amount = total_discounts not allocated to lines; shipping = sum of shipping_lines.price;
  tax = total_tax; total = total_price. Stripe invoices: discount = subtotal + tax - total, shipping 0.
- Refunds: Shopify order_refunds, amount = sum of its transactions of kind refund with status success;
  Stripe refunds with status succeeded (order = the charge's invoice, else the one-off charge). Refunds and
  payments whose order is missing or deleted are dropped. A refund counts on the UTC date it was created.
- Payments: Shopify transactions of kind sale / capture (success → captured, pending, failure / error →
  failed); Stripe charges (succeeded → captured, pending, failed); order_id null for a charge that is no order.
- Daily revenue per (UTC order date, currency): orders and gross = count and sum of total_amount of counted
  non-test orders; refunds = their refunds by refund date; net = gross - refunds.
- FX (mart_revenue_daily, in the reporting currency): the tenant's rate rows (rate_date, from, to, rate;
  1 from = rate to; rows with from = to or rate <= 0 ignored). Per rate day and currency C other than the
  reporting currency R, the first that exists: direct C -> R; inverse 1 / (R -> C); cross via a base B (the
  first by code) with legs C -> B and B -> R on the same day, each leg direct else inverse, rate = leg * leg.
  An inverse and a cross rate are rounded half up to 10 decimal places. A day uses the latest rate day of its
  currency on or before it (weekends, holidays); before the currency's first rate day it has none. R is 1.
  Per day: orders and returned_orders count every counted order / refunded counted order as before;
  gross_revenue = sum of amount * rate of the orders placed that day with a rate, refunds = sum of
  amount * rate of the refunds made that day (at the refund day's rate of the refund's currency) with a rate,
  both summed exactly and rounded half up to cents; net = gross - refunds (rounded figures);
  unconverted_orders / unconverted_refunds count those without a rate; average_order_value = gross / orders
  with a rate, rounded half up to cents, null when none has one.
- MRR (Stripe): a subscription item is active at an instant when a subscription line (type subscription,
  not a proration) of a non-deleted, live, paid or open invoice has period.start <= instant < period.end.
  Stripe keeps invoices forever while subscriptions only show their latest state, so the history is read
  from invoice lines. Its MRR is price.unit_amount * quantity per month: interval month / interval_count,
  year / 12, week * 52 / 12, day * 365 / 12. Customer MRR per currency is taken at each month's end (the
  first instant of the next month) for every month from the first billed one to the last whose month end
  is not after the latest extraction. Movements per (month, currency) from the previous month end: new
  (0 → >0, never before), reactivation (0 → >0, had MRR before), expansion / contraction (the increase /
  decrease while >0 at both ends), churn (>0 → 0: the previous MRR). Full Decimal precision throughout;
  rounded to 2 places only at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from tests.generators.money import from_minor
from tests.generators.raw_tables import RawDataset

CENT = Decimal("0.01")
COUNTED = ("completed", "partially_returned", "returned")
_SHOPIFY_STATUS = {"paid": "completed", "partially_refunded": "partially_returned", "refunded": "returned"}
_SHOPIFY_STATUS |= {"pending": "pending", "authorized": "pending", "partially_paid": "pending", "voided": "cancelled"}
_CURSORS = {"transactions": "created_at", "order_refunds": "created_at", "subscription_items": "subscription_updated"}
Row = dict[str, Any]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def latest_rows(dataset: RawDataset, stream: str, *, keep_deleted: bool = False) -> list[Row]:
    """Rows of a stream deduplicated by id (greatest cursor, then extraction), deleted rows dropped unless kept."""
    if stream not in dataset.streams:
        return []
    default = "updated" if dataset.system == "stripe" else "updated_at"
    cursor = _CURSORS.get(stream, default)
    best: dict[Any, Row] = {}
    for row in dataset.streams[stream].rows:
        value = row.get(cursor) if row.get(cursor) is not None else row.get("deleted_at")
        rank = (value is not None, value if value is not None else 0, row["_airbyte_extracted_at"])
        if row["id"] not in best or rank > best[row["id"]]["__rank"]:
            best[row["id"]] = row | {"__rank": rank}
    live = [
        row
        for row in best.values()
        if keep_deleted or (row.get("deleted_at") is None and row.get("is_deleted") is not True)
    ]
    return [{key: value for key, value in row.items() if key != "__rank"} for row in live]


def expected_orders(dataset: RawDataset, source_relation: str | None = None) -> list[Row]:
    """One input__orders row per order, sorted by order_id."""
    rows = _shopify_orders(dataset) if dataset.system == "shopify" else _stripe_orders(dataset)
    return sorted((_common(row, dataset, source_relation) for row in rows), key=lambda row: row["order_id"])


def expected_refunds(dataset: RawDataset, source_relation: str | None = None) -> list[Row]:
    """One input__refunds row per refund of an existing order, sorted by refund_id."""
    orders = {row["order_id"]: row for row in expected_orders(dataset)}
    rows = _shopify_refunds(dataset, orders) if dataset.system == "shopify" else _stripe_refunds(dataset, orders)
    return sorted((_common(row, dataset, source_relation) for row in rows), key=lambda row: row["refund_id"])


def expected_payments(dataset: RawDataset, source_relation: str | None = None) -> list[Row]:
    """One input__payments row per payment (attempt), sorted by payment_id."""
    orders = {row["order_id"]: row for row in expected_orders(dataset)}
    rows = _shopify_payments(dataset, orders) if dataset.system == "shopify" else _stripe_payments(dataset, orders)
    return sorted((_common(row, dataset, source_relation) for row in rows), key=lambda row: row["payment_id"])


def expected_daily_revenue(
    dataset: RawDataset, counted_statuses: Iterable[str] = COUNTED
) -> dict[tuple[dt.date, str], dict[str, Any]]:
    """{(date, currency): {orders, gross_revenue, refunds, net_revenue}} of counted non-test orders."""
    counted = set(counted_statuses)
    orders = {o["order_id"]: o for o in expected_orders(dataset) if not o["is_test"] and o["order_status"] in counted}
    figures: dict[tuple[dt.date, str], dict[str, Any]] = defaultdict(
        lambda: {"orders": 0, "gross_revenue": Decimal(0), "refunds": Decimal(0)}
    )
    for order in orders.values():
        day = figures[(order["ordered_at"].date(), order["currency_code"])]
        day["orders"] += 1
        day["gross_revenue"] += order["total_amount"]
    for refund in expected_refunds(dataset):
        if refund["order_id"] in orders:
            figures[(refund["refunded_at"].date(), refund["currency_code"])]["refunds"] += refund["amount"]
    for day in figures.values():
        day["net_revenue"] = day["gross_revenue"] - day["refunds"]
    return dict(figures)


RATE_PLACES = Decimal("0.0000000001")
RateRow = tuple[dt.date, str, str, Decimal]
RatePoints = dict[str, list[tuple[dt.date, Decimal]]]


def expected_fx_rates(rate_rows: Iterable[RateRow], reporting: str = "USD") -> RatePoints:
    """{currency: [(rate day, rate into the reporting currency)] sorted by day}; the reporting currency is 1."""
    by_day: dict[dt.date, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for day, source, target, rate in rate_rows:
        if source != target and rate > 0:
            by_day[day][(source, target)] = rate
    points: RatePoints = defaultdict(list)
    for day, direct in sorted(by_day.items()):
        currencies = {code for pair in direct for code in pair}
        for currency in sorted(currencies - {reporting}):
            rate = _leg(direct, currency, reporting)
            for base in sorted(currencies - {currency, reporting}):
                if rate is not None:
                    break
                to_base, from_base = _leg(direct, currency, base), _leg(direct, base, reporting)
                if to_base is not None and from_base is not None:
                    rate = _round_rate(to_base * from_base)
            if rate is not None:
                points[currency].append((day, rate))
    return dict(points) | {reporting: [(dt.date(1900, 1, 1), Decimal(1))]}


def _leg(direct: dict[tuple[str, str], Decimal], source: str, target: str) -> Decimal | None:
    if (source, target) in direct:
        return direct[(source, target)]
    if (target, source) in direct:
        return _round_rate(1 / direct[(target, source)])
    return None


def _round_rate(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def rate_on(points: RatePoints, currency: str, day: dt.date) -> Decimal | None:
    """The rate of currency on day: its latest rate day on or before it; None before the first or without any."""
    earlier = [rate for rate_day, rate in points.get(currency, []) if rate_day <= day]
    return earlier[-1] if earlier else None


def expected_revenue_daily(
    dataset: RawDataset,
    rate_rows: Iterable[RateRow] = (),
    reporting: str = "USD",
    counted_statuses: Iterable[str] = COUNTED,
) -> dict[dt.date, Row]:
    """{day: mart_revenue_daily's figures} in the reporting currency (FX semantics above)."""
    points = expected_fx_rates(rate_rows, reporting)
    counted = set(counted_statuses)
    orders = {o["order_id"]: o for o in expected_orders(dataset) if not o["is_test"] and o["order_status"] in counted}
    names = ("orders", "returned_orders", "unconverted_orders", "unconverted_refunds", "gross", "refunds")
    days: dict[dt.date, Row] = defaultdict(lambda: dict.fromkeys(names, 0) | {"returned": set()})
    for order in orders.values():
        day = days[order["ordered_at"].date()]
        rate = rate_on(points, order["currency_code"], order["ordered_at"].date())
        day["orders"] += 1
        if rate is None:
            day["unconverted_orders"] += 1
        else:
            day["gross"] += order["total_amount"] * rate
    for refund in expected_refunds(dataset):
        if refund["order_id"] not in orders:
            continue
        day = days[refund["refunded_at"].date()]
        rate = rate_on(points, refund["currency_code"], refund["refunded_at"].date())
        day["returned"].add(refund["order_id"])
        if rate is None:
            day["unconverted_refunds"] += 1
        else:
            day["refunds"] += refund["amount"] * rate
    return {day: _revenue_day(figures) for day, figures in days.items()}


def _revenue_day(figures: Row) -> Row:
    gross = Decimal(figures["gross"]).quantize(CENT, rounding=ROUND_HALF_UP)
    refunds = Decimal(figures["refunds"]).quantize(CENT, rounding=ROUND_HALF_UP)
    converted = figures["orders"] - figures["unconverted_orders"]
    return {
        "orders": figures["orders"],
        "returned_orders": len(figures["returned"]),
        "unconverted_orders": figures["unconverted_orders"],
        "unconverted_refunds": figures["unconverted_refunds"],
        "gross_revenue": gross,
        "refunds": refunds,
        "net_revenue": gross - refunds,
        "average_order_value": (gross / converted).quantize(CENT, rounding=ROUND_HALF_UP) if converted else None,
    }


def _common(row: Row, dataset: RawDataset, source_relation: str | None) -> Row:
    result = row | {"is_deleted": 0, "source_system": dataset.system}
    return result | ({"source_relation": source_relation} if source_relation is not None else {})


def naive(moment: dt.datetime | int | None) -> dt.datetime | None:
    """A contract timestamp: naive UTC, from a tz-aware datetime or Stripe epoch seconds."""
    if moment is None:
        return None
    if isinstance(moment, int):
        return dt.datetime.fromtimestamp(moment, dt.UTC).replace(tzinfo=None)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def dec(value: Any) -> Decimal:
    """Shopify money (number or decimal string) → Decimal; never through float."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Shopify ---------------------------------------------------------------------------------------------


def _shopify_orders(dataset: RawDataset) -> list[Row]:
    result = []
    for order in latest_rows(dataset, "orders"):
        lines = order["line_items"] or []
        allocated = [
            sum((dec(a["amount"]) for a in line.get("discount_allocations") or []), Decimal(0)) for line in lines
        ]
        subtotal = sum((line["quantity"] * dec(line["price"]) for line in lines), Decimal(0)) - sum(
            allocated, Decimal(0)
        )
        status = "cancelled" if order["cancelled_at"] else _SHOPIFY_STATUS[order["financial_status"]]
        customer = order.get("customer")
        result.append(
            {
                "order_id": str(order["id"]),
                "customer_id": str(customer["id"]) if customer else None,
                "order_number": order["name"],
                "ordered_at": naive(order["created_at"]),
                "order_status": status,
                "channel": {"web": "online"}.get(order["source_name"], order["source_name"]),
                "currency_code": order["currency"],
                "subtotal_amount": subtotal.quantize(CENT),
                "discount_amount": (dec(order["total_discounts"]) - sum(allocated, Decimal(0))).quantize(CENT),
                "shipping_amount": sum((dec(s["price"]) for s in order["shipping_lines"] or []), Decimal(0)).quantize(
                    CENT
                ),
                "tax_amount": dec(order["total_tax"]).quantize(CENT),
                "total_amount": dec(order["total_price"]).quantize(CENT),
                "is_test": 1 if order["test"] else 0,
                "created_at": naive(order["created_at"]),
                "updated_at": naive(order["updated_at"]),
                "loaded_at": naive(order["_airbyte_extracted_at"]),
            }
        )
    return result


def _shopify_refunds(dataset: RawDataset, orders: dict[str, Row]) -> list[Row]:
    result = []
    for refund in latest_rows(dataset, "order_refunds"):
        order = orders.get(str(refund["order_id"]))
        if order is None:
            continue
        paid = [t for t in refund["transactions"] or [] if t["kind"] == "refund" and t["status"] == "success"]
        result.append(
            {
                "refund_id": str(refund["id"]),
                "order_id": order["order_id"],
                "payment_id": str(paid[0]["parent_id"]) if paid and paid[0].get("parent_id") else None,
                "refunded_at": naive(refund["created_at"]),
                "amount": sum((dec(t["amount"]) for t in paid), Decimal(0)).quantize(CENT),
                "currency_code": order["currency_code"],
                "reason": refund.get("note"),
                "updated_at": naive(refund["created_at"]),
                "loaded_at": _latest(naive(refund["_airbyte_extracted_at"]), order["loaded_at"]),
            }
        )
    return result


def _shopify_payments(dataset: RawDataset, orders: dict[str, Row]) -> list[Row]:
    statuses = {"success": "captured", "pending": "pending", "failure": "failed", "error": "failed"}
    result = []
    for txn in latest_rows(dataset, "transactions"):
        order = orders.get(str(txn["order_id"]))
        if order is None or txn["kind"] not in {"sale", "capture"}:
            continue
        result.append(
            {
                "payment_id": str(txn["id"]),
                "order_id": order["order_id"],
                "customer_id": order["customer_id"],
                "paid_at": naive(txn["processed_at"] or txn["created_at"]),
                "payment_method": txn.get("gateway") or "unknown",
                "payment_status": statuses[txn["status"]],
                "amount": dec(txn["amount"]).quantize(CENT),
                "currency_code": txn["currency"],
                "updated_at": naive(txn["created_at"]),
                "loaded_at": _latest(naive(txn["_airbyte_extracted_at"]), order["loaded_at"]),
            }
        )
    return result


# --- Stripe ----------------------------------------------------------------------------------------------


def _refund_status(amount: int, refunded: int) -> str:
    return "completed" if refunded <= 0 else "returned" if refunded >= amount else "partially_returned"


def _stripe_orders(dataset: RawDataset) -> list[Row]:
    charges = {c["id"]: c for c in latest_rows(dataset, "charges")}
    result = []
    for inv in latest_rows(dataset, "invoices"):
        if inv["status"] not in {"paid", "open", "void", "uncollectible"}:
            continue
        charge = charges.get(inv["charge"]) if inv["charge"] else None
        status = {"open": "pending", "void": "cancelled", "uncollectible": "cancelled"}.get(inv["status"])
        status = (
            status or _refund_status(charge["amount"], charge["amount_refunded"]) if charge else status or "completed"
        )
        cur = inv["currency"]
        amounts = {key: from_minor(inv[key], cur) for key in ("subtotal", "tax", "total")}
        loaded = max(inv["_airbyte_extracted_at"], charge["_airbyte_extracted_at"] if charge else _EPOCH)
        result.append(
            _stripe_order(inv, status, amounts["subtotal"], amounts["tax"], amounts["total"])
            | {"discount_amount": (amounts["subtotal"] + amounts["tax"] - amounts["total"]).quantize(CENT)}
            | {"loaded_at": naive(loaded)}
        )
    for charge in charges.values():
        if charge["invoice"] is None and charge["status"] == "succeeded":
            total = from_minor(charge["amount"], charge["currency"])
            status = _refund_status(charge["amount"], charge["amount_refunded"])
            result.append(_stripe_order(charge, status, total, Decimal(0), total))
    return result


def _stripe_order(obj: Row, status: str, subtotal: Decimal, tax: Decimal, total: Decimal) -> Row:
    return {
        "order_id": obj["id"],
        "customer_id": obj["customer"],
        "order_number": obj.get("number") or obj["id"],
        "ordered_at": naive(obj["created"]),
        "order_status": status,
        "channel": "online",
        "currency_code": obj["currency"].upper(),
        "subtotal_amount": subtotal.quantize(CENT),
        "discount_amount": Decimal("0.00"),
        "shipping_amount": Decimal("0.00"),
        "tax_amount": tax.quantize(CENT),
        "total_amount": total.quantize(CENT),
        "is_test": 0 if obj["livemode"] else 1,
        "created_at": naive(obj["created"]),
        "updated_at": naive(obj["updated"]),
        "loaded_at": naive(obj["_airbyte_extracted_at"]),
    }


def _latest(*loaded: dt.datetime | None) -> dt.datetime:
    """A row's loaded_at when it is made of several records: the latest of theirs (the adapters'
    flexlake_latest_loaded_at), so an incremental run re-reads the row when any of them changes."""
    return max(moment for moment in loaded if moment is not None)


def _charge_order(charge: Row, orders: dict[str, Row]) -> str | None:
    order_id = charge["invoice"] or charge["id"]
    return order_id if order_id in orders else None


def _stripe_refunds(dataset: RawDataset, orders: dict[str, Row]) -> list[Row]:
    charges = {c["id"]: c for c in latest_rows(dataset, "charges")}
    result = []
    for refund in latest_rows(dataset, "refunds"):
        charge = charges.get(refund["charge"])
        order_id = _charge_order(charge, orders) if charge else None
        if refund["status"] != "succeeded" or order_id is None:
            continue
        result.append(
            {
                "refund_id": refund["id"],
                "order_id": order_id,
                "payment_id": refund["charge"],
                "refunded_at": naive(refund["created"]),
                "amount": from_minor(refund["amount"], refund["currency"]).quantize(CENT),
                "currency_code": refund["currency"].upper(),
                "reason": refund.get("reason"),
                "updated_at": naive(refund["updated"]),
                "loaded_at": _latest(
                    naive(refund["_airbyte_extracted_at"]),
                    naive(charge["_airbyte_extracted_at"]),
                    orders[order_id]["loaded_at"],
                ),
            }
        )
    return result


def _stripe_payments(dataset: RawDataset, orders: dict[str, Row]) -> list[Row]:
    statuses = {"succeeded": "captured", "pending": "pending", "failed": "failed"}
    invoices = {row["id"]: row["_airbyte_extracted_at"] for row in latest_rows(dataset, "invoices", keep_deleted=True)}
    return [
        {
            "payment_id": charge["id"],
            "order_id": order_id,
            "customer_id": charge["customer"],
            "paid_at": naive(charge["created"]),
            "payment_method": (charge.get("payment_method_details") or {}).get("type") or "unknown",
            "payment_status": statuses[charge["status"]],
            "amount": from_minor(charge["amount"], charge["currency"]).quantize(CENT),
            "currency_code": charge["currency"].upper(),
            "updated_at": naive(charge["updated"]),
            "loaded_at": _latest(
                naive(max(charge["_airbyte_extracted_at"], invoices.get(charge["invoice"], _EPOCH))),
                orders[order_id]["loaded_at"] if order_id else None,
            ),
        }
        for charge in latest_rows(dataset, "charges")
        for order_id in [_charge_order(charge, orders)]
    ]


# --- MRR -------------------------------------------------------------------------------------------------

_PER_MONTH = {"month": Decimal(1), "year": Decimal(1) / 12, "week": Decimal(52) / 12, "day": Decimal(365) / 12}
MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")


def expected_mrr_movements(dataset: RawDataset) -> dict[tuple[dt.date, str], dict[str, Decimal]]:
    """{(first day of month, currency): {new, expansion, contraction, churn, reactivation}} (Stripe)."""
    with localcontext() as context:
        context.prec = 60
        lines = _active_lines(dataset)
        if not lines:
            return {}
        latest = max(row["_airbyte_extracted_at"] for row in dataset.streams["invoices"].rows)
        month = _month(min(start for _, _, start, _, _ in lines))
        previous: dict[tuple[str, str], Decimal] = {}
        seen: set[tuple[str, str]] = set()
        currencies = sorted({cur for _, cur, _, _, _ in lines})
        result: dict[tuple[dt.date, str], dict[str, Decimal]] = {}
        while _next_month(month) <= latest:
            current = _mrr_at(lines, _next_month(month))
            moves = {(month.date(), cur): dict.fromkeys(MOVEMENTS, Decimal(0)) for cur in currencies}
            for key in set(previous) | set(current):
                _classify(
                    moves[(month.date(), key[1])],
                    previous.get(key, Decimal(0)),
                    current.get(key, Decimal(0)),
                    key in seen,
                )
            seen |= {key for key, value in current.items() if value > 0}
            result |= moves
            previous, month = current, _next_month(month)
        return {key: {name: value.quantize(CENT) for name, value in moves.items()} for key, moves in result.items()}


def _active_lines(dataset: RawDataset) -> list[tuple[str, str, dt.datetime, dt.datetime, Decimal]]:
    """(customer, currency, period start, period end, monthly MRR in major units) per subscription line."""
    invoices = {
        inv["id"]: inv
        for inv in latest_rows(dataset, "invoices")
        if inv["livemode"] and inv["status"] in {"paid", "open"}
    }
    result = []
    for line in latest_rows(dataset, "invoice_line_items"):
        inv = invoices.get(line["invoice_id"])
        if inv is None or line["type"] != "subscription" or line["proration"]:
            continue
        price, cur = line["price"], line["currency"].upper()
        recurring = price["recurring"]
        monthly = Decimal(price["unit_amount"] * line["quantity"]) * _PER_MONTH[recurring["interval"]]
        monthly /= recurring.get("interval_count") or 1
        start, end = (dt.datetime.fromtimestamp(line["period"][key], dt.UTC) for key in ("start", "end"))
        result.append((inv["customer"], cur, start, end, from_minor(0, cur) + monthly.scaleb(-_exp(cur))))
    return result


def _exp(currency: str) -> int:
    return 0 if currency == "JPY" else 2


def _mrr_at(
    lines: list[tuple[str, str, dt.datetime, dt.datetime, Decimal]], instant: dt.datetime
) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for customer, cur, start, end, monthly in lines:
        if start <= instant < end:
            totals[(customer, cur)] += monthly
    return dict(totals)


def _classify(moves: dict[str, Decimal], before: Decimal, after: Decimal, seen: bool) -> None:
    if before == 0 and after > 0:
        moves["reactivation" if seen else "new"] += after
    elif before > 0 and after == 0:
        moves["churn"] += before
    elif after > before > 0:
        moves["expansion"] += after - before
    elif before > after > 0:
        moves["contraction"] += before - after


def _month(moment: dt.datetime) -> dt.datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(month: dt.datetime) -> dt.datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
