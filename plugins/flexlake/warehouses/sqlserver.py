"""SQL Server: the tenant's schemas in a database of an on-premise (or Azure SQL) server.

The tenant's Airflow connection is a generic connection (host, port 1433, login, password), as Cosmos's
SQL Server mapping reads it and the odbc provider's OdbcHook opens it; the ODBC driver comes from the tenant file
(`warehouse.odbc_driver`). Compiled
here with dbt-sqlserver and linted for T-SQL (flexlake.warehouses.tsql_lint); nothing executes it here.
"""

import json
from typing import Any

from cosmos.profiles.sqlserver.standard_sqlserver_auth import StandardSQLServerAuth

from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.base import tenant_schema_names
from flexlake.warehouses.dbapi_warehouse import DbApiWarehouse
from flexlake.warehouses.provisioning import ProvisioningPlan
from flexlake.warehouses.sqlserver_provisioning import sqlserver_plan

SQLSERVER_PORT = 1433


class SQLServerWarehouse(DbApiWarehouse):
    type = "sqlserver"
    param = "?"
    default_port = SQLSERVER_PORT

    def profile_mapping(self, tenant: TenantConfig, profile_args: dict[str, Any]) -> Any:
        config = self.config(tenant)
        return StandardSQLServerAuth(
            conn_id=config.connection_id,
            profile_args={**profile_args, "database": config.database, "driver": config.odbc_driver},
        )

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        database = self.config(tenant).database
        return sqlserver_plan(tenant.tenant_id, database, tenant_schema_names(tenant), self.marts_schema(tenant))

    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        """Through the odbc provider's OdbcHook: pyodbc and the ODBC driver dbt-sqlserver uses (the tenant file's
        `odbc_driver`), not MsSqlHook, whose pymssql would be a second driver with its own TLS and login rules. The
        connection's extras become connection-string keywords (`Encrypt`, `TrustServerCertificate`)."""
        from airflow.providers.odbc.hooks.odbc import OdbcHook  # noqa: PLC0415 - only when a task runs (needs libodbc)

        config = self.config(tenant)
        hook = OdbcHook(
            odbc_conn_id=airflow_connection.conn_id,
            driver=config.odbc_driver,
            database=config.database,
            connect_kwargs={"autocommit": True},
        )
        server = hook.connection  # the hook's own copy, read once
        if server.port:  # Microsoft's driver reads the port from SERVER=host,port (no PORT keyword), as dbt does
            server.host, server.port = f"{server.host},{server.port}", None
        return hook.get_conn()

    def reader_connection_schema(self, tenant: TenantConfig) -> str:
        """A generic connection, as Cosmos's SQL Server mapping reads it: schema, and the database in extras."""
        return self.marts_schema(tenant)

    def reader_connection_extra(self, tenant: TenantConfig) -> str | None:
        return json.dumps({"database": self.config(tenant).database})
