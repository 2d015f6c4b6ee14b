"""A tenant overlay dbt project (tenant_configs/overlays/example_appdb) built on DuckDB and PostgreSQL.

The overlay is a thin root project over the product (package `flexlake`): it disables the product's
mart_revenue_daily and provides its own (average order value net of refunds), adds a mart the product does
not have (mart_revenue_by_source_system), and maps the tenant's application database to the input-layer contract
through var flexlake_extra_adapters. The app tables (app_users, app_orders, app_order_items) are generated here
as Airbyte's Postgres source writes them in CDC mode: a snapshot, then inserts, updates and deletes (key-only
delete records), two changes committed in the same instant, an older change extracted late; the adapters keep
each row's latest version (macro flexlake_airbyte_latest) and the contract rows and marts are asserted exactly.
Raw Shopify data from tests/generators is synced beside it. One `dbt build` per warehouse; every data test of
the product (which now also tests the replacement) must pass.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
from flexlake.warehouses.tsql_lint import lint_compiled_dir

from tests.generators.raw_tables import RawDataset
from tests.generators.shopify import generate_shopify
from tests.integration.dbt_cli import (
    REPO_ROOT,
    DbtBuild,
    Fetch,
    build_project,
    duckdb_raw_warehouse,
    install_overlay,
    postgres_raw_warehouse,
    run_dbt,
)

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


# The application database as Airbyte's Postgres source syncs it in CDC mode (incremental_append): every change
# is a row with _airbyte_raw_id, _airbyte_extracted_at (zoned, as Destinations V2 write it), _airbyte_meta and
# the CDC columns (_ab_cdc_updated_at / _ab_cdc_deleted_at as ISO-8601 UTC text, _ab_cdc_lsn a number). A delete
# carries only the key (default REPLICA IDENTITY). Snapshot: 30 users, 40 orders (every fifth a cart, which is
# no order), 1-3 items each, amounts in cents, $5 shipping; then the CDC history below.
# app_order_items carries MySQL's CDC position instead (binlog file and position, Airbyte's cursor), so one
# build covers both engines' columns; on DuckDB its columns are upper case (Airbyte's Snowflake destination).
AIRBYTE_META = "_airbyte_raw_id varchar, _airbyte_extracted_at timestamp with time zone, _airbyte_meta json"
CDC_COLUMNS = {
    "postgres": "_ab_cdc_updated_at varchar, _ab_cdc_deleted_at varchar, _ab_cdc_lsn numeric",
    "mysql": "_ab_cdc_updated_at varchar, _ab_cdc_deleted_at varchar, _ab_cdc_log_file varchar, "
    "_ab_cdc_log_pos numeric, _ab_cdc_cursor bigint",
}
SNAPSHOT, SYNC_2, SYNC_3 = "2024-04-01 00:00:00+00", "2024-04-02 00:00:00+00", "2024-04-03 00:00:00+00"
USER_COLUMNS = ("id", "email", "first_name", "last_name", "city", "country", "signed_up_at", "updated_at")
ORDER_COLUMNS = ("id", "user_id", "placed_at", "state", "currency", "shipping_cents", "updated_at")
ITEM_COLUMNS = ("id", "order_id", "line_number", "quantity", "unit_price_cents")
Row = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One record Airbyte appended: the row's values (a delete: the key only), when and where in the WAL."""

    row: Row
    raw_id: str
    extracted_at: str
    committed_at: str  # _ab_cdc_updated_at
    lsn: int
    deleted: bool = False


def _user(n: int, **changes: Any) -> Row:
    return {
        "id": n, "email": f"user{n}@app.example", "first_name": f"First{n}", "last_name": f"Last{n}",
        "city": f"Town{n % 4}", "country": ("us", "de", "fr")[n % 3],
        "signed_up_at": f"2024-01-{1 + n % 28:02d} 08:00:00", "updated_at": "2024-02-01 00:00:00",
    } | changes  # fmt: skip


