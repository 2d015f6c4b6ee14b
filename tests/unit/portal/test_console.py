"""The SQL console's logic on a real DuckDB reader copy: read-only by DuckDB, limits, refusals, audit, CSV, CSRF.

The PostgreSQL side (the reader role refusing writes and other tenants' schemas, statement_timeout) runs against
the session PostgreSQL in tests/integration/test_tenant_access.py, with the one test through the api-server.
"""

import time
from pathlib import Path
from typing import Any

import duckdb
import fsspec
import pytest
from airflow.sdk import ObjectStoragePath
from fastapi import HTTPException
from flexlake.catalog.publish import catalog_root
from flexlake.portal.app import same_origin_post
from flexlake.portal.console import (
    MAX_STATEMENT_CHARS,
    ConsoleLimits,
    QueryResult,
    StatementFailed,
    StatementTimedOut,
    checked_statement,
    console_refusal,
    run_duckdb,
    run_statement,
    streams_on_postgres,
)
from flexlake.portal.console_audit import AuditRecord, read_records, write_record
from flexlake.portal.console_page import console_page, result_csv
from flexlake.tenant_config.schema import TenantConfig
from flexlake.warehouses.duckdb_reader import publish_reader_copy
from starlette.requests import Request

MARTS = "acme_marts"
LIMITS = ConsoleLimits(timeout_seconds=10, max_rows=100)


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A live warehouse with a marts schema (5 customers) and a staging schema, and its published reader copy."""
    folder = tmp_path_factory.mktemp("console")
    live = folder / "warehouse.duckdb"
    with duckdb.connect(str(live)) as connection:
        connection.execute(f"create schema {MARTS}; create schema acme_staging")
        connection.execute(
            f"create table {MARTS}.dim_customers as select range as id, 'c' || range as name from range(5)"
        )
        connection.execute("create table acme_staging.raw_secrets as select 'hidden' as value")
    path = folder / "reader.duckdb"
    assert publish_reader_copy(live, path, MARTS) == 1
    return path


def _tenant(tier: str, warehouse: dict[str, Any]) -> TenantConfig:
    local = warehouse["type"] in {"duckdb", "postgres"}
    return TenantConfig.model_validate(
        ({} if local else {"airbyte": {"connection_id": "airbyte"}})
        | {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": tier,
            "warehouse": warehouse,
            # Snowflake is loaded by an Airbyte server only; DuckDB and PostgreSQL by the embedded engine too.
            "sources": [{"name": "shop", "system": "faker", "engine": "embedded" if local else "airbyte"}],
        }
    )


def test_a_select_on_the_marts_returns_columns_and_rows(reader: Path) -> None:
    """The reader copy answers a plain query with its column names and values."""
    result = run_duckdb(reader, f"select id, name from {MARTS}.dim_customers order by id", LIMITS)
    assert result.columns == ("id", "name")
    assert result.rows[:2] == ((0, "c0"), (1, "c1")) and not result.truncated


def test_the_row_limit_cuts_and_says_so(reader: Path) -> None:
    """At most max_rows rows come back, and `truncated` says whether there were more."""
    cut = run_duckdb(reader, f"select * from {MARTS}.dim_customers", ConsoleLimits(max_rows=2))
    exact = run_duckdb(reader, f"select * from {MARTS}.dim_customers", ConsoleLimits(max_rows=5))
    assert (len(cut.rows), cut.truncated) == (2, True)
    assert (len(exact.rows), exact.truncated) == (5, False)


@pytest.mark.parametrize(
    "statement",
    [
        f"insert into {MARTS}.dim_customers values (99, 'x')",
        f"create table {MARTS}.mine as select 1 as one",
        f"drop table {MARTS}.dim_customers",
        f"update {MARTS}.dim_customers set name = 'x'",
        f"copy {MARTS}.dim_customers to '/tmp/flexlake_console_leak.csv'",
        "attach ':memory:' as other",
        "select * from read_text('/etc/hostname')",
        "set enable_external_access = true",
    ],
)
def test_duckdb_itself_refuses_writes_files_and_attach(reader: Path, statement: str) -> None:
    """Writes, DDL, file access and ATTACH fail in DuckDB (read-only, external access off, config locked)."""
    with pytest.raises(StatementFailed):
        run_duckdb(reader, statement, LIMITS)
    after = run_duckdb(reader, f"select count(*) from {MARTS}.dim_customers", LIMITS)
    assert after.rows == ((5,),), "the reader copy is unchanged"
    assert not Path("/tmp/flexlake_console_leak.csv").exists()


def test_the_reader_copy_holds_no_other_schema(reader: Path) -> None:
    """Staging (and anything but the marts) is not in the copy: the query fails, nothing leaks."""
    with pytest.raises(StatementFailed, match="raw_secrets"):
        run_duckdb(reader, "select * from acme_staging.raw_secrets", LIMITS)


def test_a_long_duckdb_statement_is_interrupted_at_the_timeout(reader: Path) -> None:
    """DuckDB has no statement timeout: the console interrupts the connection itself."""
    started = time.monotonic()
    with pytest.raises(StatementTimedOut):
        run_duckdb(reader, "select count(*) from range(1000000000000) a", ConsoleLimits(timeout_seconds=0.3))
    assert time.monotonic() - started < 10


def test_a_missing_reader_copy_says_how_to_make_one(tmp_path: Path) -> None:
    """Before the first run there is no copy: the error says the DAG publishes it."""
    with pytest.raises(StatementFailed, match="dbt_build"):
        run_duckdb(tmp_path / "reader.duckdb", "select 1", LIMITS)


@pytest.mark.parametrize(
    ("tier", "warehouse", "reason"),
    [
        ("starter", {"type": "duckdb"}, "enterprise tier; acme is on the starter tier"),
        ("professional", {"type": "duckdb"}, "enterprise tier; acme is on the professional tier"),
        (
            "enterprise",
            {"type": "sqlserver", "connection_id": "ms", "database": "db"},
            "warehouse is sqlserver",
        ),
        (
            "enterprise",
            {"type": "snowflake", "connection_id": "sf", "database": "db", "reader_access": "reader_account"},
            "managed reader account",
        ),
        ("enterprise", {"type": "duckdb"}, None),
        ("enterprise", {"type": "postgres", "connection_id": "pg", "database": "db"}, None),
        ("enterprise", {"type": "snowflake", "connection_id": "sf", "database": "db"}, None),
        ("enterprise", {"type": "redshift", "connection_id": "rs", "database": "db"}, None),
    ],
)
def test_only_enterprise_tenants_with_a_reader_the_console_opens_get_a_console(
    tier: str, warehouse: dict[str, Any], reason: str | None
) -> None:
    """Other tiers and warehouses are refused with the reason, and run_statement refuses them too."""
    tenant = _tenant(tier, warehouse)
    refusal = console_refusal(tenant)
    assert (refusal is None) == (reason is None) and (reason is None or reason in str(refusal)), refusal
    if reason:
        with pytest.raises(PermissionError, match=reason):
            run_statement(tenant, "select 1", LIMITS)


def test_an_enterprise_duckdb_tenant_reads_its_published_reader_copy(reader: Path) -> None:
    """run_statement finds the tenant's reader copy where dbt_build puts it (beside the warehouse file)."""
    from flexlake.warehouses.duckdb import DuckDBWarehouse  # noqa: PLC0415 - imports Cosmos

    tenant = _tenant("enterprise", {"type": "duckdb"})
    target = DuckDBWarehouse().reader_path(tenant)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(reader.read_bytes())
    try:
        result = run_statement(tenant, f"  select count(*) as customers from {MARTS}.dim_customers ", LIMITS)
    finally:
        target.unlink()
    assert (result.columns, result.rows) == (("customers",), ((5,),))


