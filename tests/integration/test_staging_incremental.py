"""What an append-only raw table cannot say, the incremental staging tables still get right (issue 14).

Staging models are incremental tables re-ranked only for keys with new raw rows (macros/staging_incremental.sql).
Two changes add no raw row for the rows they remove, so post-hooks handle them, and the sync histories of
test_incremental_equivalence do not produce them:
  - a raw location leaves the tenant (a store disconnected: dropped from flexlake_raw_relations);
  - a Shopify order's new version has no line items any more: its exploded lines must go.
One DuckDB file with two faker raw schemas and one Shopify one; a dbt run of three staging models, then an
incremental build of them and their tests with the DAG's test window (~35 s on a busy machine).
"""

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.integration.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

RAW_ALIAS = "raw"
SINCE = "2026-01-03 00:00:00"
MODELS = ("stg_faker__users", "stg_shopify__orders", "stg_shopify__order_lines")
META = "_airbyte_raw_id varchar, _airbyte_extracted_at timestamp"
LINE = '{{"id": {id}, "product_id": 5, "variant_id": 6, "title": "Tea", "quantity": 1, "price": "4.50"}}'
RAW_SQL = f"""
create schema raw_eu;
create table raw_eu.users (id bigint, updated_at timestamp, name varchar, {META});
insert into raw_eu.users values (1, '2026-01-01', 'Ann', 'eu-1', '2026-01-02'), (2, '2026-01-01', 'Bob', 'eu-2',
    '2026-01-02');
create schema raw_us;
create table raw_us.users (id bigint, updated_at timestamp, name varchar, {META});
insert into raw_us.users values (1, '2026-01-01', 'Cy', 'us-1', '2026-01-02');
create schema raw_shop;
create table raw_shop.orders (id bigint, currency varchar, updated_at timestamp, line_items json, {META});
insert into raw_shop.orders values
    (10, 'USD', '2026-01-01', '[{LINE.format(id=101)}, {LINE.format(id=102)}]', 'o10a', '2026-01-02'),
    (20, 'USD', '2026-01-01', '[{LINE.format(id=201)}]', 'o20a', '2026-01-02');
"""
# The next sync: order 10 edited down to no lines, a new version of user 2 (so the run has keys to re-rank).
APPEND_SQL = """
insert into raw_shop.orders values (10, 'USD', '2026-01-03', '[]', 'o10b', '2026-01-04');
insert into raw_eu.users values (2, '2026-01-03', 'Bobby', 'eu-2b', '2026-01-04');
"""


def _vars(warehouse: Path, raw_file: Path, faker_schemas: list[str]) -> dict[str, Any]:
    return {
        "flexlake_duckdb_path": str(warehouse),
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
        "flexlake_schema_prefix": "acme",
        "flexlake_source_systems": ["faker", "shopify"],
        "flexlake_raw_relations": {
            "faker": [{"database": RAW_ALIAS, "schema": schema} for schema in faker_schemas],
            "shopify": [{"database": RAW_ALIAS, "schema": "raw_shop"}],
        },
    }


def _build(dbt_vars: dict[str, Any], work_dir: Path, env: dict[str, str] | None = None, *, tests: bool) -> None:
    """The staging models, and with `tests` the tests that read only them (cautious: none of a model left out)."""
    command = ["build" if tests else "run", "--select", *MODELS, "--indirect-selection", "cautious"]
    result = run_dbt(command, "duckdb", dbt_vars, work_dir, env, threads=1)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-5000:]}"


def test_a_removed_raw_location_and_an_order_left_without_lines_leave_staging_as_a_full_refresh_would(
    tmp_path: Path,
) -> None:
    """After a faker location is dropped and an order loses its lines, an incremental run keeps exactly the rows a
    full build would, and its tests (relationships too) read the DAG's window."""
    raw_file, warehouse = tmp_path / "raw.duckdb", tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(raw_file)) as connection:
        connection.execute(RAW_SQL)
    _build(_vars(warehouse, raw_file, ["raw_eu", "raw_us"]), tmp_path / "first", tests=False)
    with duckdb.connect(str(raw_file)) as connection:
        connection.execute(APPEND_SQL)

    # raw_us left the tenant; the tests read what was loaded since the DAG's window (macros/data_test_window.sql)
    _build(_vars(warehouse, raw_file, ["raw_eu"]), tmp_path / "next", {"FLEXLAKE_DATA_TESTS_SINCE": SINCE}, tests=True)

    compiled = {path.name: path.read_text() for path in (tmp_path / "next" / "target" / "compiled").rglob("*.sql")}
    assert "changed_keys" in compiled["stg_faker__users.sql"], "the run was not incremental: the test proves nothing"
    relationship = [sql for name, sql in compiled.items() if name.startswith("relationships_within_source")]
    assert relationship and all(f"loaded_at >= cast('{SINCE}'" in sql for sql in relationship), relationship[:1]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        users = connection.sql("select source_relation, user_id, first_name from acme_staging.stg_faker__users")
        assert sorted(users.fetchall()) == [("raw_eu", 1, "Ann"), ("raw_eu", 2, "Bobby")], "raw_us rows stayed"
        orders = connection.sql("select order_id, updated_at from acme_staging.stg_shopify__orders order by 1")
        assert orders.fetchall() == [(10, dt.datetime(2026, 1, 3)), (20, dt.datetime(2026, 1, 1))]
        lines = connection.sql("select order_id, order_line_id from acme_staging.stg_shopify__order_lines")
        assert lines.fetchall() == [(20, 201)], "order 10's lines stayed after its new version dropped them"
