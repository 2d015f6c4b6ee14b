"""The embedded default: a DuckDB file per tenant, plus one raw DuckDB file per source.

Raw data of each source gets its own file because DuckDB allows one writer per file: parallel syncs of
two sources would otherwise fight over one lock. dbt ATTACHes the raw files read-only (on-run-start).
"""

from pathlib import Path
from typing import Any

import duckdb
from cosmos.config import ProfileConfig

from flexlake import settings
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.schema import DuckDBWarehouse as DuckDBConfig
from flexlake.warehouses.base import DBT_PROFILE_NAME, RawLocation, raw_schema_name


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
        source_vars: dict[str, Any] = {}
        for source in tenant.sources:
            source_vars[f"raw_database__{source.system}"] = f"raw_{source.name}"
            source_vars[f"raw_schema__{source.system}"] = raw_schema_name(tenant, source.name)
        return {
            "flexlake_duckdb_path": str(self.warehouse_path(tenant)),
            "flexlake_schema_prefix": tenant.schema_prefix,
            "flexlake_duckdb_attach": attach,
            **source_vars,
        }

    def raw_location(self, tenant: TenantConfig, source_name: str) -> RawLocation:
        path = self.raw_path(tenant, source_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return RawLocation(
            kind="duckdb", database=path.stem, schema=raw_schema_name(tenant, source_name), path=str(path)
        )

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


def _count(row: tuple[Any, ...] | None) -> int:
    return int(row[0]) if row else 0
