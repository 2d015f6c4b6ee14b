"""A tenant's FX rate table (what var fx_rates_relation names), generated deterministically from a seed.

Rows are (rate_date, from_currency, to_currency, rate): 1 from_currency = rate to_currency. Made-up rates for
tests only, never shipped. The table exercises every path of dim_fx_rates, with USD the reporting currency:

- weekdays only (no rates on Saturdays and Sundays) and no rates on 1 January and 25 / 26 December, so
  orders on those days use the latest earlier rate;
- EUR: a direct EUR -> USD row on Mondays, Wednesdays and Fridays; on Tuesdays and Thursdays only USD -> EUR
  (inverse); on Fridays also a USD -> EUR row that disagrees with the direct one (direct wins);
- JPY: ECB style, only EUR -> JPY (cross via EUR), and from JPY_RATES_FROM (or a given date) on: JPY amounts
  before it have no rate (the marts count them as unconverted); on the first weekday of a month also a direct
  JPY -> USD row (direct beats cross);
- GBP: EUR -> GBP on Mondays, a currency no order uses.
Rates have 4 decimals (JPY legs 2, direct JPY -> USD 6), as published rates do.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

START = dt.date(2024, 1, 1)
END = dt.date(2025, 7, 31)
JPY_RATES_FROM = dt.date(2024, 4, 1)
HOLIDAYS = ((1, 1), (12, 25), (12, 26))
COLUMNS = "rate_date date, from_currency varchar, to_currency varchar, rate numeric(18, 8)"


@dataclass(frozen=True)
class FxRate:
    """One row of the tenant's rate table: 1 from_currency = rate to_currency on rate_date."""

    rate_date: dt.date
    from_currency: str
    to_currency: str
    rate: Decimal

    def as_tuple(self) -> tuple[dt.date, str, str, Decimal]:
        """The row as a tuple in column order."""
        return (self.rate_date, self.from_currency, self.to_currency, self.rate)


def _business_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = (start + dt.timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS]


def generate_fx_rates(
    seed: int, start: dt.date = START, end: dt.date = END, jpy_from: dt.date = JPY_RATES_FROM
) -> list[FxRate]:
    """The rate table from start to end (inclusive), JPY from jpy_from, sorted by date and currency pair."""
    rng = random.Random(seed)
    rows: list[FxRate] = []
    first_of_month: set[tuple[int, int]] = set()
    for day in _business_days(start, end):
        eur_usd = Decimal(10500 + rng.randint(0, 700)) / 10000
        if day.weekday() in (0, 2, 4):
            rows.append(FxRate(day, "EUR", "USD", eur_usd))
        if day.weekday() in (1, 3, 4):
            usd_eur = Decimal(8900 + rng.randint(0, 700)) / 10000
            rows.append(FxRate(day, "USD", "EUR", usd_eur))
        if day >= jpy_from:
            rows.append(FxRate(day, "EUR", "JPY", Decimal(15500 + rng.randint(0, 1500)) / 100))
            if (day.year, day.month) not in first_of_month:
                first_of_month.add((day.year, day.month))
                rows.append(FxRate(day, "JPY", "USD", Decimal(6200 + rng.randint(0, 700)) / 1000000))
        if day.weekday() == 0:
            rows.append(FxRate(day, "EUR", "GBP", Decimal(8300 + rng.randint(0, 400)) / 10000))
    return sorted(rows, key=lambda row: (row.rate_date, row.from_currency, row.to_currency))


def write_duckdb_rates(rows: list[FxRate], path: str, schema: str, table: str) -> None:
    """The rate table into a DuckDB file (replacing it), as a tenant's finance sync would leave it."""
    import duckdb  # noqa: PLC0415 - only the writers need the drivers

    with duckdb.connect(path) as connection:
        connection.execute(f"create schema if not exists {schema}")
        connection.execute(f"create or replace table {schema}.{table} ({COLUMNS})")
        connection.executemany(f"insert into {schema}.{table} values (?, ?, ?, ?)", [r.as_tuple() for r in rows])


def write_postgres_rates(rows: list[FxRate], connection_kwargs: dict[str, Any], schema: str, table: str) -> None:
    """The rate table into PostgreSQL (replacing it)."""
    import psycopg2  # noqa: PLC0415 - only the writers need the drivers

    connection = psycopg2.connect(**connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {schema}")
            cursor.execute(f"drop table if exists {schema}.{table}")
            cursor.execute(f"create table {schema}.{table} ({COLUMNS})")
            cursor.executemany(f"insert into {schema}.{table} values (%s, %s, %s, %s)", [r.as_tuple() for r in rows])
    finally:
        connection.close()
