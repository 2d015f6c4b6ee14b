"""How the product reads raw Airbyte tables (macro flexlake_raw_stream), on a real DuckDB with real dbt.

One tenant, three faker sources (three raw schemas in one attached raw file):
  - acme_raw_eu: lower-case identifiers, naive timestamps, a user synced twice (append duplicates);
  - acme_raw_us: upper-case identifiers (as Airbyte's Snowflake destination writes them), no TELEPHONE
    column, a time-zoned purchased_at, and ids that collide with acme_raw_eu's;
  - acme_raw_new: a source whose first sync has not run yet (no tables at all).
"""

from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.integration.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

RAW_ALIAS = "raw_multi"
META = "_airbyte_raw_id varchar, _airbyte_extracted_at timestamp, _airbyte_meta json"

_RAW_SQL = f"""
create schema acme_raw_eu;
create table acme_raw_eu.users (id bigint, created_at timestamp, updated_at timestamp, name varchar,
    email varchar, telephone varchar, address json, {META});
insert into acme_raw_eu.users values
    (1, '2026-01-01', '2026-01-01', 'Old', 'ann@eu', '+33 1', '{{"city": "Lyon", "country_code": "fr"}}',
     'eu-u1a', '2026-01-02', '{{}}'),
    (1, '2026-01-01', '2026-02-01', 'Ann', 'ann@eu', '+33 1', '{{"city": "Paris", "country_code": "fr"}}',
     'eu-u1b', '2026-02-02', '{{}}'),
    (2, '2026-01-05', '2026-01-05', 'Bob', 'bob@eu', '+49 2', '{{"city": "Berlin", "country_code": "de"}}',
     'eu-u2', '2026-01-06', '{{}}');
create table acme_raw_eu.products (id bigint, make varchar, model varchar, year bigint, price decimal(38, 9),
    created_at timestamp, updated_at timestamp, {META});
insert into acme_raw_eu.products values (1, 'Fiat', 'Panda', 2020, 10.50, '2026-01-01', '2026-01-01',
    'eu-p1', '2026-01-02', '{{}}');
create table acme_raw_eu.purchases (id bigint, user_id bigint, product_id bigint, created_at timestamp,
    updated_at timestamp, added_to_cart_at timestamp, purchased_at timestamp, returned_at timestamp, {META});
insert into acme_raw_eu.purchases values
    (1, 1, 1, '2026-03-01', '2026-03-01', '2026-03-01', '2026-03-01 10:00', null, 'eu-o1', '2026-03-02', '{{}}'),
    (2, 2, 1, '2026-03-02', '2026-03-02', '2026-03-02', null, null, 'eu-o2', '2026-03-03', '{{}}');

create schema acme_raw_us;
create table acme_raw_us."USERS" ("ID" bigint, "CREATED_AT" timestamp, "UPDATED_AT" timestamp, "NAME" varchar,
    "EMAIL" varchar, "ADDRESS" json, "_AIRBYTE_RAW_ID" varchar, "_AIRBYTE_EXTRACTED_AT" timestamp,
    "_AIRBYTE_META" json);
insert into acme_raw_us."USERS" values (1, '2026-01-03', '2026-01-03', 'Cy', 'cy@us',
    '{{"city": "Austin", "country_code": "us"}}', 'us-u1', '2026-01-04', '{{}}');
create table acme_raw_us."PRODUCTS" ("ID" bigint, "MAKE" varchar, "MODEL" varchar, "YEAR" bigint,
    "PRICE" decimal(38, 9), "CREATED_AT" timestamp, "UPDATED_AT" timestamp, "_AIRBYTE_RAW_ID" varchar,
    "_AIRBYTE_EXTRACTED_AT" timestamp, "_AIRBYTE_META" json);
insert into acme_raw_us."PRODUCTS" values (1, 'Ford', 'F-150', 2024, 99.99, '2026-01-01', '2026-01-01',
    'us-p1', '2026-01-02', '{{}}');
create table acme_raw_us."PURCHASES" ("ID" bigint, "USER_ID" bigint, "PRODUCT_ID" bigint,
    "CREATED_AT" timestamp, "UPDATED_AT" timestamp, "ADDED_TO_CART_AT" timestamp,
    "PURCHASED_AT" timestamptz, "RETURNED_AT" timestamp, "_AIRBYTE_RAW_ID" varchar,
    "_AIRBYTE_EXTRACTED_AT" timestamp, "_AIRBYTE_META" json);
insert into acme_raw_us."PURCHASES" values (1, 1, 1, '2026-03-05', '2026-03-05', '2026-03-05',
    '2026-03-05 12:00:00+02:00', null, 'us-o1', '2026-03-06', '{{}}');
"""

