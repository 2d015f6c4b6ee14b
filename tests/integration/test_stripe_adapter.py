"""The Stripe source adapter, proven against the independent oracle (tests/generators/oracle.py).

generate_stripe(seed) writes Airbyte-shaped source-stripe raw tables; `dbt build` runs the whole product
(staging, adapters, input layer, core, marts and every data test) for a Stripe tenant, and the input
contract's orders, refunds and payments and the daily revenue per currency must equal the oracle's
exactly (Decimal, never float). One build per warehouse, in module-scoped fixtures:

- DuckDB, lower-case identifiers, Stripe only, with the tenant's FX rate table (tests/generators/fx_rates.py:
  direct, inverse-only and cross-only rates, weekend gaps, JPY without a rate before a date) named by var
  fx_rates_relation as database.schema.table (the raw file's attach alias);
- DuckDB, upper-case identifiers (as Airbyte's Snowflake destination writes them), Stripe and faker in
  one tenant: the same Stripe figures, and faker's rows beside them; no rate table (EUR and JPY unconverted);
- PostgreSQL (a throw-away server), Stripe only, with the rate table as schema.table.

mart_revenue_daily (in USD, converted at each order's and refund's own day's rate) and dim_fx_rates equal
oracle.expected_revenue_daily / expected_fx_rates exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from tests.generators import oracle
from tests.generators.fx_rates import FxRate, generate_fx_rates, write_duckdb_rates, write_postgres_rates
from tests.generators.raw_tables import RawDataset, RawStream, write_duckdb
from tests.generators.shopify import SYNC_1
from tests.generators.stripe import generate_stripe
from tests.integration.dbt_cli import (
    DbtBuild,
    Fetch,
    build_project,
    other_systems_excluded,
    postgres_raw_warehouse,
)

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

SEED = 7
# Its own prefix: the PostgreSQL server is shared by the session (test_dbt_project builds "acme" there).
PREFIX = "stripet"
RAW_SCHEMA = "stripet_raw_stripe"
FAKER_SCHEMA = "stripet_raw_faker"
RAW_ALIAS = "raw_stripe_file"
FX_SEED = 11
FX_SCHEMA = "stripet_finance"
FX_TABLE = "fx_rates"
# Warns by design: the rate table has no JPY rate before fx_rates.JPY_RATES_FROM; without it EUR and JPY have none.
FX_WARNING = "assert_amounts_have_a_rate_to_the_reporting_currency"
ALLOWED_WARNINGS = {FX_WARNING}


@pytest.fixture(scope="module")
def dataset() -> RawDataset:
    """The generated source-stripe raw data every build reads."""
    return generate_stripe(SEED)


@pytest.fixture(scope="module")
def fx_rates() -> list[FxRate]:
    """The tenant's rate table of the DuckDB and PostgreSQL Stripe-only builds."""
    return generate_fx_rates(FX_SEED)


def _dbt_vars(systems: list[str], relations: dict[str, list[dict[str, Any]]], **extra: Any) -> dict[str, Any]:
    base = {"flexlake_schema_prefix": PREFIX, "flexlake_source_systems": systems, "flexlake_raw_relations": relations}
    return base | extra


def _build(
    target: str, dbt_vars: dict[str, Any], work_dir: Path, fetch: Fetch, env: dict[str, str] | None = None
) -> DbtBuild:
    """`dbt build` of everything the tenant has; systems it lacks are excluded, as the tenant DAG does."""
    excluded = other_systems_excluded(dbt_vars["flexlake_source_systems"])
    build = build_project(["build", "--exclude", *excluded], target, dbt_vars, work_dir, fetch=fetch, env=env)
    assert not build.failures(ALLOWED_WARNINGS), build.output
    return build


def _name(result: dict[str, Any]) -> str:
    return str(result["unique_id"]).split(".")[2]


def _duckdb_fetch(warehouse: Path, raw_file: Path) -> Fetch:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            connection.execute(f"attach '{raw_file}' as {RAW_ALIAS} (read_only)")
            return connection.sql(sql).fetchall()

    return fetch