@pytest.mark.parametrize(
    ("statement", "streams"),
    [
        ("select 1", True),
        ("  WITH a AS (select 1) select * from a", True),
        ("-- my query\n/* multi\nline */ select * from dim_customers", True),
        ("values (1), (2)", True),
        ("table dim_customers", True),
        ("set statement_timeout = 0; select pg_sleep(30)", False),
        ("insert into dim_customers values (1)", False),
        ("explain select 1", False),
        ("selector", False),
    ],
)
def test_only_queries_run_in_a_postgres_server_side_cursor(statement: str, streams: bool) -> None:
    """What DECLARE ... CURSOR FOR accepts streams; anything else runs on a plain cursor (small or refused)."""
    assert streams_on_postgres(statement) is streams


def test_empty_and_oversized_statements_are_refused() -> None:
    """Blank statements and ones past MAX_STATEMENT_CHARS never reach the warehouse."""
    assert checked_statement("  select 1 \n") == "select 1"
    with pytest.raises(StatementFailed, match="empty"):
        checked_statement(" \n ")
    with pytest.raises(StatementFailed, match="characters"):
        checked_statement("select 1 -- " + "x" * MAX_STATEMENT_CHARS)


@pytest.mark.parametrize("protocol", ["file", "memory"])
def test_each_statement_is_one_audit_record_under_the_tenants_prefix(tmp_path: Path, protocol: str) -> None:
    """Who, which tenant, the statement, rows, outcome and time: one JSON line per object, read back in order."""
    folder = f"/flexlake-console-audit-{tmp_path.name}"
    base = (tmp_path / "catalog").as_uri() if protocol == "file" else f"memory:/{folder}"
    root: ObjectStoragePath = catalog_root(base, "acme")
    try:
        first = write_record(root, AuditRecord("alice", "acme", "select 1", "ok", 1, 0.01))
        write_record(root, AuditRecord("alice", "acme", "drop table x", "failed", 0, 0.0, "read-only"))
        assert "/acme/audit/sql_console/" in str(first) and first.name.endswith(".jsonl")
        records = read_records(root)
        assert [(r["user"], r["statement"], r["outcome"], r["rows"]) for r in records] == [
            ("alice", "select 1", "ok", 1),
            ("alice", "drop table x", "failed", 0),
        ]
        assert all(r["tenant_id"] == "acme" and r["at"].endswith("+00:00") for r in records)
        assert records[1]["detail"] == "read-only"
    finally:
        if protocol == "memory" and fsspec.filesystem("memory").exists(folder):
            fsspec.filesystem("memory").rm(folder, recursive=True)