def _order(n: int, **changes: Any) -> Row:
    day = f"2024-03-{1 + n % 28:02d}"
    return {
        "id": n, "user_id": 1 + n % 30, "placed_at": f"{day} 12:{n % 60:02d}:00", "state": APP_STATES[n % 5],
        "currency": "usd", "shipping_cents": 500, "updated_at": f"{day} 13:00:00",
    } | changes  # fmt: skip


def _items(n: int) -> list[Row]:
    return [
        {"id": n * 10 + line, "order_id": n, "line_number": line, "quantity": 1 + (n + line) % 3,
         "unit_price_cents": 1000 + 125 * ((n * line) % 9)}
        for line in range(1, 2 + n % 3)
    ]  # fmt: skip


def _cdc_history() -> dict[str, list[Change]]:
    """The snapshot, then: a customer inserted, updated, another deleted; an order inserted as a cart and checked
    out, one deleted with its items, an item of another deleted, an order known only by its delete; two changes
    committed in the same instant (the later LSN wins although its raw id sorts first); an older change extracted
    by a later sync (loses to the newer change already synced)."""
    snapshot = "2024-04-01T00:00:00.000000Z"
    users = [Change(_user(n), f"u{n}-0", SNAPSHOT, snapshot, 1000) for n in range(1, 31)]
    orders = [Change(_order(n), f"o{n}-0", SNAPSHOT, snapshot, 1000) for n in range(1, APP_ORDERS + 1)]
    items = [Change(i, f"i{i['id']}-0", SNAPSHOT, snapshot, 1000) for n in range(1, APP_ORDERS + 1) for i in _items(n)]
    users += [
        Change(_user(31, city="Nowhere"), "u31-1", SYNC_2, "2024-04-01T10:00:00.000000Z", 2000),
        Change(_user(31, city="Springfield", updated_at="2024-04-01 11:00:00"), "u31-2", SYNC_2,
               "2024-04-01T11:00:00.000000Z", 2100),
        Change({"id": 5}, "u5-1", SYNC_3, "2024-04-02T09:00:00.000000Z", 3000, deleted=True),
        Change(_user(7, first_name="Seven-A", updated_at="2024-04-01 12:00:00"), "u7-z", SYNC_2,
               "2024-04-01T12:00:00.000000Z", 2200),
        Change(_user(7, first_name="Seven-B", updated_at="2024-04-01 12:00:00"), "u7-a", SYNC_2,
               "2024-04-01T12:00:00.000000Z", 2201),
        Change(_user(9, city="Newtown", updated_at="2024-04-01 13:00:00"), "u9-1", SYNC_2,
               "2024-04-01T13:00:00.000000Z", 2300),
        Change(_user(9, city="Oldtown", updated_at="2024-04-01 08:00:00"), "u9-2", SYNC_3,
               "2024-04-01T08:00:00.000000Z", 1900),
    ]  # fmt: skip
    orders += [
        Change(_order(41, user_id=31, placed_at="2024-03-30 10:05:00", state="cart", updated_at="2024-04-01 10:05:00"),
               "o41-1", SYNC_2, "2024-04-01T10:05:00.000000Z", 2010),
        Change(_order(41, user_id=31, placed_at="2024-03-30 10:05:00", state="paid", shipping_cents=700,
                      updated_at="2024-04-01 10:30:00"), "o41-2", SYNC_2, "2024-04-01T10:30:00.000000Z", 2030),
        Change({"id": 6}, "o6-1", SYNC_3, "2024-04-02T09:05:00.000000Z", 3010, deleted=True),
        Change(_order(16, shipping_cents=900, updated_at="2024-04-01 14:00:00"), "o16-z", SYNC_2,
               "2024-04-01T14:00:00.000000Z", 2400),
        Change(_order(16, shipping_cents=1200, updated_at="2024-04-01 14:00:00"), "o16-a", SYNC_2,
               "2024-04-01T14:00:00.000000Z", 2401),
        Change(_order(21, state="refunded", updated_at="2024-04-01 15:00:00"), "o21-1", SYNC_2,
               "2024-04-01T15:00:00.000000Z", 2500),
        Change(_order(21, state="shipped", updated_at="2024-04-01 09:00:00"), "o21-2", SYNC_3,
               "2024-04-01T09:00:00.000000Z", 1950),
        Change({"id": 99}, "o99-1", SYNC_3, "2024-04-02T10:00:00.000000Z", 3100, deleted=True),
    ]  # fmt: skip
    items += [
        Change({"id": 411, "order_id": 41, "line_number": 1, "quantity": 2, "unit_price_cents": 1500}, "i411-1",
               SYNC_2, "2024-04-01T10:05:00.000000Z", 2011),
        Change({"id": 412, "order_id": 41, "line_number": 2, "quantity": 1, "unit_price_cents": 999}, "i412-1",
               SYNC_2, "2024-04-01T10:05:00.000000Z", 2012),
        *[Change({"id": i["id"]}, f"i{i['id']}-1", SYNC_3, "2024-04-02T09:05:00.000000Z", 3011 + k, deleted=True)
          for k, i in enumerate(_items(6))],
        Change({"id": 112}, "i112-1", SYNC_3, "2024-04-02T09:10:00.000000Z", 3020, deleted=True),
        Change(_items(11)[2] | {"quantity": 5}, "i113-z", SYNC_2, "2024-04-01T16:00:00.000000Z", 2600),
        Change(_items(11)[2] | {"quantity": 4}, "i113-a", SYNC_2, "2024-04-01T16:00:00.000000Z", 2601),
    ]  # fmt: skip
    return {"app_users": users, "app_orders": orders, "app_order_items": items}


