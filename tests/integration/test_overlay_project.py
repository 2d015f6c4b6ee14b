"""A tenant overlay dbt project (tenant_configs/overlays/example_appdb) built on DuckDB and PostgreSQL.

The overlay is a thin root project over the product (package `flexlake`): it disables the product's
mart_revenue_daily and provides its own (average order value net of refunds), adds a mart the product does
not have (mart_revenue_by_source_system), and maps the tenant's application database (tables generated
here: app_users, app_orders, app_order_items) to the input-layer contract through var
flexlake_extra_adapters. Raw Shopify data from tests/generators is synced beside it. One `dbt build` per
warehouse; every data test of the product (which now also tests the replacement) must pass.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from tests.generators.raw_tables import RawDataset, write_duckdb, write_postgres
from tests.generators.shopify import generate_shopify
from tests.integration.dbt_cli import REPO_ROOT, install_overlay, run_dbt

if TYPE_CHECKING:
    from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

PREFIX = "ovl"
RAW_SCHEMA = f"{PREFIX}_raw_shopify"
APP_SCHEMA = f"{PREFIX}_app"  # the overlay's default appdb_schema: <prefix>_app
RAW_ALIAS = "raw_shopify"
OVERLAY = REPO_ROOT / "tenant_configs" / "overlays" / "example_appdb"
OVERLAY_PACKAGE = "example_appdb_overlay"
APP_STATES = ("paid", "shipped", "refunded", "cancelled", "cart")
APP_ORDERS = 40
Fetch = Callable[[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Build:
    results: dict[str, str]  # unique_id -> status
    seconds: float
    fetch: Fetch


def _app_tables() -> list[str]:
    """The application database: statements valid on DuckDB and PostgreSQL. 30 users, 40 orders (every fifth a
    cart, which is no order), 1-3 items each, amounts in cents, $5 shipping."""
    users = [
        f"({n}, 'user{n}@app.example', 'First{n}', 'Last{n}', 'Town{n % 4}', '{('us', 'de', 'fr')[n % 3]}', "
        f"timestamp '2024-01-{1 + n % 28:02d} 08:00:00', timestamp '2024-02-01 00:00:00')"
        for n in range(1, 31)
    ]
    orders = [
        f"({n}, {1 + n % 30}, timestamp '2024-03-{1 + n % 28:02d} 12:{n % 60:02d}:00', '{APP_STATES[n % 5]}', "
        f"'usd', 500, timestamp '2024-03-{1 + n % 28:02d} 13:00:00')"
        for n in range(1, APP_ORDERS + 1)
    ]
    items = [
        f"({n * 10 + line}, {n}, {line}, {1 + (n + line) % 3}, {1000 + 125 * ((n * line) % 9)})"
        for n in range(1, APP_ORDERS + 1)
        for line in range(1, 2 + n % 3)
    ]
    return [
        f"create schema if not exists {APP_SCHEMA}",
        f"create table {APP_SCHEMA}.app_users (id integer, email varchar, first_name varchar, last_name varchar, "
        "city varchar, country varchar, signed_up_at timestamp, updated_at timestamp)",
        f"insert into {APP_SCHEMA}.app_users values {', '.join(users)}",
        f"create table {APP_SCHEMA}.app_orders (id integer, user_id integer, placed_at timestamp, state varchar, "
        "currency varchar, shipping_cents integer, updated_at timestamp)",
        f"insert into {APP_SCHEMA}.app_orders values {', '.join(orders)}",
        f"create table {APP_SCHEMA}.app_order_items (id integer, order_id integer, line_number integer, "
        "quantity integer, unit_price_cents integer)",
        f"insert into {APP_SCHEMA}.app_order_items values {', '.join(items)}",
    ]


@pytest.fixture(scope="module")
def dataset() -> RawDataset:
    return generate_shopify(31, orders=120, store="ovl")


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example overlay, copied and `dbt deps`-installed against this checkout's product."""
    return install_overlay(OVERLAY, tmp_path_factory.mktemp("overlay") / "example_appdb")


def _dbt_vars(database: str | None) -> dict[str, Any]:
    return {
        "flexlake_schema_prefix": PREFIX,
        "flexlake_source_systems": ["shopify"],
        "flexlake_raw_relations": {"shopify": [{"database": database, "schema": RAW_SCHEMA}]},
    }


