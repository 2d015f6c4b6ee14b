"""Redshift: the tenant's schemas in a database of a Redshift cluster or serverless workgroup.

The tenant's Airflow connection is a `redshift` connection (host, port 5439, login, password; the
connection's `schema` field is the database, as Cosmos's mapping reads it), opened by the amazon provider's
RedshiftSQLHook. Compiled here with
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
        """Through the amazon provider's RedshiftSQLHook: login and password, or IAM (`iam`, `is_serverless`,
        `cluster_identifier` extras) as the hook reads them; the other extras go to redshift_connector as they are
        (`ssl`, `sslmode: verify-full`). The tenant file's database wins over the connection's `schema` field, as
        in dbt's profile (Cosmos's `dbname`)."""
        from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook  # noqa: PLC0415 - only when a task runs

        hook = RedshiftSQLHook(redshift_conn_id=airflow_connection.conn_id)
        hook.conn.schema = self.config(tenant).database  # the hook's own copy of the connection
        connection = hook.get_conn()
        hook.set_autocommit(connection, True)
        return connection