def _sql_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if len(value) == 19 and value[10] == " " and value[:4].isdigit():
        return f"timestamp '{value}'"
    return "'" + value.replace("'", "''") + "'"


def _cdc_values(change: Change, engine: str) -> str:
    deleted_at = _sql_value(change.committed_at if change.deleted else None)
    position = str(change.lsn) if engine == "postgres" else f"'mysql-bin.000001', {change.lsn}, {change.lsn * 10 + 7}"
    return f"'{change.committed_at}', {deleted_at}, {position}"


def _app_tables(*, upper_case_items: bool = False) -> list[str]:
    """The application database's raw tables as Airbyte writes them: statements valid on DuckDB and PostgreSQL."""
    types = {
        "app_users": "id integer, email varchar, first_name varchar, last_name varchar, city varchar, "
        "country varchar, signed_up_at timestamp, updated_at timestamp",
        "app_orders": "id integer, user_id integer, placed_at timestamp, state varchar, currency varchar, "
        "shipping_cents integer, updated_at timestamp",
        "app_order_items": "id integer, order_id integer, line_number integer, quantity integer, "
        "unit_price_cents integer",
    }
    columns = {"app_users": USER_COLUMNS, "app_orders": ORDER_COLUMNS, "app_order_items": ITEM_COLUMNS}
    statements = [f"create schema if not exists {APP_SCHEMA}"]
    for table, changes in _cdc_history().items():
        engine = "mysql" if table == "app_order_items" else "postgres"
        values = [
            "("
            + ", ".join(_sql_value(change.row.get(column)) for column in columns[table])
            + f", '{change.raw_id}', cast('{change.extracted_at}' as timestamp with time zone), '{{}}', "
            + _cdc_values(change, engine)
            + ")"
            for change in changes
        ]
        definition = f"{types[table]}, {AIRBYTE_META}, {CDC_COLUMNS[engine]}"
        if upper_case_items and table == "app_order_items":
            definition = ", ".join(
                f'"{name.upper()}" {data_type}'
                for name, data_type in (column.strip().split(" ", 1) for column in definition.split(","))
            )
        statements += [
            f"create table {APP_SCHEMA}.{table} ({definition})",
            f"insert into {APP_SCHEMA}.{table} values {', '.join(values)}",
        ]
    return statements


