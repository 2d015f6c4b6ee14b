"""The embedded default: a DuckDB file per tenant, plus one raw DuckDB file per source.

Raw data of each source gets its own file because DuckDB allows one writer per file: parallel syncs of
two sources would otherwise fight over one lock. dbt ATTACHes the raw files read-only (on-run-start).

Provisioning creates the model schemas in the tenant's file. DuckDB has no users or grants, so the
"reader" never opens that file: after each run the pipeline publishes a copy of the marts (reader.duckdb
beside it), which readers open read-only and sandboxed (`reader_connection`; duckdb_reader.py says why).
"""

import time
from pathlib import Path
from typing import Any

import duckdb
from cosmos.config import ProfileConfig
from psycopg2 import sql

from flexlake import settings
from flexlake.raw_destination import DuckDBDestination
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.warehouse_schema import DuckDBWarehouse as DuckDBConfig
from flexlake.warehouses.base import (
    DBT_PROFILE_NAME,
    MODEL_LAYERS,
    READER_LAYER,
    model_schema_name,
    raw_schema_name,
    tenant_schema_names,
)
from flexlake.warehouses.duckdb_reader import READER_FILE_NAME, open_reader, publish_reader_copy
from flexlake.warehouses.provisioning import (
    BOOKKEEPING_SCHEMA,
    BOOKKEEPING_TABLE,
    ProvisioningPlan,
    ProvisioningResult,
    Statement,
    render_sql,
)
from flexlake.warehouses.raw_freshness import newest_by_table
from flexlake.warehouses.reader_credentials import CredentialStore
from flexlake.warehouses.source_vars import source_system_vars

_BOOKKEEPING = f'"{BOOKKEEPING_SCHEMA}"."{BOOKKEEPING_TABLE}"'