def test_the_csv_has_a_header_and_defuses_formulas() -> None:
    """Text a spreadsheet would evaluate gets a quote; numbers (negative too) and nulls stay as they are."""
    result = QueryResult(("name", "amount"), (("=cmd()", -5), ("plain", None), ("@x", 1.5)), False, 0.1)
    assert result_csv(result) == "name,amount\n'=cmd(),-5\nplain,\n'@x,1.5\n"


def test_the_console_page_escapes_the_statement_and_the_values() -> None:
    """A statement or a value with markup is shown as text; a cut result says it hit the limit."""
    result = QueryResult(("<b>col</b>",), (("<script>x</script>",),), True, 0.2)
    html = console_page("acme", ConsoleLimits(max_rows=1), "select '<script>'", result=result)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;col&lt;/b&gt;" in html
    assert "first 1 rows (the limit; there are more)" in html
    assert 'method="post"' in html and 'value="csv"' in html


def _request(headers: dict[str, str]) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {"type": "http", "method": "POST", "scheme": "http", "path": "/", "headers": raw, "query_string": b""}
    return Request(scope)


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Host": "airflow.example:8080", "Authorization": "Bearer x"}, True),
        ({"Host": "airflow.example:8080", "Origin": "http://airflow.example:8080"}, True),
        ({"Host": "airflow.example:8080", "Origin": "https://evil.example"}, False),
        ({"Host": "airflow.example:8080", "Origin": "http://airflow.example:8081"}, False),
        ({"Host": "airflow.example:8080"}, False),
    ],
)
def test_a_cookie_authenticated_post_must_come_from_the_same_origin(headers: dict[str, str], allowed: bool) -> None:
    """CSRF: the UI's JWT is a cookie, so without an Authorization header the Origin must be this server's."""
    if allowed:
        same_origin_post(_request(headers))
        return
    with pytest.raises(HTTPException) as refused:
        same_origin_post(_request(headers))
    assert refused.value.status_code == 403 and "same origin" in str(refused.value.detail)