LOCATIONS = [
    {"database": RAW_ALIAS, "schema": "acme_raw_eu"},
    {"database": RAW_ALIAS, "schema": "acme_raw_us"},
    {"database": RAW_ALIAS, "schema": "acme_raw_new"},
]


def _vars(tmp_path: Path, raw_file: Path, systems: list[str]) -> dict[str, Any]:
    return {
        "flexlake_duckdb_path": str(tmp_path / "warehouse.duckdb"),
        "flexlake_schema_prefix": "acme",
        "flexlake_duckdb_attach": [{"path": str(raw_file), "alias": RAW_ALIAS}],
        "flexlake_source_systems": systems,
        "flexlake_raw_relations": {"faker": LOCATIONS},
    }


def _build(tmp_path: Path, raw_file: Path, systems: list[str], run: str) -> None:
    selection = ["path:models/staging/faker", "path:models/adapters/faker", "path:models/input_layer"]
    result = run_dbt(["run", "--select", *selection], "duckdb", _vars(tmp_path, raw_file, systems), tmp_path / run)
    assert result.returncode == 0, result.stdout[-5000:]


def _query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Staging models are views over the raw file: attach it as dbt's on-run-start hook does."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        connection.execute(f"attach '{tmp_path / 'raw.duckdb'}' as {RAW_ALIAS} (read_only)")
        return connection.sql(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp_path = tmp_path_factory.mktemp("raw_stream")
    raw_file = tmp_path / "raw.duckdb"
    with duckdb.connect(str(raw_file)) as connection:
        connection.execute("set timezone = 'UTC'")
        connection.execute(_RAW_SQL)
    _build(tmp_path, raw_file, ["faker"], "with_faker")
    return tmp_path, raw_file


def test_every_raw_schema_of_a_system_is_read_and_ids_stay_apart_by_source_relation(built: tuple[Path, Path]) -> None:
    tmp_path, _ = built
    customers = _query(
        tmp_path, "select source_relation, customer_id, first_name from acme_input.input__customers order by 1, 2"
    )
    assert customers == [("acme_raw_eu", "1", "Ann"), ("acme_raw_eu", "2", "Bob"), ("acme_raw_us", "1", "Cy")]


def test_upper_case_identifiers_missing_columns_and_zoned_timestamps_are_handled(built: tuple[Path, Path]) -> None:
    """acme_raw_us is upper case, lacks TELEPHONE (null), and its 12:00+02:00 purchase is 10:00 UTC."""
    tmp_path, _ = built
    (us_customer,) = _query(
        tmp_path, "select phone, city from acme_input.input__customers where source_relation = 'acme_raw_us'"
    )
    assert us_customer == (None, "Austin")
    orders = _query(
        tmp_path,
        "select source_relation, order_id, cast(ordered_at as varchar), total_amount"
        " from acme_input.input__orders order by 1",
    )
    assert [(r[0], r[1], r[2], str(r[3])) for r in orders] == [
        ("acme_raw_eu", "1", "2026-03-01 10:00:00", "10.50"),
        ("acme_raw_us", "1", "2026-03-05 10:00:00", "99.99"),
    ]


def test_a_source_not_synced_yet_adds_nothing_and_breaks_nothing(built: tuple[Path, Path]) -> None:
    tmp_path, _ = built
    relations = _query(tmp_path, "select distinct source_relation from acme_staging.stg_faker__users order by 1")
    assert relations == [("acme_raw_eu",), ("acme_raw_us",)]


def test_without_the_system_the_input_layer_is_empty_with_every_contract_column(built: tuple[Path, Path]) -> None:
    tmp_path, raw_file = built
    before = [row[0] for row in _query(tmp_path, "describe acme_input.input__orders")]
    _build(tmp_path, raw_file, [], "without_faker")
    assert _query(tmp_path, "select count(*) from acme_input.input__orders") == [(0,)]
    assert [row[0] for row in _query(tmp_path, "describe acme_input.input__orders")] == before