def _build(overlay: Path, target: str, dbt_vars: dict[str, Any], work_dir: Path, fetch: Fetch, *, env: Any) -> Build:
    started = time.monotonic()
    result = run_dbt(["build"], target, dbt_vars, work_dir, env, project_dir=overlay)
    seconds = time.monotonic() - started
    run_results = work_dir / "target" / "run_results.json"
    assert run_results.exists(), result.stdout[-5000:] + result.stderr[-2000:]
    results = {r["unique_id"]: r["status"] for r in json.loads(run_results.read_text())["results"]}
    print(f"overlay build on {target}: {seconds:.1f} s, {len(results)} nodes")
    return Build(results, seconds, fetch)


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset, overlay: Path) -> Build:
    work_dir = tmp_path_factory.mktemp("overlay_duckdb")
    raw_file, warehouse = work_dir / "raw.duckdb", work_dir / "warehouse.duckdb"
    write_duckdb(dataset, str(raw_file), RAW_SCHEMA)
    with duckdb.connect(str(warehouse)) as connection:
        for statement in _app_tables():
            connection.execute(statement)
    dbt_vars = _dbt_vars(RAW_ALIAS) | {
        "flexlake_duckdb_path": str(warehouse),
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
    }

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    return _build(overlay, "duckdb", dbt_vars, work_dir, fetch, env=None)


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: "PostgresServer", tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset, overlay: Path
) -> Build:
    import psycopg2  # noqa: PLC0415 - only this fixture writes to PostgreSQL directly

    write_postgres(dataset, postgres_server.connection_kwargs, RAW_SCHEMA)
    connection = psycopg2.connect(**postgres_server.connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"drop schema if exists {APP_SCHEMA} cascade")
            for statement in _app_tables():
                cursor.execute(statement)
    finally:
        connection.close()
    work_dir = tmp_path_factory.mktemp("overlay_postgres")
    return _build(overlay, "postgres", _dbt_vars(None), work_dir, postgres_server.fetch, env=postgres_server.dbt_env)


BUILDS = ["duckdb_build", "postgres_build"]


@pytest.mark.parametrize("build_name", BUILDS)
def test_the_overlay_builds_and_every_data_test_passes(build_name: str, request: pytest.FixtureRequest) -> None:
    """Product, replacement, added mart and app-database adapters build; every data test passes."""
    build: Build = request.getfixturevalue(build_name)
    failed = {uid: status for uid, status in build.results.items() if status not in {"success", "pass", "warn"}}
    assert not failed, f"{build_name} ({build.seconds:.1f} s): {failed}"
    for name in ("mart_revenue_daily", "mart_revenue_by_source_system", "app__orders", "app__order_lines"):
        assert build.results.get(f"model.{OVERLAY_PACKAGE}.{name}") == "success", f"{name} not built from the overlay"
    assert "model.flexlake.mart_revenue_daily" not in build.results, "the product's replaced model must not build"
    assert build.results.get("model.flexlake.fct_orders") == "success"
    replaced_tests = [uid for uid in build.results if uid.startswith("test.flexlake.assert_mart_revenue_daily")]
    assert len(replaced_tests) == 2, f"the product's tests of the daily mart run on the replacement: {replaced_tests}"


@pytest.mark.parametrize("build_name", BUILDS)
def test_the_replaced_mart_has_the_overlays_definition(build_name: str, request: pytest.FixtureRequest) -> None:
    """average_order_value is net revenue per order (the overlay's), not gross (the product's), on refund days."""
    build: Build = request.getfixturevalue(build_name)
    rows = build.fetch(
        f"select orders, gross_revenue, net_revenue, average_order_value from {PREFIX}_marts.mart_revenue_daily "
        "where orders > 0"
    )
    assert rows, "the daily mart is empty"
    differing = 0
    for orders, gross, net, average in rows:
        net_per_order = ((200 * Decimal(net) + orders) / (2 * orders)).to_integral_value(ROUND_FLOOR) / 100
        assert Decimal(average) == net_per_order, f"average {average} != net {net} / {orders} orders"
        differing += gross != net
    assert differing > 0, "no day with refunds: the data cannot tell the two definitions apart"


@pytest.mark.parametrize("build_name", BUILDS)
def test_app_database_rows_reach_the_contract_and_the_marts(build_name: str, request: pytest.FixtureRequest) -> None:
    """Every app order except carts is an input__orders row (source_system 'app') and a fct_orders row; the
    added mart reports appdb beside shopify, and the replaced daily mart counts app orders too."""
    build: Build = request.getfixturevalue(build_name)
    app_orders = sum(1 for n in range(1, APP_ORDERS + 1) if APP_STATES[n % 5] != "cart")
    counted_app = sum(1 for n in range(1, APP_ORDERS + 1) if APP_STATES[n % 5] in {"paid", "shipped", "refunded"})
    for table in (f"{PREFIX}_input.input__orders", f"{PREFIX}_core.fct_orders"):
        [(count,)] = build.fetch(f"select count(*) from {table} where source_system = 'app'")
        assert count == app_orders, f"{table}: {count} appdb orders, expected {app_orders}"
    [(customers,)] = build.fetch(f"select count(*) from {PREFIX}_input.input__customers where source_system = 'app'")
    assert customers == 30
    mart = f"{PREFIX}_marts.mart_revenue_by_source_system"
    by_system = dict(build.fetch(f"select source_system, sum(orders) from {mart} group by source_system"))
    assert by_system.get("app") == counted_app, by_system
    assert by_system.get("shopify", 0) > 0, by_system
    [(daily_orders,)] = build.fetch(f"select sum(orders) from {PREFIX}_marts.mart_revenue_daily")
    assert daily_orders == sum(by_system.values()), f"daily mart {daily_orders} != {by_system}"
