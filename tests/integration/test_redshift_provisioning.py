"""Redshift provisioning executed on PostgreSQL, the proxy for Redshift (which cannot run here).

The plan uses only statements Redshift and PostgreSQL both accept (users, groups, GRANT ... TO GROUP,
ALTER DEFAULT PRIVILEGES; guard queries on pg_user / pg_group), and the real `RedshiftWarehouse.provision`
runs it (plan, guards, bookkeeping, credentials), connecting through the amazon provider's RedshiftSQLHook. One
part is swapped: the driver's connect. redshift_connector sends a Redshift-only startup parameter
(`client_protocol_version`) that PostgreSQL refuses, so `redshift_connector.connect` is patched to open psycopg2
with what the hook gives it (recorded and asserted); the hook then sets autocommit as on Redshift. What this does
not prove: redshift_connector itself, and Redshift-only behaviour (its privilege model corners, serverless, IAM).

The test server trusts local logins, so the reader's password is not checked at login here; that the
stored password is the one set is covered for PostgreSQL by test_warehouse_provisioning.py.
"""

import contextlib
import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest
import redshift_connector
from flexlake.portal.console import ConsoleLimits, StatementFailed, StatementTimedOut, run_statement
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.reader_credentials import ReaderConnection
from flexlake.warehouses.redshift import RedshiftWarehouse
from flexlake.warehouses.schema_ownership import SchemaOwnershipError
from psycopg2 import errors

from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

ADMIN_CONN_ID = "flexlake_rs_admin"
TENANT_ID = "rsprov"


class InMemoryCredentialStore:
    """Airflow's connection store as the CLI sees it (can create), kept in a dict for the test."""

    can_create = True

    def __init__(self) -> None:
        self.connections: dict[str, ReaderConnection] = {}

    def get_password(self, conn_id: str) -> str | None:
        connection = self.connections.get(conn_id)
        return connection.password if connection else None

    def create(self, connection: ReaderConnection) -> None:
        self.connections[connection.conn_id] = connection


@pytest.fixture(scope="module", autouse=True)
def driver_calls() -> Iterator[list[dict[str, Any]]]:
    """redshift_connector.connect opening psycopg2 instead (see the module docstring); the keyword arguments the
    hook passed, one dict per connection."""
    calls: list[dict[str, Any]] = []

    def connect(**kwargs: Any) -> Any:
        calls.append(kwargs)
        keys = {"host": "host", "port": "port", "database": "dbname", "user": "user", "password": "password"}
        return psycopg2.connect(**{keys[key]: value for key, value in kwargs.items() if key in keys})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(redshift_connector, "connect", connect)
        yield calls


@pytest.fixture(scope="module")
def postgres_server(postgres_server: PostgresServer) -> PostgresServer:
    """The session's server with a database of this module's own. Redshift's bookkeeping table
    (flexlake_admin.provisioning, dbapi_warehouse.py) has another layout than PostgreSQL's: a real server is one or
    the other, so sharing a database with the PostgreSQL tenants' tests would make the outcome depend on test order."""
    database = "flexlake_redshift"
    connection = psycopg2.connect(**postgres_server.connection_kwargs)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("select 1 from pg_database where datname = %s", (database,))
        if cursor.fetchone() is None:
            cursor.execute(f"create database {database} owner {postgres_server.user}")
    connection.close()
    return dataclasses.replace(postgres_server, dbname=database)


@pytest.fixture(scope="module")
def tenant(postgres_server: PostgresServer) -> Iterator[TenantConfig]:
    url = f"redshift://{postgres_server.user}:{postgres_server.password}@{postgres_server.host}:{postgres_server.port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"AIRFLOW_CONN_{ADMIN_CONN_ID.upper()}", f"{url}/connection_schema_field?sslmode=disable")
        yield TenantConfig.model_validate(
            {
                "tenant_id": TENANT_ID,
                "display_name": "Redshift tenant",
                "tier": "professional",
                "warehouse": {"type": "redshift", "connection_id": ADMIN_CONN_ID, "database": postgres_server.dbname},
                "sources": [{"name": "shop", "system": "faker", "engine": "airbyte"}],
                "airbyte": {"connection_id": "airbyte_unused"},
            }
        )


@pytest.fixture(scope="module")
def store() -> InMemoryCredentialStore:
    return InMemoryCredentialStore()


