"""The FX rate generator and the oracle's rate derivation (direct > inverse > cross, latest rate on or before)."""

import datetime as dt
from decimal import Decimal

from tests.generators.fx_rates import JPY_RATES_FROM, generate_fx_rates
from tests.generators.oracle import expected_fx_rates, rate_on

MONDAY, TUESDAY, FRIDAY, SATURDAY = (dt.date(2025, 3, day) for day in (3, 4, 7, 8))


def test_the_generated_table_is_deterministic_and_has_no_weekend_or_holiday_rows() -> None:
    """The same seed gives the same rows; no Saturday, Sunday, 1 January or 25 / 26 December."""
    rows = generate_fx_rates(5)
    assert rows == generate_fx_rates(5) and rows != generate_fx_rates(6)
    assert all(row.rate_date.weekday() < 5 for row in rows)
    assert not [row for row in rows if (row.rate_date.month, row.rate_date.day) in {(1, 1), (12, 25), (12, 26)}]


def test_the_generated_table_has_direct_inverse_only_and_base_only_days() -> None:
    """EUR: direct on Mondays, only USD -> EUR on Tuesdays, both on Fridays; JPY only from EUR, from its start."""
    pairs: dict[dt.date, set[tuple[str, str]]] = {}
    for row in generate_fx_rates(5):
        pairs.setdefault(row.rate_date, set()).add((row.from_currency, row.to_currency))
    assert ("EUR", "USD") in pairs[MONDAY] and ("USD", "EUR") not in pairs[MONDAY]
    assert ("USD", "EUR") in pairs[TUESDAY] and ("EUR", "USD") not in pairs[TUESDAY]
    assert {("EUR", "USD"), ("USD", "EUR")} <= pairs[FRIDAY]
    assert ("EUR", "JPY") in pairs[TUESDAY] and ("JPY", "USD") not in pairs[TUESDAY]
    assert not [day for day, found in pairs.items() if day < JPY_RATES_FROM and ("EUR", "JPY") in found]


def test_the_oracle_prefers_direct_then_inverse_then_cross_and_rounds_to_ten_places() -> None:
    """Direct beats a disagreeing inverse; 1 / 0.8 = 1.25; JPY via EUR = round(1 / 160, 10) * 1.1; CHF has none."""
    rows = [
        (MONDAY, "EUR", "USD", Decimal("1.1")),
        (MONDAY, "USD", "EUR", Decimal("0.5")),
        (MONDAY, "EUR", "JPY", Decimal("160")),
        (TUESDAY, "USD", "EUR", Decimal("0.8")),
        (TUESDAY, "EUR", "JPY", Decimal("150")),
        (TUESDAY, "USD", "USD", Decimal("2")),
    ]
    points = expected_fx_rates(rows)
    assert points["EUR"] == [(MONDAY, Decimal("1.1")), (TUESDAY, Decimal("1.2500000000"))]
    # 1 / 150 = 0.0066666667 (rounded), times 1.25
    assert points["JPY"] == [(MONDAY, Decimal("0.006875")), (TUESDAY, Decimal("0.0083333334"))]
    assert points["USD"] == [(dt.date(1900, 1, 1), Decimal(1))]
    assert "CHF" not in points


def test_a_day_uses_the_latest_rate_on_or_before_it() -> None:
    """Saturday uses Friday's rate; a day before the first rate, or a currency without any, has none."""
    points = expected_fx_rates([(FRIDAY, "EUR", "USD", Decimal("1.2")), (MONDAY, "EUR", "USD", Decimal("1.1"))])
    assert rate_on(points, "EUR", SATURDAY) == Decimal("1.2")
    assert rate_on(points, "EUR", TUESDAY) == Decimal("1.1")
    assert rate_on(points, "EUR", dt.date(2025, 3, 2)) is None
    assert rate_on(points, "CHF", SATURDAY) is None
    assert rate_on(points, "USD", dt.date(2000, 1, 1)) == Decimal(1)