def _expected_app_orders() -> dict[str, tuple[str, Decimal, int]]:
    """order_id -> (order_status, total_amount, is_deleted) after the CDC history: carts left out (order 41 was
    checked out), order 6 deleted (its last full version kept), item 112 deleted, order 16's later change of
    the same instant (shipping 1200; item 113: quantity 4, the later binlog position), order 21 refunded (the older
    change extracted later loses), order 99 absent."""
    statuses = {"refunded": "returned", "cancelled": "cancelled"}
    orders = {n: _order(n) for n in range(1, APP_ORDERS + 1)} | {
        16: _order(16, shipping_cents=1200), 21: _order(21, state="refunded"), 41: _order(41, shipping_cents=700)
    }  # fmt: skip
    items = {n: _items(n) for n in range(1, APP_ORDERS + 1)}
    items[11] = [i | {"quantity": 4} if i["id"] == 113 else i for i in items[11] if i["id"] != 112]
    items[41] = [{"quantity": 2, "unit_price_cents": 1500}, {"quantity": 1, "unit_price_cents": 999}]
    expected = {}
    for n, order in orders.items():
        if n != 41 and order["state"] == "cart":
            continue
        cents = order["shipping_cents"] + sum(i["quantity"] * i["unit_price_cents"] for i in items[n])
        status = statuses.get(order["state"], "completed")
        expected[str(n)] = (status, Decimal(cents) / 100, 1 if n == 6 else 0)
    return expected


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


def _build(overlay: Path, target: str, dbt_vars: dict[str, Any], work_dir: Path, fetch: Fetch, *, env: Any) -> DbtBuild:
    return build_project(["build"], target, dbt_vars, work_dir, fetch=fetch, env=env, project_dir=overlay)


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset, overlay: Path) -> DbtBuild:
    work_dir = tmp_path_factory.mktemp("overlay_duckdb")
    duckdb_vars, fetch = duckdb_raw_warehouse(work_dir, {RAW_SCHEMA: dataset}, RAW_ALIAS)
    with duckdb.connect(duckdb_vars["flexlake_duckdb_path"]) as connection:
        for statement in _app_tables(upper_case_items=True):
            connection.execute(statement)
    return _build(overlay, "duckdb", _dbt_vars(RAW_ALIAS) | duckdb_vars, work_dir, fetch, env=None)


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: "PostgresServer", tmp_path_factory: pytest.TempPathFactory, dataset: RawDataset, overlay: Path
) -> DbtBuild:
    import psycopg2  # noqa: PLC0415 - only this fixture writes to PostgreSQL directly

    fetch = postgres_raw_warehouse(postgres_server, {RAW_SCHEMA: dataset})
    connection = psycopg2.connect(**postgres_server.connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"drop schema if exists {APP_SCHEMA} cascade")
            for statement in _app_tables():
                cursor.execute(statement)
    finally:
        connection.close()
    work_dir = tmp_path_factory.mktemp("overlay_postgres")
    return _build(overlay, "postgres", _dbt_vars(None), work_dir, fetch, env=postgres_server.dbt_env)


BUILDS = ["duckdb_build", "postgres_build"]


