"""The enterprise tier's SQL console: one statement against the tenant's marts, as the tenant's read-only reader.

Where each guard sits, and why there:
- **Read-only comes from the warehouse, not from this page.** The console only ever holds the reader's credentials:
  on DuckDB the published marts copy opened `read_only` with external access off and the configuration locked
  (flexlake.warehouses.duckdb_reader.open_reader); on PostgreSQL the tenant's reader role (SELECT on its marts
  schema, no TEMP, no CREATE) from its Airflow connection `flexlake_reader__<tenant>`, never the transformer's. A
  statement the page lets through still cannot write, and cannot read another tenant's schema. Each PostgreSQL
  statement also runs in a transaction that is always rolled back.
- **Timeout and memory**: PostgreSQL's `statement_timeout` is set for the session when it connects; DuckDB has none,
  so a timer interrupts the connection, and the reader copy is opened with a `memory_limit` and no temp directory (a
  query past the limit fails rather than spilling onto the API server's disk). Because a statement may itself
  `SET statement_timeout = 0`, the same timer also cancels the PostgreSQL query a second later.
- **Row limit**: `fetchmany(limit + 1)`: the extra row says "truncated" without reading the rest. DuckDB streams
  results; on PostgreSQL a query runs in a server-side cursor, so a huge result never reaches the API server's memory.
- **Which tenants**: enterprise tier only, on a warehouse whose reader the console can open (DuckDB, PostgreSQL, and
  Snowflake and Redshift through the providers' hooks: flexlake.portal.console_servers); anything else (SQL Server, a
  Snowflake tenant reading through a managed reader account) is refused with the reason (`console_refusal`).
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flexlake.tenant_config.schema import TenantConfig
from flexlake.warehouses.provisioning import reader_connection_id

STATEMENT_TIMEOUT_SECONDS = 30.0
MAX_ROWS = 1000
MAX_STATEMENT_CHARS = 20_000
# Seconds after the timeout before the console cancels a PostgreSQL query itself (the server should have already).
CANCEL_GRACE_SECONDS = 1.0
DUCKDB_MEMORY_LIMIT = "512MB"
CONSOLE_TIER = "enterprise"
CONSOLE_WAREHOUSES = ("duckdb", "postgres", "snowflake", "redshift")
# Leading blanks and comments, then a keyword PostgreSQL accepts in DECLARE ... CURSOR FOR.
_QUERY_START = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*(?:select|with|values|table)\b", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class ConsoleLimits:
    timeout_seconds: float = STATEMENT_TIMEOUT_SECONDS
    max_rows: int = MAX_ROWS
    # DuckDB's memory_limit for a reader copy opened by the console; nothing spills to disk beyond it.
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    seconds: float


class StatementFailed(Exception):
    """The warehouse refused or failed the statement; the message is the warehouse's own."""


class StatementTimedOut(StatementFailed):
    """The statement ran past the console's timeout and was cancelled."""


@dataclass(frozen=True)
class PostgresReader:
    """Where the tenant's reader role logs in (from its Airflow connection); the password is kept out of repr."""

    host: str
    port: int
    login: str
    database: str
    password: str = field(repr=False)


def console_refusal(tenant: TenantConfig) -> str | None:
    """Why this tenant has no console (shown to the user), or None when it has one."""
    if tenant.tier != CONSOLE_TIER:
        return (
            f"The SQL console is part of the enterprise tier; {tenant.tenant_id} is on the {tenant.tier} tier "
            "(its marts are reachable with the reader credentials from `flexlake provision`)."
        )
    if tenant.warehouse.type not in CONSOLE_WAREHOUSES:
        return (
            f"The SQL console reads DuckDB, PostgreSQL, Snowflake and Redshift readers; {tenant.tenant_id}'s "
            f"warehouse is {tenant.warehouse.type} (use its reader connection "
            f"{reader_connection_id(tenant.tenant_id)} instead)."
        )
    if tenant.warehouse.type == "snowflake" and tenant.warehouse.reader_access != "role":
        return (
            f"{tenant.tenant_id} reads its marts through a Snowflake managed reader account (reader_access: "
            f"{tenant.warehouse.reader_access}), which this console cannot sign in to: query them in that account."
        )
    return None


def checked_statement(statement: str) -> str:
    """The statement without surrounding blanks; StatementFailed when empty or longer than MAX_STATEMENT_CHARS."""
    text = statement.strip()
    if not text:
        raise StatementFailed("the statement is empty")
    if len(text) > MAX_STATEMENT_CHARS:
        raise StatementFailed(f"the statement has {len(text):,} characters; the console takes {MAX_STATEMENT_CHARS:,}")
    return text


def run_statement(tenant: TenantConfig, statement: str, limits: ConsoleLimits) -> QueryResult:
    """Run one statement as the tenant's reader; the tenant must have a console (see console_refusal)."""
    refusal = console_refusal(tenant)
    if refusal:
        raise PermissionError(refusal)
    text = checked_statement(statement)
    if tenant.warehouse.type == "duckdb":
        return run_duckdb(_duckdb_reader_path(tenant), text, limits)
    if tenant.warehouse.type in {"snowflake", "redshift"}:
        return _run_on_server(tenant, text, limits)
    return run_postgres(postgres_reader(tenant.tenant_id), text, limits)


