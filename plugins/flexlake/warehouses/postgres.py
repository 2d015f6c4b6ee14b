"""PostgreSQL: the tenant's schemas live in a database reached through an Airflow connection."""

import logging
import time
from typing import Any

import psycopg2
from cosmos.config import ProfileConfig
from cosmos.profiles.postgres.user_pass import PostgresUserPasswordProfileMapping
from psycopg2 import sql

from flexlake.raw_destination import PostgresDestination, connection_field
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.warehouse_schema import PostgresWarehouse as PostgresConfig
from flexlake.warehouses.base import (
    DBT_PROFILE_NAME,
    READER_LAYER,
    model_schema_name,
    raw_schema_name,
    tenant_schema_names,
)
from flexlake.warehouses.postgres_provisioning import execute_plan, postgres_plan, recorded_fingerprint
from flexlake.warehouses.provisioning import ProvisioningPlan, ProvisioningResult
from flexlake.warehouses.raw_freshness import newest_by_table
from flexlake.warehouses.reader_credentials import CredentialStore, ReaderConnection, reader_password
from flexlake.warehouses.sizing import sizing_for
from flexlake.warehouses.source_vars import source_system_vars

log = logging.getLogger(__name__)


class PostgresWarehouse:
    type = "postgres"

    def _config(self, tenant: TenantConfig) -> PostgresConfig:
        assert isinstance(tenant.warehouse, PostgresConfig)
        return tenant.warehouse

    def profile_config(self, tenant: TenantConfig) -> ProfileConfig:
        config = self._config(tenant)
        mapping = PostgresUserPasswordProfileMapping(
            conn_id=config.connection_id,
            profile_args={
                "dbname": config.database,
                "schema": tenant.schema_prefix,
                "threads": sizing_for(tenant.tier).threads,
            },
        )
        return ProfileConfig(profile_name=DBT_PROFILE_NAME, target_name="postgres", profile_mapping=mapping)

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        database = self._config(tenant).database
        return {"flexlake_schema_prefix": tenant.schema_prefix, **source_system_vars(tenant, lambda _: database)}

    def raw_location(self, tenant: TenantConfig, source_name: str) -> PostgresDestination:
        config = self._config(tenant)
        connection = _airflow_connection(config.connection_id)
        return PostgresDestination(
            host=connection_field(connection.host, config.connection_id, "host"),
            port=int(connection.port or 5432),
            user=connection_field(connection.login, config.connection_id, "login"),
            password=connection.password or "",
            database=config.database,
            schema=raw_schema_name(tenant, source_name),
        )

    def table_row_counts(self, tenant: TenantConfig, schema: str) -> dict[str, int]:
        connection = _connect(self._config(tenant))
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "select table_name from information_schema.tables where table_schema = %s order by 1",
                    (schema,),
                )
                names = [name for (name,) in cursor.fetchall()]
                counts: dict[str, int] = {}
                for name in names:
                    cursor.execute(
                        sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
                    )
                    row = cursor.fetchone()
                    counts[name] = int(row[0]) if row else 0
                return counts
        finally:
            connection.close()

    def newest_extracted_at(self, tenant: TenantConfig) -> dict[str, dict[str, Any]]:
        connection = _connect(self._config(tenant))
        try:
            with connection.cursor() as cursor:
                return {
                    source.name: newest_by_table(cursor, raw_schema_name(tenant, source.name), "%s")
                    for source in tenant.sources
                }
        finally:
            connection.close()

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        config = self._config(tenant)
        marts = model_schema_name(tenant, READER_LAYER)
        return postgres_plan(tenant.tenant_id, config.database, tenant_schema_names(tenant), marts)

    def publish_reader_snapshot(self, tenant: TenantConfig) -> str | None:
        """Nothing to publish: the reader reads the marts schema itself, through its grants."""
        return None

    def provision(self, tenant: TenantConfig, credentials: CredentialStore, *, force: bool) -> ProvisioningResult:
        """One connection as the tenant's admin login; one transaction; the reader connection stored last.

        The connection is created only after the transaction committed the password: if storing it fails,
        the next run finds no connection, generates another password and sets it (self-healing), whereas
        the other order could leave a stored password the role never received.
        """
        started = time.monotonic()
        plan = self.provisioning_plan(tenant)
        config = self._config(tenant)
        admin = _airflow_connection(config.connection_id)
        connection = _connect(config, admin)
        try:
            with connection.cursor() as cursor:
                if not force and recorded_fingerprint(cursor, tenant.tenant_id) == plan.fingerprint:
                    connection.rollback()
                    return ProvisioningResult(
                        tenant.tenant_id, plan.fingerprint, True, "not checked", time.monotonic() - started
                    )
                password, state = reader_password(credentials, plan)
                executed = execute_plan(cursor, plan, password, new_credentials=state == "created")
            connection.commit()
        finally:
            connection.close()
        if state == "created" and password and plan.reader_role and plan.reader_connection_id:
            credentials.create(
                ReaderConnection(
                    conn_id=plan.reader_connection_id,
                    conn_type="postgres",
                    host=admin.host,
                    port=int(admin.port or 5432),
                    login=plan.reader_role,
                    schema=config.database,
                    password=password,
                    description=f"flexlake: read-only access to {model_schema_name(tenant, READER_LAYER)}",
                )
            )
        return ProvisioningResult(
            tenant.tenant_id, plan.fingerprint, False, state, time.monotonic() - started, statements_executed=executed
        )


def _connect(config: PostgresConfig, airflow_connection: Any | None = None) -> Any:
    airflow_connection = airflow_connection or _airflow_connection(config.connection_id)
    return psycopg2.connect(
        host=airflow_connection.host,
        port=int(airflow_connection.port or 5432),
        user=airflow_connection.login,
        password=airflow_connection.password,
        dbname=config.database,
    )


def _airflow_connection(connection_id: str) -> Any:
    """Read at task run time only: connections may live in a secrets backend."""
    from airflow.sdk import BaseHook  # noqa: PLC0415 - Airflow is only needed inside a running task

    return BaseHook.get_connection(connection_id)