@pytest.fixture(scope="module")
def provisioned(tenant: TenantConfig, store: InMemoryCredentialStore, postgres_server: PostgresServer) -> Any:
    result = RedshiftWarehouse().provision(tenant, store, force=False)
    with _cursor(postgres_server) as cursor:  # what dbt and ingestion would write, as the connection's user
        cursor.execute(f"create table {TENANT_ID}_marts.mart_figures as select 1 as figure")
        cursor.execute(f"create table {TENANT_ID}_raw_shop.users as select 'secret' as email")
        cursor.execute(f"create table {TENANT_ID}_staging.stg_users as select 'secret' as email")
    return result


@contextlib.contextmanager
def _cursor(server: PostgresServer, user: str | None = None) -> Iterator[Any]:
    connection = psycopg2.connect(**{**server.connection_kwargs, "user": user or server.user})
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _denied(server: PostgresServer, statement: str) -> bool:
    with _cursor(server, f"{TENANT_ID}_reader") as cursor:
        try:
            cursor.execute(statement)
        except (errors.InsufficientPrivilege, errors.InvalidSchemaName):
            return True
    return False


def test_the_first_run_creates_the_reader_and_stores_its_connection(
    provisioned: Any,
    store: Any,
    tenant: TenantConfig,
    driver_calls: list[dict[str, Any]],
    postgres_server: PostgresServer,
) -> None:
    """Every statement ran, the reader's credentials were created once and stored as a redshift connection; the
    hook gave the driver the connection's server and login, the tenant file's database (not the connection's
    schema field) and the connection's extras."""
    given = driver_calls[0]
    assert {key: given.get(key) for key in ("host", "port", "user", "database", "sslmode")} == {
        "host": postgres_server.host,
        "port": postgres_server.port,
        "user": postgres_server.user,
        "database": tenant.warehouse.database,
        "sslmode": "disable",
    }, given
    plan = get_warehouse("redshift").provisioning_plan(tenant)
    assert not provisioned.skipped, provisioned
    assert provisioned.reader_credentials == "created", provisioned
    assert provisioned.statements_executed == len(plan.statements) + len(plan.credential_statements), provisioned
    stored = store.connections[f"flexlake_reader__{TENANT_ID}"]
    assert (stored.conn_type, stored.login, stored.port) == ("redshift", f"{TENANT_ID}_reader", stored.port)


def test_the_reader_reads_the_marts_and_nothing_else(provisioned: Any, postgres_server: PostgresServer) -> None:
    """Granted: marts tables created after provisioning (default privileges). Denied: raw, staging, writes."""
    with _cursor(postgres_server, f"{TENANT_ID}_reader") as cursor:
        cursor.execute(f"select figure from {TENANT_ID}_marts.mart_figures")
        assert cursor.fetchall() == [(1,)]
    assert _denied(postgres_server, f"select * from {TENANT_ID}_raw_shop.users")
    assert _denied(postgres_server, f"select * from {TENANT_ID}_staging.stg_users")
    assert _denied(postgres_server, f"insert into {TENANT_ID}_marts.mart_figures values (2)")
    assert _denied(postgres_server, f"create table {TENANT_ID}_marts.mine (a int)")


def test_the_connection_user_is_in_the_transformer_group(provisioned: Any, postgres_server: PostgresServer) -> None:
    """ALTER GROUP ... ADD USER ran with the connection's login bound into the plan at execution."""
    rows = postgres_server.fetch(
        "select m.rolname from pg_auth_members a join pg_roles g on g.oid = a.roleid "
        f"join pg_roles m on m.oid = a.member where g.rolname = '{TENANT_ID}_transformer'"
    )
    assert rows == [(postgres_server.user,)], rows


def test_an_unchanged_plan_is_skipped_and_a_forced_run_is_idempotent(
    provisioned: Any, tenant: TenantConfig, store: InMemoryCredentialStore
) -> None:
    """The fingerprint recorded in flexlake_admin.provisioning skips the next run; a forced run re-executes
    every statement without error (guards skip the existing user and group) and reuses the credentials."""
    warehouse = RedshiftWarehouse()
    again = warehouse.provision(tenant, store, force=False)
    assert again.skipped and again.fingerprint == provisioned.fingerprint, again
    forced = warehouse.provision(tenant, store, force=True)
    assert not forced.skipped and forced.reader_credentials == "reused", forced
    plan = warehouse.provisioning_plan(tenant)
    assert forced.statements_executed == len(plan.statements) - 2, forced  # CREATE GROUP and CREATE USER skipped


