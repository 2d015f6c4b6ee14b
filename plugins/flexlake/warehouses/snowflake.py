"""Snowflake: the tenant's schemas in a database of the provider's account, its own warehouse sized by tier.

The tenant's Airflow connection is a `snowflake` connection (login, password; extras: account, and
optionally role, warehouse, host/port/protocol). dbt runs as the tenant's transformer role on the tenant's
warehouse (both created by provisioning), so its compute is billed and suspended on its own.
"""

import dataclasses
import json
from typing import Any

from cosmos.profiles.snowflake.user_pass import SnowflakeUserPasswordProfileMapping

from flexlake.raw_destination import ServerDestination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import tenant_schema_names
from flexlake.warehouses.dbapi_warehouse import DbApiWarehouse
from flexlake.warehouses.provisioning import ProvisioningPlan
from flexlake.warehouses.reader_credentials import ReaderConnection
from flexlake.warehouses.sizing import sizing_for
from flexlake.warehouses.snowflake_provisioning import snowflake_plan, snowflake_warehouse_name


class SnowflakeWarehouse(DbApiWarehouse):
    type = "snowflake"

    def profile_mapping(self, tenant: TenantConfig, profile_args: dict[str, Any]) -> Any:
        return SnowflakeUserPasswordProfileMapping(
            conn_id=self.config(tenant).connection_id,
            profile_args={
                **profile_args,
                "database": self.config(tenant).database.upper(),
                "warehouse": snowflake_warehouse_name(tenant.tenant_id),
                "role": transformer_role(tenant),
            },
        )

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        config = self.config(tenant)
        return snowflake_plan(
            tenant.tenant_id,
            config.database,
            tenant_schema_names(tenant),
            self.marts_schema(tenant),
            sizing=sizing_for(tenant.tier),
            reader_access=config.reader_access,
        )

    def location_from(self, tenant: TenantConfig, source_name: str, connection: Any) -> ServerDestination:
        """Airbyte's Snowflake destination loads with the transformer role on the tenant's warehouse."""
        location = super().location_from(tenant, source_name, connection)
        extras = connection.extra_dejson
        return dataclasses.replace(
            location,
            database=location.database.upper(),
            account=extras.get("account"),
            warehouse=snowflake_warehouse_name(tenant.tenant_id),
            role=transformer_role(tenant),
        )

    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        import snowflake.connector  # noqa: PLC0415 - only when a task runs

        extras = airflow_connection.extra_dejson
        optional = {key: extras[key] for key in ("role", "warehouse", "host", "port", "protocol") if extras.get(key)}
        return snowflake.connector.connect(
            account=extras["account"],
            user=airflow_connection.login,
            password=airflow_connection.password,
            database=self.config(tenant).database.upper(),
            autocommit=True,
            **optional,
        )

    def reader_connection(self, tenant: TenantConfig, admin: Any, plan: ProvisioningPlan, password: str) -> Any:
        extras = admin.extra_dejson
        reader_extras = {
            "account": extras.get("account"),
            "database": self.config(tenant).database.upper(),
            "warehouse": snowflake_warehouse_name(tenant.tenant_id),
            "role": plan.reader_role,
            **{key: extras[key] for key in ("host", "port", "protocol") if extras.get(key)},
        }
        assert plan.reader_connection_id and plan.reader_role
        return ReaderConnection(
            conn_id=plan.reader_connection_id,
            conn_type="snowflake",
            host=None,
            port=None,
            login=plan.reader_role,
            schema=self.marts_schema(tenant).upper(),
            password=password,
            description=f"flexlake: read-only access to {self.marts_schema(tenant).upper()}",
            extra=json.dumps(reader_extras),
        )


def transformer_role(tenant: TenantConfig) -> str:
    """The role dbt and Airbyte work as (created by provisioning, see snowflake_provisioning.py)."""
    return f"{tenant.tenant_id}_transformer".upper()