def run_duckdb(reader_path: Path, statement: str, limits: ConsoleLimits) -> QueryResult:
    """On the reader copy, opened read-only and sandboxed; interrupted after the timeout."""
    import duckdb  # noqa: PLC0415 - the portal imports the drivers only when the console runs

    from flexlake.warehouses.duckdb_reader import open_reader  # noqa: PLC0415

    started = time.monotonic()
    try:
        # No temp_directory: a query over the memory limit fails instead of filling the API server's disk.
        connection = open_reader(reader_path, {"memory_limit": limits.duckdb_memory_limit, "temp_directory": ""})
    except FileNotFoundError as error:
        raise StatementFailed(str(error)) from None
    try:
        with _watchdog(limits.timeout_seconds, connection.interrupt) as fired:
            try:
                cursor = connection.execute(statement)
                return fetched(cursor, limits.max_rows, started)
            except duckdb.OutOfMemoryException:
                raise StatementFailed(
                    f"the statement needs more than the console's memory limit ({limits.duckdb_memory_limit}, "
                    "FLEXLAKE_CONSOLE_DUCKDB_MEMORY_LIMIT): select fewer columns or rows, or aggregate first"
                ) from None
            except duckdb.Error as error:
                if fired.is_set():
                    raise StatementTimedOut(f"cancelled after {limits.timeout_seconds:g} s") from None
                raise StatementFailed(str(error)) from None
    finally:
        connection.close()


def postgres_reader(tenant_id: str) -> PostgresReader:
    """The reader role's login from its Airflow connection (`flexlake provision` stores it; never the transformer's)."""
    from airflow.models.connection import Connection  # noqa: PLC0415 - the api-server reads the metadata DB
    from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

    conn_id = reader_connection_id(tenant_id)
    try:
        connection = Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        raise StatementFailed(
            f"Airflow connection {conn_id} does not exist: run `flexlake provision {tenant_id}` to issue the "
            "tenant's reader credentials"
        ) from None
    if not connection.host or not connection.login or not connection.schema:
        raise StatementFailed(f"Airflow connection {conn_id} needs host, login and schema (the database)")
    return PostgresReader(
        host=connection.host,
        port=int(connection.port or 5432),
        login=connection.login,
        database=connection.schema,
        password=connection.password or "",
    )


def run_postgres(reader: PostgresReader, statement: str, limits: ConsoleLimits) -> QueryResult:
    """As the reader role, with statement_timeout set in the session; rolled back whatever happened."""
    import psycopg2  # noqa: PLC0415

    started = time.monotonic()
    try:
        connection = psycopg2.connect(
            host=reader.host,
            port=reader.port,
            user=reader.login,
            password=reader.password,
            dbname=reader.database,
            connect_timeout=10,
            application_name="flexlake-sql-console",
            options=f"-c statement_timeout={int(limits.timeout_seconds * 1000)}",
        )
    except psycopg2.Error as error:
        raise StatementFailed(f"cannot connect as {reader.login}: {str(error).strip()}") from None
    try:
        cancel_after = limits.timeout_seconds + CANCEL_GRACE_SECONDS
        # A query streams through a server-side cursor: only the rows shown ever reach the API server's memory.
        name = "flexlake_console" if streams_on_postgres(statement) else None
        with _watchdog(cancel_after, connection.cancel), connection.cursor(name=name) as cursor:
            cursor.execute(statement)
            return fetched(cursor, limits.max_rows, started)
    except psycopg2.errors.QueryCanceled:
        raise StatementTimedOut(f"cancelled after {limits.timeout_seconds:g} s") from None
    except psycopg2.Error as error:
        raise StatementFailed((error.pgerror or str(error)).strip()) from None
    finally:
        connection.rollback()
        connection.close()


def streams_on_postgres(statement: str) -> bool:
    """A query (SELECT, WITH, VALUES, TABLE after any comments) can run in a server-side cursor; other statements
    (SET, SHOW, EXPLAIN, and writes the reader role refuses) run on a plain cursor, whose results are small."""
    return _QUERY_START.match(statement) is not None


@contextmanager
def _watchdog(seconds: float, cancel: Callable[[], None]) -> Iterator[threading.Event]:
    """Calls `cancel` from a timer thread after `seconds` unless the block ended first; the event says it fired."""
    fired = threading.Event()

    def fire() -> None:
        fired.set()
        cancel()

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def fetched(cursor: Any, max_rows: int, started: float) -> QueryResult:
    """Up to `max_rows` rows (one more is read only to tell that there were more).

    A server-side (named) PostgreSQL cursor has its description only after the first fetch; a plain cursor of a
    statement without a result (SET) has none and must not be fetched from."""
    if cursor.description is None and not getattr(cursor, "name", None):
        return QueryResult((), (), False, time.monotonic() - started)
    rows = [tuple(row) for row in cursor.fetchmany(max_rows + 1)]
    columns = tuple(str(column[0]) for column in cursor.description or ())
    return QueryResult(columns, tuple(rows[:max_rows]), len(rows) > max_rows, time.monotonic() - started)


def _run_on_server(tenant: TenantConfig, statement: str, limits: ConsoleLimits) -> QueryResult:
    """Snowflake and Redshift, through their providers' hooks (imported only when such a console runs)."""
    from flexlake.portal.console_servers import run_redshift, run_snowflake  # noqa: PLC0415
    from flexlake.warehouses.redshift import RedshiftWarehouse  # noqa: PLC0415 - imports Cosmos: only when used

    if tenant.warehouse.type == "snowflake":
        return run_snowflake(tenant.tenant_id, statement, limits)
    marts = RedshiftWarehouse().marts_schema(tenant)
    return run_redshift(tenant.tenant_id, marts, statement, limits)


def _duckdb_reader_path(tenant: TenantConfig) -> Path:
    from flexlake.warehouses.duckdb import DuckDBWarehouse  # noqa: PLC0415 - imports Cosmos: only when used

    return DuckDBWarehouse().reader_path(tenant)
