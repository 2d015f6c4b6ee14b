"""An independent Python oracle for the customer and product marts (RFM, cohorts, product performance).

Built on tests/generators/oracle.py (its expected_orders / expected_refunds) plus the order lines, which it
computes here from the raw Shopify `orders.line_items`, without looking at the dbt models. Pure Python and
Decimal, never float. A tenant's data is a mapping {source_relation (raw schema): RawDataset}: the marts rank
customers across all of a tenant's stores, so the functions take every store at once.

Semantics (the marts' ymls state the same):
- Counted orders: non-test orders whose status is in `counted_statuses`; customers and products are keyed
  md5(f"{source_relation}-{id}") like the project's surrogate key.
- RFM: recency_days = days from the customer's last counted order date (UTC) to the as-of date (given, else
  the latest order date of all non-test orders); frequency = counted orders; monetary = net (gross - refunds
  of those orders) or gross. Scores: ntile(5) over the customers ordered by (recency_days descending,
  customer_key), (frequency, customer_key), (monetary, customer_key). Segment: the first of new (r >= 4 and
  frequency = 1), champions (r >= 4 and f >= 4), loyal (r >= 3 and f >= 3), at_risk (r <= 2 and f >= 3),
  hibernating (r <= 2), promising.
- Cohorts: cohort = month of the customer's first counted order; one row per cohort and month from the
  cohort month through the latest month with a counted order; customers_active = cohort customers with a
  counted order in that month; retention_rate = active / size rounded half up to 4 places.
- Products: lines of counted orders with a product; units, gross revenue (sum of line_amount), distinct
  orders, orders whose status is returned or partially_returned, return_rate rounded half up to 4 places.
- Money in the reporting currency (oracle.py, "FX"): given the tenant's rate rows, each order (and each of its
  lines) is converted at its currency's rate on its order date, each refund at the rate on its refund date;
  exact sums rounded half up to cents at the end, net = rounded gross - rounded refunds. Orders without a rate
  count in frequency / orders and in unconverted_orders, but add no money. Without rate rows only the
  reporting currency (rate 1) converts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.generators.oracle import (
    CENT,
    COUNTED,
    RateRow,
    dec,
    expected_fx_rates,
    expected_orders,
    expected_refunds,
    latest_rows,
    rate_on,
)
from tests.generators.raw_tables import RawDataset

RATE = Decimal("0.0001")
RETURNED = ("returned", "partially_returned")
Row = dict[str, Any]
Datasets = Mapping[str, RawDataset]


def surrogate_key(source_relation: str, natural_id: str) -> str:
    """The project's surrogate key: md5 of the parts joined with '-'."""
    return hashlib.md5(f"{source_relation}-{natural_id}".encode()).hexdigest()


def expected_order_lines(dataset: RawDataset, source_relation: str) -> list[Row]:
    """One row per line of a live order (Shopify line_items), with its order, product, quantity and amount."""
    result = []
    for order in latest_rows(dataset, "orders"):
        for line in order["line_items"] or []:
            discount = sum((dec(a["amount"]) for a in line.get("discount_allocations") or []), Decimal(0))
            product_id = line.get("product_id")
            result.append(
                {
                    "order_line_id": str(line["id"]),
                    "order_id": str(order["id"]),
                    "product_id": str(product_id) if product_id is not None else None,
                    "quantity": int(line["quantity"]),
                    "line_amount": (line["quantity"] * dec(line["price"]) - discount).quantize(CENT),
                    "source_relation": source_relation,
                }
            )
    return sorted(result, key=lambda row: (row["order_id"], row["order_line_id"]))


def _counted_orders(datasets: Datasets, counted_statuses: Iterable[str]) -> list[Row]:
    counted = set(counted_statuses)
    return [
        order | {"source_relation": schema}
        for schema in sorted(datasets)
        for order in expected_orders(datasets[schema])
        if not order["is_test"] and order["order_status"] in counted
    ]


def _ntile(ordered_keys: list[str], buckets: int = 5) -> dict[str, int]:
    """SQL ntile(buckets): the first len % buckets groups get one row more."""
    size, extra = divmod(len(ordered_keys), buckets)
    scores: dict[str, int] = {}
    position = 0
    for bucket in range(1, buckets + 1):
        count = size + (1 if bucket <= extra else 0)
        for key in ordered_keys[position : position + count]:
            scores[key] = bucket
        position += count
    return scores


def _segment(recency: int, frequency_score: int, frequency: int) -> str:
    if recency >= 4 and frequency == 1:
        return "new"
    if recency >= 4 and frequency_score >= 4:
        return "champions"
    if recency >= 3 and frequency_score >= 3:
        return "loyal"
    if recency <= 2:
        return "at_risk" if frequency_score >= 3 else "hibernating"
    return "promising"


