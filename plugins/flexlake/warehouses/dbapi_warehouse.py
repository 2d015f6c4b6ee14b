"""What Snowflake, Redshift and SQL Server share: a server reached through the tenant's Airflow connection
and a Python DB-API driver, provisioned by executing a plan statement by statement.

Unlike PostgreSQL (one transaction under an advisory lock, the password sent as a SCRAM verifier), these
warehouses commit DDL as it runs (Snowflake, Redshift) or refuse some of it inside a transaction (SQL
Server logins), so the plan runs in autocommit mode: every statement is idempotent (IF NOT EXISTS, GRANT,
or a guard query), hence a failed run is finished by the next one. The fingerprint is recorded last, so a
run that failed half-way is never skipped.

A subclass says how to connect, which Cosmos profile mapping to use and which plan to build; the rest is
here. Drivers are imported inside the methods that connect: they are only needed when a task runs.
"""

import logging
import time
from abc import ABC, abstractmethod
from typing import Any

from cosmos.config import ProfileConfig
from psycopg2 import sql  # composing and quoting only (render_sql): no PostgreSQL connection

from flexlake.raw_destination import ServerDestination, connection_field
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import DBT_PROFILE_NAME, READER_LAYER, model_schema_name, raw_schema_name
from flexlake.warehouses.provisioning import (
    BOOKKEEPING_SCHEMA,
    BOOKKEEPING_TABLE,
    ProvisioningPlan,
    ProvisioningResult,
    Statement,
    render_sql,
)
from flexlake.warehouses.raw_freshness import newest_by_table
from flexlake.warehouses.reader_credentials import (
    CredentialStore,
    IssuedReaderCredentials,
    ReaderConnection,
    reader_password,
)
from flexlake.warehouses.schema_ownership import check_schema_owners, record_schema_owners
from flexlake.warehouses.sizing import sizing_for
from flexlake.warehouses.source_vars import source_system_vars

log = logging.getLogger(__name__)