_FAKER_SQL = f"""
create schema {FAKER_SCHEMA};
create table {FAKER_SCHEMA}.users (id bigint, created_at timestamp, updated_at timestamp, name varchar,
    email varchar, address json, _airbyte_raw_id varchar, _airbyte_extracted_at timestamp, _airbyte_meta json);
insert into {FAKER_SCHEMA}.users values (1, '2025-01-01', '2025-01-01', 'Ann', 'ann@example.org',
    '{{"city": "Lyon", "country_code": "fr"}}', 'f-u1', '2025-01-02', '{{}}');
create table {FAKER_SCHEMA}.products (id bigint, make varchar, model varchar, year bigint, price decimal(38, 9),
    created_at timestamp, updated_at timestamp, _airbyte_raw_id varchar, _airbyte_extracted_at timestamp,
    _airbyte_meta json);
insert into {FAKER_SCHEMA}.products values (1, 'Fiat', 'Panda', 2020, 10.50, '2025-01-01', '2025-01-01',
    'f-p1', '2025-01-02', '{{}}');
create table {FAKER_SCHEMA}.purchases (id bigint, user_id bigint, product_id bigint, created_at timestamp,
    updated_at timestamp, added_to_cart_at timestamp, purchased_at timestamp, returned_at timestamp,
    _airbyte_raw_id varchar, _airbyte_extracted_at timestamp, _airbyte_meta json);
insert into {FAKER_SCHEMA}.purchases values
    (1, 1, 1, '2025-03-01', '2025-03-01', '2025-03-01', '2025-03-01 10:00', null, 'f-o1', '2025-03-02', '{{}}'),
    (2, 1, 1, '2025-03-02', '2025-03-02', '2025-03-02', '2025-03-02 11:00', '2025-03-09', 'f-o2', '2025-03-03', '{{}}');
"""


def _duckdb_build(
    tmp_path: Path, dataset: RawDataset, *, upper_case: bool, with_faker: bool, fx_rates: list[FxRate] | None = None
) -> DbtBuild:
    raw_file = tmp_path / "raw.duckdb"
    write_duckdb(dataset, str(raw_file), RAW_SCHEMA, upper_case=upper_case)
    extra: dict[str, Any] = {}
    if fx_rates is not None:
        write_duckdb_rates(fx_rates, str(raw_file), FX_SCHEMA, FX_TABLE)
        extra["fx_rates_relation"] = f"{RAW_ALIAS}.{FX_SCHEMA}.{FX_TABLE}"
    relations: dict[str, list[dict[str, Any]]] = {"stripe": [{"database": RAW_ALIAS, "schema": RAW_SCHEMA}]}
    systems = ["stripe"]
    if with_faker:
        with duckdb.connect(str(raw_file)) as connection:
            connection.execute(_FAKER_SQL)
        relations["faker"] = [{"database": RAW_ALIAS, "schema": FAKER_SCHEMA}]
        systems = ["faker", "stripe"]
    warehouse = tmp_path / "warehouse.duckdb"
    dbt_vars = _dbt_vars(
        systems,
        relations,
        flexlake_duckdb_path=str(warehouse),
        flexlake_duckdb_attach=[{"path": str(raw_file), "alias": RAW_ALIAS}],
        **extra,
    )
    return _build("duckdb", dbt_vars, tmp_path, _duckdb_fetch(warehouse, raw_file))


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset, fx_rates: list[FxRate]) -> DbtBuild:
    """Stripe only, lower-case raw tables, with the tenant's rate table, on DuckDB."""
    return _duckdb_build(
        tmp_path_factory.mktemp("stripe_duckdb"), dataset, upper_case=False, with_faker=False, fx_rates=fx_rates
    )


@pytest.fixture(scope="module")
def duckdb_upper_build(tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset) -> DbtBuild:
    """Stripe (upper-case raw tables, as Snowflake writes them) and faker in one tenant, on DuckDB."""
    return _duckdb_build(tmp_path_factory.mktemp("stripe_upper"), dataset, upper_case=True, with_faker=True)


@pytest.fixture(scope="module")
def postgres_build(
    tmp_path_factory: pytest.TempPathFactory,
    dataset: RawDataset,
    fx_rates: list[FxRate],
    postgres_server: PostgresServer,
) -> DbtBuild:
    """Stripe only, with the tenant's rate table, on a real PostgreSQL."""
    fetch = postgres_raw_warehouse(postgres_server, {RAW_SCHEMA: dataset})
    write_postgres_rates(fx_rates, postgres_server.connection_kwargs, FX_SCHEMA, FX_TABLE)
    dbt_vars = _dbt_vars(
        ["stripe"],
        {"stripe": [{"database": None, "schema": RAW_SCHEMA}]},
        fx_rates_relation=f"{FX_SCHEMA}.{FX_TABLE}",
    )
    work_dir = tmp_path_factory.mktemp("stripe_postgres")
    return _build("postgres", dbt_vars, work_dir, fetch, postgres_server.dbt_env)