class DuckDBWarehouse:
    type = "duckdb"

    def warehouse_path(self, tenant: TenantConfig) -> Path:
        assert isinstance(tenant.warehouse, DuckDBConfig)
        if tenant.warehouse.path:
            return Path(tenant.warehouse.path).expanduser()
        return settings.DATA_DIR / tenant.tenant_id / "warehouse.duckdb"

    def raw_path(self, tenant: TenantConfig, source_name: str) -> Path:
        return self.warehouse_path(tenant).parent / f"raw_{source_name}.duckdb"

    def profile_config(self, tenant: TenantConfig) -> ProfileConfig:
        return ProfileConfig(
            profile_name=DBT_PROFILE_NAME,
            target_name="duckdb",
            profiles_yml_filepath=settings.DBT_PROJECT_DIR / "profiles.yml",
        )

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        attach = [
            {"path": str(self.raw_path(tenant, source.name)), "alias": f"raw_{source.name}"}
            for source in tenant.sources
        ]
        return {
            "flexlake_duckdb_path": str(self.warehouse_path(tenant)),
            "flexlake_schema_prefix": tenant.schema_prefix,
            "flexlake_duckdb_attach": attach,
            **source_system_vars(tenant, lambda source_name: f"raw_{source_name}"),
        }

    def raw_location(self, tenant: TenantConfig, source_name: str) -> DuckDBDestination:
        path = self.raw_path(tenant, source_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return DuckDBDestination(path=path, schema=raw_schema_name(tenant, source_name))

    def table_row_counts(self, tenant: TenantConfig, schema: str) -> dict[str, int]:
        path = self.warehouse_path(tenant)
        if not path.exists():
            return {}
        # Not read_only: dbt may hold this file open in the same process (in-process dbt runner), and DuckDB
        # refuses a second connection with a different configuration. Only selects are run.
        with duckdb.connect(str(path)) as connection:
            names = connection.execute(
                "select table_name from information_schema.tables where table_schema = ? order by table_name",
                [schema],
            ).fetchall()
            return {
                name: _count(connection.execute(f'select count(*) from "{schema}"."{name}"').fetchone())
                for (name,) in names
            }

    def newest_extracted_at(self, tenant: TenantConfig) -> dict[str, dict[str, Any]]:
        """Each source's raw file, read-only (ingestion is over; dbt attaches the files read-only too)."""
        newest: dict[str, dict[str, Any]] = {}
        for source in tenant.sources:
            path = self.raw_path(tenant, source.name)
            if not path.exists():  # the source's first sync has not run
                newest[source.name] = {}
                continue
            with duckdb.connect(str(path), read_only=True) as connection:
                newest[source.name] = newest_by_table(connection.cursor(), raw_schema_name(tenant, source.name), "?")
        return newest

    def reader_path(self, tenant: TenantConfig) -> Path:
        return self.warehouse_path(tenant).parent / READER_FILE_NAME

    def reader_connection(self, tenant: TenantConfig) -> duckdb.DuckDBPyConnection:
        """What a tenant's reader gets: the published marts copy, read-only, without filesystem access."""
        return open_reader(self.reader_path(tenant))

    def publish_reader_snapshot(self, tenant: TenantConfig) -> str | None:
        """Replace the reader's copy of the marts with the live file's (after each run; atomic rename)."""
        live = self.warehouse_path(tenant)
        if not live.exists():
            return None
        marts = model_schema_name(tenant, READER_LAYER)
        tables = publish_reader_copy(live, self.reader_path(tenant), marts)
        return f"{self.reader_path(tenant)}: {tables} tables of {marts}"

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        tenant_schema_names(tenant)  # validates the raw schema names too, though they live in the raw files
        schemas = tuple(model_schema_name(tenant, layer) for layer in MODEL_LAYERS)
        path = self.warehouse_path(tenant)
        return ProvisioningPlan(
            tenant_id=tenant.tenant_id,
            warehouse_type=self.type,
            schemas=schemas,
            statements=tuple(
                Statement(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)), f"schema {schema}")
                for schema in schemas
            ),
            notes=(
                f"file {path}; raw schemas live in the raw_<source>.duckdb files beside it (ingestion creates them)",
                "reader: DuckDB has no users or grants; after each run the pipeline publishes the marts to "
                f"{self.reader_path(tenant)} (a copy, renamed into place), which readers open with "
                "read_only=True and enable_external_access=false (DuckDBWarehouse().reader_connection): no "
                "writes, no file or network access, no ATTACH; the live file is never opened by a reader",
            ),
        )

    def provision(self, tenant: TenantConfig, credentials: CredentialStore, *, force: bool) -> ProvisioningResult:
        """Create the schemas in the tenant's file; no credentials (see the module docstring)."""
        started = time.monotonic()
        plan = self.provisioning_plan(tenant)
        path = self.warehouse_path(tenant)
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as connection:
            if not force and _recorded_fingerprint(connection, tenant.tenant_id) == plan.fingerprint:
                return ProvisioningResult(
                    tenant.tenant_id, plan.fingerprint, True, "not applicable", time.monotonic() - started
                )
            connection.execute("BEGIN TRANSACTION")
            for statement in plan.statements:
                connection.execute(render_sql(statement.query))
            _record_fingerprint(connection, tenant.tenant_id, plan.fingerprint)
            connection.execute("COMMIT")
        return ProvisioningResult(
            tenant.tenant_id,
            plan.fingerprint,
            False,
            "not applicable",
            time.monotonic() - started,
            statements_executed=len(plan.statements),
        )


def _recorded_fingerprint(connection: duckdb.DuckDBPyConnection, tenant_id: str) -> str | None:
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [BOOKKEEPING_SCHEMA, BOOKKEEPING_TABLE],
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = connection.execute(f"select fingerprint from {_BOOKKEEPING} where tenant_id = ?", [tenant_id]).fetchone()
    return str(row[0]) if row else None


def _record_fingerprint(connection: duckdb.DuckDBPyConnection, tenant_id: str, fingerprint: str) -> None:
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{BOOKKEEPING_SCHEMA}"')
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {_BOOKKEEPING} (tenant_id varchar PRIMARY KEY, fingerprint varchar NOT NULL, "
        "provisioned_at timestamptz NOT NULL DEFAULT current_timestamp)"
    )
    connection.execute(
        f"INSERT OR REPLACE INTO {_BOOKKEEPING} (tenant_id, fingerprint) VALUES (?, ?)", [tenant_id, fingerprint]
    )


def _count(row: tuple[Any, ...] | None) -> int:
    return int(row[0]) if row else 0
