"""Redshift: the tenant's schemas in a database of a Redshift cluster or serverless workgroup.

The tenant's Airflow connection is a `redshift` connection (host, port 5439, login, password; the
connection's `schema` field is the database, as Cosmos's mapping reads it). Compiled here with
dbt-redshift; executed on PostgreSQL as the proxy (docs/warehouses.md).
"""

from typing import Any

from cosmos.profiles.redshift.user_pass import RedshiftUserPasswordProfileMapping

from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import tenant_schema_names
from flexlake.warehouses.dbapi_warehouse import DbApiWarehouse
from flexlake.warehouses.provisioning import ProvisioningPlan
from flexlake.warehouses.redshift_provisioning import redshift_plan

REDSHIFT_PORT = 5439


class RedshiftWarehouse(DbApiWarehouse):
    type = "redshift"
    reader_conn_type = "redshift"  # its `schema` field is the database, as Cosmos's mapping reads it
    default_port = REDSHIFT_PORT
    records_schema_owners = True

    def profile_mapping(self, tenant: TenantConfig, profile_args: dict[str, Any]) -> Any:
        return RedshiftUserPasswordProfileMapping(
            conn_id=self.config(tenant).connection_id,
            profile_args={**profile_args, "dbname": self.config(tenant).database},
        )

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        database = self.config(tenant).database
        return redshift_plan(tenant.tenant_id, database, tenant_schema_names(tenant), self.marts_schema(tenant))

    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        import redshift_connector  # noqa: PLC0415 - only when a task runs

        connection = redshift_connector.connect(
            host=airflow_connection.host,
            port=int(airflow_connection.port or REDSHIFT_PORT),
            database=self.config(tenant).database,
            user=airflow_connection.login,
            password=airflow_connection.password,
            # TLS unless the connection's extras say sslmode disable (as Cosmos's mapping reads it for dbt)
            ssl=airflow_connection.extra_dejson.get("sslmode") != "disable",
        )
        connection.autocommit = True
        return connection