@pytest.mark.parametrize("build_name", BUILDS)
def test_the_overlay_builds_and_every_data_test_passes(build_name: str, request: pytest.FixtureRequest) -> None:
    """Product, replacement, added mart and app-database adapters build; every data test passes."""
    build: DbtBuild = request.getfixturevalue(build_name)
    failed = build.failures()
    assert not failed, f"{build_name} ({build.seconds:.1f} s): {failed}\n{build.output}"
    for name in ("mart_revenue_daily", "mart_revenue_by_source_system", "app__orders", "app__order_lines"):
        assert build.results.get(f"model.{OVERLAY_PACKAGE}.{name}") == "success", f"{name} not built from the overlay"
    assert "model.flexlake.mart_revenue_daily" not in build.results, "the product's replaced model must not build"
    assert build.results.get("model.flexlake.fct_orders") == "success"
    replaced_tests = [uid for uid in build.results if uid.startswith("test.flexlake.assert_mart_revenue_daily")]
    assert len(replaced_tests) == 2, f"the product's tests of the daily mart run on the replacement: {replaced_tests}"


@pytest.mark.parametrize("build_name", BUILDS)
def test_the_replaced_mart_has_the_overlays_definition(build_name: str, request: pytest.FixtureRequest) -> None:
    """average_order_value is net revenue per converted order (the overlay's), not gross (the product's), on refund
    days; a day whose orders all lack an FX rate has none."""
    build: DbtBuild = request.getfixturevalue(build_name)
    rows = build.fetch(
        f"select orders - unconverted_orders, gross_revenue, net_revenue, average_order_value "
        f"from {PREFIX}_marts.mart_revenue_daily where orders > 0"
    )
    assert rows, "the daily mart is empty"
    differing = 0
    for orders, gross, net, average in rows:
        if orders == 0:
            assert average is None, f"average {average} of a day without converted orders"
            continue
        net_per_order = ((200 * Decimal(net) + orders) / (2 * orders)).to_integral_value(ROUND_FLOOR) / 100
        assert Decimal(average) == net_per_order, f"average {average} != net {net} / {orders} orders"
        differing += gross != net
    assert differing > 0, "no day with refunds: the data cannot tell the two definitions apart"


@pytest.mark.parametrize("build_name", BUILDS)
def test_app_orders_are_the_latest_cdc_versions_and_deleted_ones_are_flagged(
    build_name: str, request: pytest.FixtureRequest
) -> None:
    """input__orders holds each app order's latest CDC version (carts left out, deletes flagged with their last
    full version, same-instant changes ordered by LSN, a late-extracted older change ignored) exactly."""
    build: DbtBuild = request.getfixturevalue(build_name)
    rows = build.fetch(
        f"select order_id, order_status, total_amount, is_deleted from {PREFIX}_input.input__orders "
        "where source_system = 'app'"
    )
    actual = {order_id: (status, Decimal(total), is_deleted) for order_id, status, total, is_deleted in rows}
    assert len(actual) == len(rows), "one row per app order"
    assert actual == _expected_app_orders()
    [(updated_at, loaded_at)] = build.fetch(
        f"select cast(updated_at as varchar), cast(loaded_at as varchar) from {PREFIX}_input.input__orders "
        "where source_system = 'app' and order_id = '6'"
    )
    assert (updated_at, loaded_at) == ("2024-03-07 13:00:00", "2024-04-03 00:00:00"), "last version, delete's sync"


@pytest.mark.parametrize("build_name", BUILDS)
def test_app_customers_and_lines_follow_their_cdc_history(build_name: str, request: pytest.FixtureRequest) -> None:
    """Customers: inserted and updated (31), deleted (5, attributes of its last version), same-instant updates
    (7: the later LSN), late-extracted older change (9: ignored). Lines: deleted with their item or order."""
    build: DbtBuild = request.getfixturevalue(build_name)
    customers = {
        row[0]: row[1:]
        for row in build.fetch(
            f"select customer_id, email, first_name, city, is_deleted from {PREFIX}_input.input__customers "
            "where source_system = 'app'"
        )
    }
    assert len(customers) == 31, sorted(customers)
    assert customers["31"] == ("user31@app.example", "First31", "Springfield", 0)
    assert customers["5"] == ("user5@app.example", "First5", "Town1", 1)
    assert customers["7"][1] == "Seven-B", customers["7"]
    assert customers["9"][2] == "Newtown", customers["9"]
    assert sum(row[3] for row in customers.values()) == 1, "only customer 5 is deleted"
    lines = dict(
        build.fetch(
            f"select order_line_id, is_deleted from {PREFIX}_input.input__order_lines where source_system = 'app'"
        )
    )
    deleted = {line for line, is_deleted in lines.items() if is_deleted == 1}
    assert deleted == {"61", "112"}, deleted
    assert {"411", "412"} <= set(lines), "the checked-out cart's items are lines"
    [(fct_lines,)] = build.fetch(
        f"select count(*) from {PREFIX}_core.fct_order_lines where order_line_id in ('61', '112', '411')"
    )
    assert fct_lines == 1, "deleted lines are not in fct_order_lines"


