"""The SQL console on Snowflake and Redshift: one statement as the tenant's reader, through the providers' hooks.

Both read the reader's Airflow connection `flexlake_reader__<tenant>` that `flexlake provision` stores (never the
tenant's transformer connection), so read-only comes from the warehouse's grants to the reader role, as on
PostgreSQL. Per warehouse:
- **Snowflake** (SnowflakeHook): the reader signs in with the key pair in its connection (`private_key_content`,
  the passphrase as the password; flexlake.warehouses.snowflake.key_pair_credentials) or, for a reader issued by an
  older flexlake, its password. The timeout is Snowflake's own session parameter STATEMENT_TIMEOUT_IN_SECONDS plus the
  connector's client-side cancel (`execute(timeout=)`); QUERY_TAG marks the console's queries in QUERY_HISTORY. Rows
  come through `fetchmany`: the connector downloads result chunks as they are read.
- **Redshift** (RedshiftSQLHook, redshift_connector): redshift_connector reads a whole result into memory and has no
  cancel, so the console runs queries only (SELECT, WITH, VALUES, TABLE), inside `DECLARE ... CURSOR` with
  `FETCH FORWARD <limit + 1>`, after `SET statement_timeout` in the same transaction; a query cannot turn that
  timeout off for itself. The transaction is always rolled back. The search path is the tenant's marts schema.
  Redshift materializes a cursor's result on the leader node, within its per-node-type cursor size limit.
"""

import math
import time
import warnings
from typing import Any

from psycopg2 import sql  # composing and quoting only (render_sql): no PostgreSQL connection

from flexlake.portal.console import (
    ConsoleLimits,
    QueryResult,
    StatementFailed,
    StatementTimedOut,
    fetched,
    streams_on_postgres,
)
from flexlake.warehouses.provisioning import reader_connection_id, render_sql

QUERY_TAG = "flexlake-sql-console"
_CURSOR = "flexlake_console"
# Snowflake's error numbers for a statement cancelled by STATEMENT_TIMEOUT_IN_SECONDS (630) or by the client (604).
_SNOWFLAKE_TIMEOUTS = frozenset({604, 630})
# PostgreSQL's and Redshift's SQLSTATE query_canceled.
_QUERY_CANCELED = "57014"


def run_snowflake(tenant_id: str, statement: str, limits: ConsoleLimits) -> QueryResult:
    """As the tenant's reader through SnowflakeHook, with Snowflake's statement timeout and the console's rows."""
    from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook  # noqa: PLC0415 - only when the console runs
    from snowflake.connector.errors import Error as SnowflakeError  # noqa: PLC0415

    seconds = max(1, math.ceil(limits.timeout_seconds))
    hook = SnowflakeHook(
        snowflake_conn_id=_existing_reader(tenant_id),
        session_parameters={"STATEMENT_TIMEOUT_IN_SECONDS": seconds, "QUERY_TAG": QUERY_TAG},
    )
    started = time.monotonic()
    try:
        connection = hook.get_conn()
    except SnowflakeError as error:
        raise StatementFailed(
            f"cannot sign in as the reader ({reader_connection_id(tenant_id)}): {error.msg}"
        ) from None
    try:
        cursor = connection.cursor()
        cursor.execute(statement, timeout=seconds)
        return fetched(cursor, limits.max_rows, started)
    except SnowflakeError as error:
        if error.errno in _SNOWFLAKE_TIMEOUTS:
            raise StatementTimedOut(f"cancelled after {seconds} s") from None
        raise StatementFailed(str(error.msg or error)) from None
    finally:
        connection.close()


def run_redshift(tenant_id: str, marts_schema: str, statement: str, limits: ConsoleLimits) -> QueryResult:
    """A query as the tenant's reader through RedshiftSQLHook, in a cursor of the transaction, rolled back."""
    from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook  # noqa: PLC0415

    if not streams_on_postgres(statement):
        raise StatementFailed(
            "the Redshift console runs queries only (SELECT, WITH, VALUES, TABLE): redshift_connector cannot cancel "
            "a statement or stream its result, so only a query in a cursor keeps the console's limits"
        )
    hook = RedshiftSQLHook(redshift_conn_id=_existing_reader(tenant_id))
    started = time.monotonic()
    connection = hook.get_conn()
    driver_error = _driver_error(connection)
    try:
        cursor = connection.cursor()
        for setup in _redshift_session(marts_schema, limits):
            cursor.execute(setup)
        cursor.execute(f"DECLARE {_CURSOR} CURSOR FOR {statement}")  # the form Redshift documents
        cursor.execute(f"FETCH FORWARD {limits.max_rows + 1} FROM {_CURSOR}")
        rows = [tuple(row) for row in cursor.fetchall()]
        columns = tuple(str(column[0]) for column in cursor.description or ())
        truncated = len(rows) > limits.max_rows
        return QueryResult(columns, tuple(rows[: limits.max_rows]), truncated, time.monotonic() - started)
    except driver_error as error:
        if _QUERY_CANCELED in str(getattr(error, "pgcode", "")) + str(error):
            raise StatementTimedOut(f"cancelled after {limits.timeout_seconds:g} s") from None
        raise StatementFailed(_redshift_message(error)) from None
    finally:
        connection.rollback()
        connection.close()


def _redshift_session(marts_schema: str, limits: ConsoleLimits) -> list[str]:
    """The transaction's settings before the query: its timeout and the marts as the search path."""
    milliseconds = max(1, int(limits.timeout_seconds * 1000))
    search_path = sql.SQL("SET search_path TO {}").format(sql.Identifier(marts_schema))
    return [f"SET statement_timeout TO {milliseconds}", render_sql(search_path)]


def _existing_reader(tenant_id: str) -> str:
    """The reader's connection id once it is known to exist; a clear StatementFailed naming the fix otherwise."""
    from airflow.models.connection import Connection  # noqa: PLC0415 - the api-server reads the metadata DB
    from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

    conn_id = reader_connection_id(tenant_id)
    try:
        Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        raise StatementFailed(
            f"Airflow connection {conn_id} does not exist: run `flexlake provision {tenant_id}` to issue the "
            "tenant's reader credentials"
        ) from None
    return conn_id


def _driver_error(connection: Any) -> type[Exception]:
    """The driver's DB-API `Error` class (PEP 249's Connection.Error extension; redshift_connector warns on it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error: type[Exception] = connection.Error
    return error


def _redshift_message(error: Exception) -> str:
    """The server's message: redshift_connector puts a dict of the error's fields in args[0]."""
    fields = error.args[0] if error.args else None
    if isinstance(fields, dict) and fields.get("M"):
        return str(fields["M"])
    return str(getattr(error, "pgerror", None) or error).strip()