BUILDS = ["duckdb_build", "duckdb_upper_build", "postgres_build"]


def _rows(build: DbtBuild, model: str, expected: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The model's live Stripe rows with the oracle's columns, sorted like the oracle's."""
    columns = list(expected[0])
    rows = build.fetch(
        f"select {', '.join(columns)} from {PREFIX}_input.{model}"
        f" where source_system = 'stripe' and is_deleted = 0 order by {key}"
    )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _assert_same_rows(actual: list[dict[str, Any]], expected: list[dict[str, Any]], key: str) -> None:
    assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}"
    for got, want in zip(actual, expected, strict=True):
        assert got == want, f"{key} {want[key]}: {_diff(got, want)}"


def _diff(got: dict[str, Any], want: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (got[name], want[name]) for name in want if got.get(name) != want[name]}


@pytest.mark.parametrize("build_name", BUILDS)
def test_every_model_builds_and_every_data_test_passes(build_name: str, request: pytest.FixtureRequest) -> None:
    """dbt build succeeded: every model and seed built, every data test passed (the FX warning aside)."""
    build: DbtBuild = request.getfixturevalue(build_name)
    bad = build.failures(ALLOWED_WARNINGS)
    assert not bad, bad
    models = {uid: status for uid, status in build.results.items() if uid.startswith("model.")}
    assert all(status == "success" for status in models.values()), models
    built = build.models()
    stripe_models = {name for name in built if name.startswith(("stg_stripe__", "stripe__"))}
    assert len(stripe_models) == 19, sorted(stripe_models)
    assert {"fct_orders", "fct_subscriptions", "mart_revenue_daily", "mart_mrr_monthly"} <= built