@pytest.mark.parametrize("build_name", BUILDS)
def test_app_database_rows_reach_the_contract_and_the_marts(build_name: str, request: pytest.FixtureRequest) -> None:
    """Every live app order is a fct_orders row; the added mart reports the app's counted orders and gross revenue
    (deleted order 6 not counted, updated values won) beside shopify; the replaced daily mart counts them too."""
    build: DbtBuild = request.getfixturevalue(build_name)
    expected = _expected_app_orders()
    live = {order_id: total for order_id, (_, total, is_deleted) in expected.items() if is_deleted == 0}
    counted = {
        order_id: total
        for order_id, (status, total, is_deleted) in expected.items()
        if is_deleted == 0 and status in {"completed", "returned"}
    }
    [(count,)] = build.fetch(f"select count(*) from {PREFIX}_core.fct_orders where source_system = 'app'")
    assert count == len(live), f"fct_orders: {count} app orders, expected {len(live)}"
    mart = f"{PREFIX}_marts.mart_revenue_by_source_system"
    by_system = {
        system: (orders, Decimal(gross))
        for system, orders, gross in build.fetch(
            f"select source_system, sum(orders), sum(gross_revenue) from {mart} group by source_system"
        )
    }
    assert by_system.get("app") == (len(counted), sum(counted.values())), by_system
    assert by_system.get("shopify", (0, 0))[0] > 0, by_system
    [(daily_orders,)] = build.fetch(f"select sum(orders) from {PREFIX}_marts.mart_revenue_daily")
    assert daily_orders == sum(orders for orders, _ in by_system.values()), f"daily mart {daily_orders} != {by_system}"


def test_the_app_adapters_compile_offline_for_sql_server(overlay: Path, tmp_path: Path) -> None:
    """Offline (no introspection) the CDC macro assumes Postgres' CDC columns: the adapters rank by commit time,
    LSN, the app's updated_at, extraction and raw id, drop delete records from the content version, parse
    _ab_cdc_* text through datetimeoffset, and lint clean as T-SQL."""
    result = run_dbt(
        ["compile", "--no-populate-cache", "--no-introspect", "--select", "path:models/app"],
        "sqlserver",
        _dbt_vars(None),
        tmp_path,
        project_dir=overlay,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    compiled_dir = tmp_path / "target" / "compiled" / OVERLAY_PACKAGE / "models" / "app"
    sql = (compiled_dir / "app__customers.sql").read_text()
    order_by = sql[sql.index("order by") : sql.index(") as _flexlake_rank")]
    positions = [
        order_by.index(term)
        for term in ("_ab_cdc_updated_at", "_ab_cdc_lsn", "updated_at desc", "_airbyte_extracted_at", "_airbyte_raw_id")
    ]
    assert positions == sorted(positions), order_by
    assert "datetimeoffset" in sql and "_ab_cdc_deleted_at is null" in sql.replace('"', ""), sql
    assert len(list(compiled_dir.glob("*.sql"))) == 3, "an app adapter was not compiled"
    violations = lint_compiled_dir(compiled_dir)
    assert not violations, violations