def test_the_reader_cannot_create_in_public_or_make_temp_tables_after_provisioning(
    provisioned: Any, tenant: TenantConfig, store: InMemoryCredentialStore, postgres_server: PostgresServer
) -> None:
    """PUBLIC's CREATE on public and TEMP on the database (Redshift's defaults) are revoked by the plan."""
    with _cursor(postgres_server) as cursor:
        cursor.execute("grant create on schema public to public")
        cursor.execute(f'grant temporary on database "{postgres_server.dbname}" to public')
    assert not _denied(postgres_server, "create temp table probe (a int)"), "Redshift's defaults not simulated"
    RedshiftWarehouse().provision(tenant, store, force=True)
    assert _denied(postgres_server, "create table public.rs_reader_made (a int)"), "the reader created in public"
    assert _denied(postgres_server, "create temp table rs_reader_temp (a int)"), "the reader made a temp table"
    with _cursor(postgres_server, f"{TENANT_ID}_reader") as cursor:
        cursor.execute(f"select figure from {TENANT_ID}_marts.mart_figures")
        assert cursor.fetchall() == [(1,)], "the reader lost its marts"


def test_a_second_tenant_with_the_same_schema_prefix_is_refused_before_any_statement(
    provisioned: Any, tenant: TenantConfig, store: InMemoryCredentialStore, postgres_server: PostgresServer
) -> None:
    """rsprov_x with schema_prefix rsprov: refused naming both tenants; no group or user of rsprov_x exists."""
    document = tenant.model_dump(mode="json", exclude_none=True)
    document["tenant_id"] = "rsprov_x"
    document["warehouse"]["schema_prefix"] = TENANT_ID
    intruder = TenantConfig.model_validate(document)
    with pytest.raises(SchemaOwnershipError, match=f"{TENANT_ID}_marts belongs to tenant {TENANT_ID}, not to rsprov_x"):
        RedshiftWarehouse().provision(intruder, store, force=True)
    created = postgres_server.fetch("select rolname from pg_roles where rolname like 'rsprov\\_x%'")
    assert created == [], f"a refused tenant got roles: {created}"


def test_the_sql_console_reads_the_marts_as_the_stored_reader_through_redshiftsqlhook(
    provisioned: Any,
    store: InMemoryCredentialStore,
    tenant: TenantConfig,
    driver_calls: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console's Redshift path (issue 15) with the reader connection provisioning stored: RedshiftSQLHook logs in
    as the reader; a query reads the marts unqualified (search path), is cut at the row limit through DECLARE/FETCH,
    runs under the console's statement_timeout (set in its transaction) and is cancelled by it; the reader is refused
    the raw schema by the server; a statement that is not a query is refused by the console with the reason. What
    needs a cluster: redshift_connector's own behaviour and Redshift's cancel message (57014 is matched here)."""
    reader = store.connections[f"flexlake_reader__{TENANT_ID}"]
    fields = {"host": reader.host, "port": reader.port, "login": reader.login, "password": reader.password}
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{reader.conn_id.upper()}",
        json.dumps({"conn_type": "redshift", **fields, "schema": reader.schema}),
    )
    enterprise = TenantConfig.model_validate({**tenant.model_dump(mode="json"), "tier": "enterprise"})
    limits = ConsoleLimits(timeout_seconds=2.5, max_rows=3)
    first_call = len(driver_calls)
    assert run_statement(enterprise, "select figure from mart_figures", limits).rows == ((1,),)
    assert (driver_calls[first_call]["user"], driver_calls[first_call]["database"]) == (
        f"{TENANT_ID}_reader",
        tenant.warehouse.database,
    )
    cut = run_statement(enterprise, "select g from generate_series(1, 10) g order by g", limits)
    assert (cut.columns, cut.rows, cut.truncated) == (("g",), ((1,), (2,), (3,)), True)
    timeout = run_statement(enterprise, "select current_setting('statement_timeout')", limits)
    assert timeout.rows == (("2500ms",),), "set in the query's own transaction"
    started = time.monotonic()
    with pytest.raises(StatementTimedOut):
        run_statement(enterprise, "select pg_sleep(30)", ConsoleLimits(timeout_seconds=0.5, max_rows=3))
    assert time.monotonic() - started < 10
    with pytest.raises(StatementFailed, match="permission denied"):
        run_statement(enterprise, f"select * from {TENANT_ID}_raw_shop.users", limits)
    with pytest.raises(StatementFailed, match="runs queries only"):
        run_statement(enterprise, f"insert into {TENANT_ID}_marts.mart_figures values (2)", limits)
