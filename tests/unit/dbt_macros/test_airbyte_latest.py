"""Macro flexlake_airbyte_latest (include/dbt/macros/airbyte_latest.sql) rendered outside dbt and run on DuckDB.

The macro's decisions are pure Jinja over the columns it finds: which CDC ordering terms exist, what marks a
deletion, how text timestamps are parsed. A minimal stand-in for dbt's context (`return`, `do`, package
namespace, adapter.dispatch / quote / get_columns_in_relation, exceptions) renders it in milliseconds, so
engine variants (Postgres LSN, MySQL binlog + cursor, upper-case identifiers), Shopify's deletion records
(compared with the ranking the Shopify staging models used before) and the error paths are checked without a
dbt run. The dbt builds (tests/integration/test_overlay_project.py, test_shopify_adapter.py) check the real thing.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pytest

MACROS_DIR = Path(__file__).resolve().parents[3] / "include" / "dbt" / "macros"
MACRO_FILES = (
    "airbyte_latest.sql",
    "airbyte_dedupe.sql",
    "raw_stream.sql",
    "cross_db/types.sql",
    "cross_db/epoch_to_timestamp.sql",
)


class _Return(Exception):
    """dbt's `return(x)`: control flow out of a macro, caught by the package namespace."""

    def __init__(self, value: Any) -> None:
        self.value = value


class CompilerError(Exception):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str


@dataclass(frozen=True)
class Relation:
    """A table the fake adapter knows the columns of; renders as its name, like a dbt Relation."""

    name: str
    columns: tuple[Column, ...]

    def __str__(self) -> str:
        return self.name