class DbApiWarehouse(ABC):
    """Base of the DB-API warehouses; subclasses set `type` (and `param`, `reader_conn_type`, `default_port`
    where theirs differ) and implement the three abstract methods."""

    type: str
    param: str = "%s"  # the driver's parameter marker (pyodbc: ?)
    reader_conn_type: str = "generic"  # the Airflow connection type of the reader's connection
    default_port: int = 0
    # Check and record which tenant owns each schema (schema_ownership.py); needs pg_catalog (Redshift).
    records_schema_owners: bool = False

    # --- what a subclass provides ----------------------------------------------------------------

    @abstractmethod
    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        """A DB-API connection in autocommit mode to the tenant's database, as the connection's user."""

    @abstractmethod
    def profile_mapping(self, tenant: TenantConfig, profile_args: dict[str, Any]) -> Any:
        """Cosmos's profile mapping of this warehouse for the tenant's connection."""

    @abstractmethod
    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        """Schemas, roles and grants of the tenant, as SQL (no I/O)."""

    def issue_reader_credentials(self, tenant: TenantConfig, password: str) -> IssuedReaderCredentials:
        """A new reader's credentials from the generated password: here the password itself, bound and stored
        (Snowflake's key-pair reader binds a public key instead)."""
        return IssuedReaderCredentials(bound=password, password=password)

    def reader_connection(
        self, tenant: TenantConfig, admin: Any, plan: ProvisioningPlan, issued: IssuedReaderCredentials
    ) -> Any:
        """The Airflow connection a reader logs in with: the admin connection's server, the reader's login."""
        assert plan.reader_connection_id and plan.reader_role
        return ReaderConnection(
            conn_id=plan.reader_connection_id,
            conn_type=self.reader_conn_type,
            host=admin.host,
            port=int(admin.port or self.default_port),
            login=plan.reader_role,
            schema=self.reader_connection_schema(tenant),
            password=issued.password,
            description=f"flexlake: read-only access to {self.marts_schema(tenant)} ({self.type})",
            extra=self.reader_connection_extra(tenant),
        )

    def reader_connection_schema(self, tenant: TenantConfig) -> str:
        """What the connection's `schema` field holds for this warehouse's Airflow connection type."""
        return str(self.config(tenant).database)

    def reader_connection_extra(self, tenant: TenantConfig) -> str | None:
        return None

    # --- shared ----------------------------------------------------------------------------------

    def config(self, tenant: TenantConfig) -> Any:
        assert tenant.warehouse.type == self.type
        return tenant.warehouse

    def profile_config(self, tenant: TenantConfig) -> ProfileConfig:
        """Cosmos's mapping, with the tenant's database and schema prefix and the tier's threads."""
        args = {"schema": tenant.schema_prefix, "threads": sizing_for(tenant.tier).threads}
        mapping = self.profile_mapping(tenant, args)
        return ProfileConfig(profile_name=DBT_PROFILE_NAME, target_name=self.type, profile_mapping=mapping)

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        database = self.config(tenant).database
        return {"flexlake_schema_prefix": tenant.schema_prefix, **source_system_vars(tenant, lambda _: database)}

    def raw_location(self, tenant: TenantConfig, source_name: str) -> ServerDestination:
        connection = airflow_connection(self.config(tenant).connection_id)
        return self.location_from(tenant, source_name, connection)

    def location_from(self, tenant: TenantConfig, source_name: str, connection: Any) -> ServerDestination:
        """The raw location from the tenant's connection, read once by raw_location (a login is required; the
        host may come from extras, e.g. Snowflake's account)."""
        return ServerDestination(
            warehouse_type=self.type,
            host=connection.host or "",
            port=int(connection.port) if connection.port else None,
            user=connection_field(connection.login, self.config(tenant).connection_id, "login"),
            password=connection.password or "",
            database=self.config(tenant).database,
            schema=raw_schema_name(tenant, source_name),
        )

    def table_row_counts(self, tenant: TenantConfig, schema: str) -> dict[str, int]:
        connection = self.connect(tenant, airflow_connection(self.config(tenant).connection_id))
        try:
            cursor = connection.cursor()
            cursor.execute(
                f"select table_name from information_schema.tables where lower(table_schema) = {self.param} "
                "order by table_name",
                (schema.lower(),),
            )
            names = [str(row[0]) for row in cursor.fetchall()]
            return {name.lower(): self._count(cursor, schema, name) for name in names}
        finally:
            connection.close()

    def newest_extracted_at(self, tenant: TenantConfig) -> dict[str, dict[str, Any]]:
        connection = self.connect(tenant, airflow_connection(self.config(tenant).connection_id))
        try:
            cursor = connection.cursor()
            return {
                source.name: newest_by_table(cursor, raw_schema_name(tenant, source.name), self.param)
                for source in tenant.sources
            }
        finally:
            connection.close()

    def publish_reader_snapshot(self, tenant: TenantConfig) -> str | None:
        """Nothing to publish: the reader reads the marts schema itself, through its grants."""
        return None

    def provision(self, tenant: TenantConfig, credentials: CredentialStore, *, force: bool) -> ProvisioningResult:
        """Run the plan (skipped when unchanged), then store the reader connection if this run created it."""
        started = time.monotonic()
        plan = self.provisioning_plan(tenant)
        admin = airflow_connection(self.config(tenant).connection_id)
        connection = self.connect(tenant, admin)
        try:
            cursor = connection.cursor()
            recorded = recorded_fingerprint(cursor, plan.tenant_id)
            if not force and recorded == plan.fingerprint:
                return ProvisioningResult(plan.tenant_id, plan.fingerprint, True, "not checked", 0.0)
            if self.records_schema_owners:
                check_schema_owners(cursor, plan, provisioned_before=recorded is not None)
            password, state = reader_password(credentials, plan)
            issued = self.issue_reader_credentials(tenant, password) if state == "created" and password else None
            statements = [*plan.statements, *(plan.credential_statements if issued else ())]
            bound = issued.bound if issued else password
            executed = execute_statements(cursor, statements, password=bound, connection_user=admin.login)
            if self.records_schema_owners:
                record_schema_owners(cursor, plan)
            execute_statements(cursor, bookkeeping_statements(plan), password=None, connection_user=None)
        finally:
            connection.close()
        if issued:
            credentials.create(self.reader_connection(tenant, admin, plan, issued))
        seconds = time.monotonic() - started
        return ProvisioningResult(plan.tenant_id, plan.fingerprint, False, state, seconds, executed)

    def marts_schema(self, tenant: TenantConfig) -> str:
        return model_schema_name(tenant, READER_LAYER)

    def _count(self, cursor: Any, schema: str, table: str) -> int:
        cursor.execute(render_sql(sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))))
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def execute_statements(
    cursor: Any, statements: list[Statement], *, password: str | None, connection_user: str | None
) -> int:
    """Execute in order; a statement whose guard query returns a row is skipped, as is one needing a
    password when there is none (the credential statements of a later `flexlake provision` set it)."""
    executed = 0
    for statement in statements:
        if statement.skip_if_exists is not None and _returns_a_row(cursor, render_sql(statement.skip_if_exists)):
            continue
        if statement.uses_password and not password:
            log.warning("skipped until reader credentials exist: %s", statement.purpose or "a password statement")
            continue
        cursor.execute(render_sql(statement.query, password=password or "", connection_user=connection_user))
        executed += 1
    return executed


