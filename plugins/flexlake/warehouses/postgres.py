"""PostgreSQL: the tenant's schemas live in a database reached through an Airflow connection."""

from typing import Any

import psycopg2
from cosmos.config import ProfileConfig
from cosmos.profiles.postgres.user_pass import PostgresUserPasswordProfileMapping
from psycopg2 import sql

from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.schema import PostgresWarehouse as PostgresConfig
from flexlake.warehouses.base import DBT_PROFILE_NAME, RawLocation, raw_schema_name


class PostgresWarehouse:
    type = "postgres"

    def _config(self, tenant: TenantConfig) -> PostgresConfig:
        assert isinstance(tenant.warehouse, PostgresConfig)
        return tenant.warehouse

    def profile_config(self, tenant: TenantConfig) -> ProfileConfig:
        config = self._config(tenant)
        mapping = PostgresUserPasswordProfileMapping(
            conn_id=config.connection_id,
            profile_args={"dbname": config.database, "schema": tenant.schema_prefix},
        )
        return ProfileConfig(profile_name=DBT_PROFILE_NAME, target_name="postgres", profile_mapping=mapping)

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        config = self._config(tenant)
        source_vars: dict[str, Any] = {}
        for source in tenant.sources:
            source_vars[f"raw_database__{source.system}"] = config.database
            source_vars[f"raw_schema__{source.system}"] = raw_schema_name(tenant, source.name)
        return {"flexlake_schema_prefix": tenant.schema_prefix, **source_vars}

    def raw_location(self, tenant: TenantConfig, source_name: str) -> RawLocation:
        config = self._config(tenant)
        connection = _airflow_connection(config.connection_id)
        return RawLocation(
            kind="postgres",
            database=config.database,
            schema=raw_schema_name(tenant, source_name),
            host=connection.host,
            port=int(connection.port or 5432),
            user=connection.login,
            password=connection.password,
        )

    def table_row_counts(self, tenant: TenantConfig, schema: str) -> dict[str, int]:
        config = self._config(tenant)
        airflow_connection = _airflow_connection(config.connection_id)
        connection = psycopg2.connect(
            host=airflow_connection.host,
            port=int(airflow_connection.port or 5432),
            user=airflow_connection.login,
            password=airflow_connection.password,
            dbname=config.database,
        )
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


def _airflow_connection(connection_id: str) -> Any:
    """Read at task run time only: connections may live in a secrets backend."""
    from airflow.sdk import BaseHook  # noqa: PLC0415 - Airflow is only needed inside a running task

    return BaseHook.get_connection(connection_id)