class _Package:
    """`flexlake.<macro>` and adapter.dispatch: call a Jinja macro, turning dbt's `return(x)` into x."""

    def __init__(self, macros: dict[str, Any]) -> None:
        self._macros = macros

    def __getattr__(self, name: str) -> Callable[..., Any]:
        macro = self._macros[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return macro(*args, **kwargs)
            except _Return as returned:
                return returned.value

        return call


class _Adapter:
    def __init__(self, package: _Package, macros: dict[str, Any]) -> None:
        self._package, self._macros = package, macros

    def dispatch(self, name: str, package_name: str) -> Callable[..., Any]:
        assert package_name == "flexlake"
        return getattr(self._package, f"duckdb__{name}" if f"duckdb__{name}" in self._macros else f"default__{name}")

    def quote(self, name: str) -> str:
        return f'"{name}"'

    def get_columns_in_relation(self, relation: Relation) -> tuple[Column, ...]:
        return relation.columns


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise CompilerError(message)


def _raise_return(value: Any) -> None:
    raise _Return(value)


class _Flags:
    INTROSPECT: bool | None = None  # None: an ordinary, online run; False: `dbt compile --no-introspect`


FLAGS = _Flags()


@pytest.fixture(scope="module")
def macros() -> "_Package":
    """The product's macros (MACRO_FILES) rendered as DuckDB SQL: `macros.<name>(...)`."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    macros: dict[str, Any] = {}
    package = _Package(macros)
    environment.globals.update(
        flexlake=package,
        adapter=_Adapter(package, macros),
        exceptions=_Exceptions(),
        flags=FLAGS,
        execute=True,
        **{"return": _raise_return},
    )
    for name in MACRO_FILES:
        module = environment.from_string((MACROS_DIR / name).read_text()).module
        macros.update({key: value for key, value in vars(module).items() if isinstance(value, jinja2.runtime.Macro)})
    return package


@pytest.fixture(scope="module")
def latest(macros: _Package) -> Callable[..., str]:
    """flexlake_airbyte_latest(...) rendered as DuckDB SQL."""
    return lambda *args, **kwargs: str(macros.flexlake_airbyte_latest(*args, **kwargs))


def _table(connection: duckdb.DuckDBPyConnection, name: str, definition: str, rows: list[str]) -> Relation:
    connection.execute(f"create table {name} ({definition})")
    connection.execute(f"insert into {name} values {', '.join(rows)}")
    described = connection.execute(f"describe {name}").fetchall()
    return Relation(name, tuple(Column(row[0], row[1]) for row in described))


POSTGRES_CDC = (
    "id integer, name varchar, updated_at timestamp, _airbyte_raw_id varchar, "
    "_airbyte_extracted_at timestamp with time zone, _ab_cdc_updated_at varchar, _ab_cdc_deleted_at varchar, "
    "_ab_cdc_lsn numeric"
)


def test_postgres_cdc_deletes_ties_and_late_records_resolve_by_commit_order(latest: Callable[..., str]) -> None:
    """A key-only delete wins over the version before it (kept as attributes), the later LSN wins a same-instant
    tie though its raw id sorts first, an older change extracted late loses, a re-insert is live again."""
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        relation = _table(
            connection,
            "users",
            POSTGRES_CDC,
            [
                "(1, 'Ann', '2024-01-01', 'a1', '2024-01-02 00:00:00+00', '2024-01-01T00:00:00Z', null, 100)",
                "(1, null, null, 'a2', '2024-01-03 00:00:00+00', '2024-01-02T09:00:00.5Z',"
                " '2024-01-02T09:00:00.5Z', 200)",
                "(2, 'Bo-A', '2024-01-01', 'b-z', '2024-01-02 00:00:00+00', '2024-01-01T12:00:00Z', null, 300)",
                "(2, 'Bo-B', '2024-01-01', 'b-a', '2024-01-02 00:00:00+00', '2024-01-01T12:00:00Z', null, 301)",
                "(3, 'Cy-new', '2024-01-05', 'c1', '2024-01-06 00:00:00+00', '2024-01-05T00:00:00Z', null, 500)",
                "(3, 'Cy-old', '2024-01-04', 'c2', '2024-01-09 00:00:00+00', '2024-01-04T00:00:00Z', null, 400)",
                "(4, 'Di', '2024-01-01', 'd1', '2024-01-02 00:00:00+00', '2024-01-01T00:00:00Z', null, 100)",
                "(4, null, null, 'd2', '2024-01-03 00:00:00+00', '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z', 210)",
                "(4, 'Di-again', '2024-01-03', 'd3', '2024-01-04 00:00:00+00', '2024-01-03T00:00:00Z', null, 220)",
                "(5, null, null, 'e1', '2024-01-04 00:00:00+00', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z', 230)",
            ],
        )
        sql = latest(relation, "id", cursor="updated_at")
        rows = connection.execute(
            f"select id, name, is_deleted, cast(deleted_at as varchar), cast(loaded_at as varchar) from ({sql}) "
            "order by id"
        ).fetchall()
    assert rows == [
        (1, "Ann", 1, "2024-01-02 09:00:00.5", "2024-01-03 00:00:00"),
        (2, "Bo-B", 0, None, "2024-01-02 00:00:00"),
        (3, "Cy-new", 0, None, "2024-01-06 00:00:00"),
        (4, "Di-again", 0, None, "2024-01-04 00:00:00"),
    ], sql


def test_mysql_cdc_with_upper_case_identifiers_orders_by_binlog_position_then_cursor(
    latest: Callable[..., str],
) -> None:
    """Snowflake-style upper-case columns are matched case-insensitively; MySQL's binlog position and Airbyte's
    cursor break a same-instant tie; the composite key partitions."""
    with duckdb.connect() as connection:
        relation = _table(
            connection,
            "items",
            '"ORDER_ID" integer, "LINE" integer, "QTY" integer, "_AIRBYTE_RAW_ID" varchar, '
            '"_AIRBYTE_EXTRACTED_AT" timestamp, "_AB_CDC_UPDATED_AT" varchar, "_AB_CDC_DELETED_AT" varchar, '
            '"_AB_CDC_LOG_FILE" varchar, "_AB_CDC_LOG_POS" bigint, "_AB_CDC_CURSOR" bigint',
            [
                "(1, 1, 5, 'z', '2024-01-02', '2024-01-01T10:00:00Z', null, 'mysql-bin.000001', 70, 1)",
                "(1, 1, 4, 'a', '2024-01-02', '2024-01-01T10:00:00Z', null, 'mysql-bin.000001', 71, 2)",
                "(1, 2, 3, 'y', '2024-01-02', '2024-01-01T10:00:00Z', null, 'mysql-bin.000001', 72, 3)",
                "(1, 2, 8, 'b', '2024-01-02', '2024-01-01T10:00:00Z', null, 'mysql-bin.000001', 72, 4)",
                "(2, 1, 1, 'c', '2024-01-02', '2024-01-01T10:00:00Z', null, 'mysql-bin.000001', 80, 5)",
                "(2, 1, null, 'd', '2024-01-03', '2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z',"
                " 'mysql-bin.000002', 4, 6)",
            ],
        )
        sql = latest(relation, ["order_id", "line"])
        rows = connection.execute(f"select order_id, line, qty, is_deleted from ({sql}) order by 1, 2").fetchall()
    assert rows == [(1, 1, 4, 0), (1, 2, 8, 0), (2, 1, 1, 1)], sql


def test_a_table_without_cdc_columns_is_the_plain_airbyte_dedupe(latest: Callable[..., str]) -> None:
    """No _ab_cdc_* and no deleted_at: cursor (nulls last), extraction, raw id decide; nothing is deleted."""
    with duckdb.connect() as connection:
        relation = _table(
            connection,
            "plain",
            "id integer, v varchar, updated_at timestamp, _airbyte_raw_id varchar, _airbyte_extracted_at timestamp",
            [
                "(1, 'new', '2024-01-02', 'r1', '2024-01-02')",
                "(1, 'null-cursor', null, 'r2', '2024-01-05')",
                "(1, 'old', '2024-01-01', 'r3', '2024-01-06')",
            ],
        )
        sql = latest(relation, "id", cursor="updated_at")
        rows = connection.execute(f"select id, v, is_deleted, deleted_at from ({sql})").fetchall()
    assert rows == [(1, "new", 0, None)], sql


def _old_shopify_latest(cte: str) -> str:
    """The ranking stg_shopify__orders / __products used before flexlake_airbyte_latest (its reference)."""
    rank = (
        "row_number() over (partition by source_relation, id order by case when {c} is null then 1 else 0 end, "
        "{c} desc, _airbyte_extracted_at desc, _airbyte_raw_id desc)"
    )
    return f"""
        with ranked as (
            select {cte}.*, {rank.format(c="coalesce(updated_at, deleted_at)")} as version_rank,
                {rank.format(c="case when deleted_at is null then updated_at end")} as content_rank
            from {cte}
        ),
        latest_state as (select * from ranked where version_rank = 1),
        latest_content as (select * from ranked where content_rank = 1 and deleted_at is null)
        select latest_content.source_relation, latest_content.id, latest_content.title, latest_state.deleted_at,
            case when latest_state.deleted_at is null then 0 else 1 end as is_deleted,
            latest_state._airbyte_extracted_at as loaded_at
        from latest_content
        inner join latest_state
            on latest_content.source_relation = latest_state.source_relation and latest_content.id = latest_state.id
    """


def test_shopify_deletion_records_give_what_the_shopify_staging_ranking_gave(latest: Callable[..., str]) -> None:
    """Random histories of versions and {id, deleted_at} deletion records in two stores: the macro (on a CTE,
    deleted_at=) keeps exactly the rows, attributes, flags and loaded_at of the former Shopify ranking."""
    generator = random.Random(7)
    rows = []
    for n in range(600):
        store, key = generator.choice(["eu", "us"]), generator.randint(1, 60)
        extracted = f"2024-01-{generator.randint(1, 28):02d} {generator.randint(0, 23):02d}:00:00"
        stamp = f"timestamp '2024-01-{generator.randint(1, 28):02d} {generator.randint(0, 23):02d}:00:00'"
        if generator.random() < 0.2:
            rows.append(f"('{store}', {key}, null, null, {stamp}, timestamp '{extracted}', 'r{n:04d}')")
        else:
            rows.append(f"('{store}', {key}, 'v{n}', {stamp}, null, timestamp '{extracted}', 'r{n:04d}')")
    columns = ["source_relation", "id", "title", "updated_at", "deleted_at", "_airbyte_extracted_at", "_airbyte_raw_id"]
    with duckdb.connect() as connection:
        connection.execute(
            "create table raw_products (source_relation varchar, id integer, title varchar, updated_at timestamp, "
            "deleted_at timestamp, _airbyte_extracted_at timestamp, _airbyte_raw_id varchar)"
        )
        connection.execute(f"insert into raw_products values {', '.join(rows)}")
        sql = latest(
            "raw_products",
            ["source_relation", "id"],
            cursor="updated_at",
            deleted_at="deleted_at",
            columns=columns,
            deleted_at_as="latest_deleted_at",
        )
        new = connection.execute(
            f"select source_relation, id, title, latest_deleted_at, is_deleted, loaded_at from ({sql}) order by 1, 2"
        ).fetchall()
        old = connection.execute(f"select * from ({_old_shopify_latest('raw_products')}) order by 1, 2").fetchall()
    assert new == old
    assert {row[4] for row in new} == {0, 1}, "the data has deleted and live records"


def test_an_output_name_the_table_already_has_fails_naming_the_fix(latest: Callable[..., str]) -> None:
    """A table with its own is_deleted column: compilation fails and says to pass is_deleted_as."""
    relation = Relation(
        "app_users",
        tuple(Column(name, "VARCHAR") for name in ("id", "is_deleted", "_airbyte_raw_id", "_airbyte_extracted_at")),
    )
    with pytest.raises(CompilerError, match="is_deleted_as="):
        latest(relation, "id")
    with pytest.raises(CompilerError, match="has no column user_id"):
        latest(relation, "user_id")
    with pytest.raises(CompilerError, match="pass its `columns`"):
        latest("some_cte", "id")


def test_offline_compile_assumes_postgres_cdc_columns_without_asking_the_warehouse(latest: Callable[..., str]) -> None:
    """With --no-introspect no column is looked up: the key, cursor, Airbyte's and Postgres' CDC columns are
    assumed (text timestamps parsed), and the SQL runs on a table of that shape."""
    FLAGS.INTROSPECT = False
    try:
        sql = latest(Relation("users", ()), "id", cursor="updated_at")
    finally:
        FLAGS.INTROSPECT = None
    assert "cast(_ab_cdc_updated_at as timestamp)" in sql and "_ab_cdc_lsn desc" in sql, sql
    with duckdb.connect() as connection:
        connection.execute(f"create table users ({POSTGRES_CDC})")
        connection.execute(
            "insert into users values (1, 'Ann', '2024-01-01', 'a1', '2024-01-02', '2024-01-01T00:00:00Z', null, 1),"
            " (1, null, null, 'a2', '2024-01-03', '2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z', 2)"
        )
        assert connection.execute(f"select id, name, is_deleted from ({sql})").fetchall() == [(1, "Ann", 1)]


def test_an_extracted_at_in_epoch_milliseconds_becomes_a_naive_utc_timestamp(
    macros: _Package, latest: Callable[..., str]
) -> None:
    """Airbyte's SQL Server destination stores _airbyte_extracted_at as BIGINT epoch milliseconds: both the raw
    stream projection (flexlake_raw_value) and the CDC dedupe read it as the timestamp it stands for, to the
    millisecond (the newer extraction still wins)."""
    with duckdb.connect() as connection:
        relation = _table(
            connection,
            "mssql_users",
            "id integer, name varchar, _airbyte_raw_id varchar, _airbyte_extracted_at bigint",
            ["(1, 'old', 'r1', 1704067200000)", "(1, 'new', 'r2', 1704067200123)"],
        )
        projected = macros.flexlake_raw_value('"_airbyte_extracted_at"', "BIGINT", "timestamp")
        raw = connection.execute(f"select cast({projected} as varchar) from mssql_users order by id, name").fetchall()
        sql = latest(relation, "id")
        rows = connection.execute(f"select name, cast(loaded_at as varchar) from ({sql})").fetchall()
    assert raw == [("2024-01-01 00:00:00.123",), ("2024-01-01 00:00:00",)], projected
    assert rows == [("new", "2024-01-01 00:00:00.123")], sql