def expected_customer_rfm(
    datasets: Datasets,
    *,
    as_of_date: dt.date | None = None,
    revenue_basis: str = "net",
    counted_statuses: Iterable[str] = COUNTED,
    rate_rows: Iterable[RateRow] = (),
    reporting: str = "USD",
) -> list[Row]:
    """One mart_customer_rfm row per customer with a counted order, sorted by customer_key."""
    points = expected_fx_rates(rate_rows, reporting)
    orders = [order for order in _counted_orders(datasets, counted_statuses) if order["customer_id"] is not None]
    if as_of_date is None:
        as_of_date = max(
            order["ordered_at"].date()
            for schema in datasets
            for order in expected_orders(datasets[schema])
            if not order["is_test"]
        )
    refunds: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for schema in datasets:
        for refund in expected_refunds(datasets[schema]):
            rate = rate_on(points, refund["currency_code"], refund["refunded_at"].date())
            refunds[(schema, refund["order_id"])] += refund["amount"] * rate if rate is not None else Decimal(0)
    customers: dict[str, Row] = {}
    for order in orders:
        key = surrogate_key(order["source_relation"], order["customer_id"])
        row = customers.setdefault(
            key,
            {
                "customer_key": key,
                "source_relation": order["source_relation"],
                "customer_id": order["customer_id"],
                "last_order_date": order["ordered_at"].date(),
                "frequency": 0,
                "gross": Decimal(0),
                "refunds": Decimal(0),
                "unconverted_orders": 0,
            },
        )
        row["last_order_date"] = max(row["last_order_date"], order["ordered_at"].date())
        row["frequency"] += 1
        rate = rate_on(points, order["currency_code"], order["ordered_at"].date())
        if rate is None:
            row["unconverted_orders"] += 1
        else:
            row["gross"] += order["total_amount"] * rate
        row["refunds"] += refunds.get((order["source_relation"], order["order_id"]), Decimal(0))
    for row in customers.values():
        row["as_of_date"] = as_of_date
        row["recency_days"] = (as_of_date - row["last_order_date"]).days
        gross = row.pop("gross").quantize(CENT, rounding=ROUND_HALF_UP)
        refunded = row.pop("refunds").quantize(CENT, rounding=ROUND_HALF_UP)
        row["monetary"] = gross if revenue_basis == "gross" else gross - refunded
        row["revenue_basis"] = revenue_basis
        row["reporting_currency"] = reporting
    rows = list(customers.values())

    def ranked(value: Callable[[Row], Any]) -> dict[str, int]:
        return _ntile([row["customer_key"] for row in sorted(rows, key=lambda r: (value(r), r["customer_key"]))])

    recency = ranked(lambda r: -r["recency_days"])
    frequency = ranked(lambda r: r["frequency"])
    monetary = ranked(lambda r: r["monetary"])
    for row in rows:
        key = row["customer_key"]
        row |= {"recency_score": recency[key], "frequency_score": frequency[key], "monetary_score": monetary[key]}
        row["segment"] = _segment(recency[key], frequency[key], row["frequency"])
    return sorted(rows, key=lambda row: row["customer_key"])


def _rate(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def expected_customer_cohorts(datasets: Datasets, counted_statuses: Iterable[str] = COUNTED) -> list[Row]:
    """One mart_customer_cohorts row per (cohort_month, months_since_first), sorted by both."""
    active: dict[str, set[int]] = defaultdict(set)
    for order in _counted_orders(datasets, counted_statuses):
        if order["customer_id"] is not None:
            key = surrogate_key(order["source_relation"], order["customer_id"])
            active[key].add(_month_number(order["ordered_at"].date()))
    if not active:
        return []
    last_month = max(max(months) for months in active.values())
    cohorts: dict[int, list[set[int]]] = defaultdict(list)
    for months in active.values():
        cohorts[min(months)].append(months)
    rows = []
    for first, members in sorted(cohorts.items()):
        for month in range(first, last_month + 1):
            customers = sum(1 for months in members if month in months)
            rows.append(
                {
                    "cohort_month": dt.date(first // 12, first % 12 + 1, 1),
                    "months_since_first": month - first,
                    "cohort_size": len(members),
                    "customers_active": customers,
                    "retention_rate": _rate(customers, len(members)),
                }
            )
    return rows


def expected_product_performance(
    datasets: Datasets,
    counted_statuses: Iterable[str] = COUNTED,
    rate_rows: Iterable[RateRow] = (),
    reporting: str = "USD",
) -> list[Row]:
    """One mart_product_performance row per product sold in a counted order, sorted by product_key."""
    points = expected_fx_rates(rate_rows, reporting)
    orders = {(o["source_relation"], o["order_id"]): o for o in _counted_orders(datasets, counted_statuses)}
    unconverted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    products: dict[str, Row] = {}
    product_orders: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for schema in sorted(datasets):
        for line in expected_order_lines(datasets[schema], schema):
            if line["product_id"] is None or (schema, line["order_id"]) not in orders:
                continue
            key = surrogate_key(schema, line["product_id"])
            row = products.setdefault(
                key,
                {
                    "product_key": key,
                    "product_id": line["product_id"],
                    "units_sold": 0,
                    "gross_revenue": Decimal(0),
                    "source_relation": schema,
                },
            )
            row["units_sold"] += line["quantity"]
            order = orders[(schema, line["order_id"])]
            rate = rate_on(points, order["currency_code"], order["ordered_at"].date())
            if rate is None:
                unconverted[key].add((schema, line["order_id"]))
            else:
                row["gross_revenue"] += line["line_amount"] * rate
            product_orders[key].add((schema, line["order_id"]))
    for key, row in products.items():
        sold = product_orders[key]
        returned = sum(1 for order in sold if orders[order]["order_status"] in RETURNED)
        row["gross_revenue"] = row["gross_revenue"].quantize(CENT, rounding=ROUND_HALF_UP)
        row |= {"orders": len(sold), "orders_returned": returned, "return_rate": _rate(returned, len(sold))}
        row |= {"reporting_currency": reporting, "unconverted_orders": len(unconverted[key])}
    return sorted(products.values(), key=lambda row: row["product_key"])