@pytest.mark.parametrize("build_name", BUILDS)
def test_input_orders_equal_the_oracles_orders(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """input__orders' live Stripe rows equal oracle.expected_orders, every column, to the cent."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_orders(dataset, RAW_SCHEMA)
    _assert_same_rows(_rows(build, "input__orders", expected, "order_id"), expected, "order_id")


@pytest.mark.parametrize("build_name", BUILDS)
def test_input_refunds_equal_the_oracles_refunds(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """input__refunds' Stripe rows equal oracle.expected_refunds (succeeded refunds of existing orders)."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_refunds(dataset, RAW_SCHEMA)
    _assert_same_rows(_rows(build, "input__refunds", expected, "refund_id"), expected, "refund_id")


@pytest.mark.parametrize("build_name", BUILDS)
def test_input_payments_equal_the_oracles_payments(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """input__payments' Stripe rows equal oracle.expected_payments (every charge, order id when it is one)."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_payments(dataset, RAW_SCHEMA)
    _assert_same_rows(_rows(build, "input__payments", expected, "payment_id"), expected, "payment_id")


def _daily_by_currency(build: DbtBuild) -> dict[tuple[dt.date, str], dict[str, Any]]:
    rows = build.fetch(
        "select revenue_date, currency_code, sum(orders), sum(gross_revenue), sum(refunds), sum(net_revenue)"
        f" from {PREFIX}_marts.mart_revenue_daily_by_channel group by revenue_date, currency_code"
    )
    return {
        (_date(day), currency): {"orders": int(orders), "gross_revenue": gross, "refunds": refunds, "net_revenue": net}
        for day, currency, orders, gross, refunds, net in rows
    }


def _date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize("build_name", ["duckdb_build", "postgres_build"])
def test_daily_revenue_per_currency_equals_the_oracle(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """mart_revenue_daily_by_channel per (day, currency) equals the oracle, each currency in its own amounts."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_daily_revenue(dataset)
    actual = _daily_by_currency(build)
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert not wrong, list(wrong.items())[:5]


_REVENUE_DAILY_COLUMNS = (
    "orders", "returned_orders", "unconverted_orders", "unconverted_refunds", "gross_revenue", "refunds",
    "net_revenue", "average_order_value",
)  # fmt: skip


def _revenue_daily(build: DbtBuild) -> dict[dt.date, dict[str, Any]]:
    columns = ", ".join(_REVENUE_DAILY_COLUMNS)
    rows = build.fetch(f"select revenue_date, {columns} from {PREFIX}_marts.mart_revenue_daily")
    return {_date(day): dict(zip(_REVENUE_DAILY_COLUMNS, values, strict=True)) for day, *values in rows}


@pytest.mark.parametrize("build_name", ["duckdb_build", "postgres_build"])
def test_daily_revenue_in_the_reporting_currency_equals_the_oracles_conversion(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset, fx_rates: list[FxRate]
) -> None:
    """mart_revenue_daily, USD at each amount's own day's rate (direct, inverse, cross), equals the oracle exactly."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_revenue_daily(dataset, [rate.as_tuple() for rate in fx_rates])
    actual = _revenue_daily(build)
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    wrong = {day: _diff(actual[day], want) for day, want in expected.items() if actual[day] != want}
    assert not wrong, sorted(wrong.items())[:5]
    assert 0 < sum(day["unconverted_orders"] for day in expected.values()) < len(oracle.expected_orders(dataset))


@pytest.mark.parametrize("build_name", ["duckdb_build", "postgres_build"])
def test_dim_fx_rates_equals_the_oracles_rates(
    build_name: str, request: pytest.FixtureRequest, fx_rates: list[FxRate]
) -> None:
    """dim_fx_rates holds the oracle's rate per currency and day, every method used, valid to the next rate day."""
    build: DbtBuild = request.getfixturevalue(build_name)
    rows = build.fetch(
        f"select currency_code, valid_from, valid_to, rate, rate_method from {PREFIX}_core.dim_fx_rates"
        " order by currency_code, valid_from"
    )
    actual: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for currency, valid_from, _valid_to, rate, _method in rows:
        actual[currency].append((_date(valid_from), rate))
    assert dict(actual) == oracle.expected_fx_rates([rate.as_tuple() for rate in fx_rates])
    ends = {currency: [_date(valid_to) if valid_to else None for c, _, valid_to, _, _ in rows if c == currency]
            for currency in actual}  # fmt: skip
    assert all(ends[c][:-1] == [day for day, _ in actual[c][1:]] and ends[c][-1] is None for c in actual), ends
    assert {method for *_, method in rows} == {"direct", "inverse", "cross", "identity"}


def _warning_failures(build: DbtBuild) -> int:
    (result,) = [r for r in build.run_results if r["unique_id"].startswith("test.") and _name(r) == FX_WARNING]
    assert result["status"] in {"warn", "pass"}, result
    return int(result["failures"] or 0)


def test_the_fx_warning_names_each_currency_lacking_a_rate(
    duckdb_build: DbtBuild, duckdb_upper_build: DbtBuild
) -> None:
    """With the rate table only JPY lacks one (before its first rate); without any table EUR and JPY do."""
    assert _warning_failures(duckdb_build) == 1
    assert _warning_failures(duckdb_upper_build) == 2  # EUR and JPY


def test_without_a_rate_table_only_reporting_currency_amounts_are_summed(
    duckdb_upper_build: DbtBuild, dataset: RawDataset
) -> None:
    """No fx_rates_relation: EUR and JPY orders are counted as unconverted, never added to USD revenue."""
    (row,) = duckdb_upper_build.fetch(
        f"select sum(orders), sum(unconverted_orders), sum(gross_revenue) from {PREFIX}_marts.mart_revenue_daily"
    )
    ((faker_orders, faker_gross),) = duckdb_upper_build.fetch(
        f"select count(*), sum(amount) from {PREFIX}_core.fct_orders where source_system = 'faker'"
        f" and order_status in {tuple(oracle.COUNTED)}"
    )
    counted = [o for o in oracle.expected_orders(dataset) if not o["is_test"] and o["order_status"] in oracle.COUNTED]
    foreign = [o for o in counted if o["currency_code"] != "USD"]
    usd_gross = sum((o["total_amount"] for o in counted if o["currency_code"] == "USD"), Decimal(0))
    assert row == (len(counted) + faker_orders, len(foreign), usd_gross + faker_gross), row


@pytest.mark.parametrize("build_name", BUILDS)
def test_mrr_movements_per_month_and_currency_equal_the_oracle(
    build_name: str, request: pytest.FixtureRequest, dataset: RawDataset
) -> None:
    """mart_mrr_monthly's new / expansion / contraction / churn / reactivation equal oracle.expected_mrr_movements."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = oracle.expected_mrr_movements(dataset)
    rows = build.fetch(
        "select mrr_month, currency_code, new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr"
        f" from {PREFIX}_marts.mart_mrr_monthly"
    )
    actual = {
        (_date(month), currency): dict(zip(oracle.MOVEMENTS, values, strict=True)) for month, currency, *values in rows
    }
    assert set(actual) == set(expected), sorted(set(actual) ^ set(expected))[:10]
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert not wrong, sorted(wrong.items())[:5]
    assert any(moves["expansion"] for moves in expected.values()), "the data should have every kind of movement"
    assert all(any(moves[name] for moves in expected.values()) for name in oracle.MOVEMENTS)


def test_stripe_and_faker_in_one_tenant_both_reach_the_input_layer(duckdb_upper_build: DbtBuild) -> None:
    """With both systems, faker's two orders sit beside Stripe's, each under its own source_relation."""
    counts: dict[str, int] = dict(
        duckdb_upper_build.fetch(
            f"select source_relation, count(*) from {PREFIX}_input.input__orders group by source_relation"
        )
    )
    assert counts == {FAKER_SCHEMA: 2, RAW_SCHEMA: len(oracle.expected_orders(generate_stripe(SEED)))}, counts


def _first_sync(dataset: RawDataset) -> RawDataset:
    """What the raw tables held after the first sync only (the second appends later versions and new rows)."""
    streams = {
        name: RawStream(
            name, stream.columns, [r for r in stream.rows if r["_airbyte_extracted_at"] == SYNC_1.extracted_at]
        )
        for name, stream in dataset.streams.items()
    }
    return RawDataset(system=dataset.system, streams=streams)


_FACT_SQL = "select * from {schema}.{table} order by source_relation, {key}"


def test_an_incremental_build_after_the_second_sync_equals_a_full_build_and_the_oracle(
    tmp_path: Path, dataset: RawDataset, duckdb_build: DbtBuild
) -> None:
    """Build on the first sync, append the second (refunds, an open invoice paid, re-emitted rows), build
    incrementally: the incremental facts equal the full build's (duckdb_build), and fct_payments the oracle."""
    raw_file, warehouse = tmp_path / "raw.duckdb", tmp_path / "warehouse.duckdb"
    relations: dict[str, list[dict[str, Any]]] = {"stripe": [{"database": RAW_ALIAS, "schema": RAW_SCHEMA}]}
    dbt_vars = _dbt_vars(
        ["stripe"],
        relations,
        flexlake_duckdb_path=str(warehouse),
        flexlake_duckdb_attach=[{"path": str(raw_file), "alias": RAW_ALIAS}],
    )
    write_duckdb(_first_sync(dataset), str(raw_file), RAW_SCHEMA)
    fetch = _duckdb_fetch(warehouse, raw_file)
    _build("duckdb", dbt_vars, tmp_path / "first", fetch)
    (first_payments,) = fetch(f"select count(*) from {PREFIX}_core.fct_payments")
    write_duckdb(dataset, str(raw_file), RAW_SCHEMA)
    _build("duckdb", dbt_vars, tmp_path / "incremental", fetch)
    for table, key in (("fct_payments", "payment_id"), ("fct_order_lines", "order_line_id")):
        incremental = fetch(_FACT_SQL.format(schema=f"{PREFIX}_core", table=table, key=key))
        full = duckdb_build.fetch(_FACT_SQL.format(schema=f"{PREFIX}_core", table=table, key=key))
        assert incremental == full, f"{table}: incremental {len(incremental)} rows, full build {len(full)}"
    test_orders = {o["order_id"] for o in oracle.expected_orders(dataset) if o["is_test"]}
    expected = [
        (p["payment_id"], p["order_id"], p["payment_status"], p["amount"], p["currency_code"])
        for p in oracle.expected_payments(dataset)
        if p["order_id"] not in test_orders
    ]
    actual = fetch(
        f"select payment_id, order_id, payment_status, amount, currency_code from {PREFIX}_core.fct_payments"
        " order by payment_id"
    )
    assert first_payments[0] < len(actual), "the second sync should add payments"
    assert actual == expected