def _returns_a_row(cursor: Any, query: str) -> bool:
    cursor.execute(query)
    return cursor.fetchone() is not None


def bookkeeping_statements(plan: ProvisioningPlan) -> list[Statement]:
    """Record the plan's fingerprint in flexlake_admin.provisioning, in SQL all three warehouses accept."""
    table = sql.Identifier(BOOKKEEPING_SCHEMA, BOOKKEEPING_TABLE)
    tenant = sql.Literal(plan.tenant_id)
    return [
        Statement(
            sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(BOOKKEEPING_SCHEMA)),
            "",
            skip_if_exists=sql.SQL(_SCHEMA_EXISTS).format(sql.Literal(BOOKKEEPING_SCHEMA)),
        ),
        Statement(
            sql.SQL("CREATE TABLE {} (tenant_id varchar(64) NOT NULL, fingerprint varchar(64) NOT NULL)").format(table),
            "",
            skip_if_exists=sql.SQL(_TABLE_EXISTS).format(
                sql.Literal(BOOKKEEPING_SCHEMA), sql.Literal(BOOKKEEPING_TABLE)
            ),
        ),
        Statement(sql.SQL("DELETE FROM {} WHERE tenant_id = {}").format(table, tenant), ""),
        Statement(
            sql.SQL("INSERT INTO {} (tenant_id, fingerprint) VALUES ({}, {})").format(
                table, tenant, sql.Literal(plan.fingerprint)
            ),
            "",
        ),
    ]


_SCHEMA_EXISTS = "SELECT 1 FROM information_schema.schemata WHERE schema_name = {}"
_TABLE_EXISTS = "SELECT 1 FROM information_schema.tables WHERE table_schema = {} AND table_name = {}"


def recorded_fingerprint(cursor: Any, tenant_id: str) -> str | None:
    """The fingerprint of the tenant's last successful provisioning, if the bookkeeping table exists."""
    exists = sql.SQL(_TABLE_EXISTS).format(sql.Literal(BOOKKEEPING_SCHEMA), sql.Literal(BOOKKEEPING_TABLE))
    if not _returns_a_row(cursor, render_sql(exists)):
        return None
    query = sql.SQL("SELECT fingerprint FROM {} WHERE tenant_id = {}").format(
        sql.Identifier(BOOKKEEPING_SCHEMA, BOOKKEEPING_TABLE), sql.Literal(tenant_id)
    )
    cursor.execute(render_sql(query))
    row = cursor.fetchone()
    return str(row[0]) if row else None


def airflow_connection(connection_id: str) -> Any:
    """Read at task run time only: connections may live in a secrets backend."""
    from airflow.sdk import BaseHook  # noqa: PLC0415 - Airflow is only needed inside a running task

    return BaseHook.get_connection(connection_id)
