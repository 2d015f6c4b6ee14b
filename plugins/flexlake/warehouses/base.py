"""What every warehouse provides to the pipeline: a dbt profile, dbt vars, where raw data lands, row counts.

One small class per warehouse type, registered by the config's `type` in `flexlake.warehouses`. The
classes hold no state and do no I/O at construction, so the DAG factory can call them at parse time.
"""

from typing import Any, Protocol

from cosmos.config import ProfileConfig

from flexlake.raw_destination import RawDestination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.provisioning import ProvisioningPlan, ProvisioningResult, validate_identifier
from flexlake.warehouses.reader_credentials import CredentialStore

DBT_PROFILE_NAME = "flexlake"
# The dbt project's custom schemas (`+schema:` in include/dbt/dbt_project.yml); a unit test keeps them in sync.
MODEL_LAYERS = ("staging", "input", "core", "marts", "reference")
# The only layer a tenant's reader may read.
READER_LAYER = "marts"


class Warehouse(Protocol):
    type: str

    def profile_config(self, tenant: TenantConfig) -> ProfileConfig:
        """The Cosmos profile, built without I/O (secrets are resolved by Cosmos when a task runs)."""
        ...

    def dbt_vars(self, tenant: TenantConfig) -> dict[str, Any]:
        """Vars telling the dbt project where this tenant's raw data lives and where to write."""
        ...

    def raw_location(self, tenant: TenantConfig, source_name: str) -> RawDestination:
        """Where an ingestion engine writes the source's raw tables (flexlake.raw_destination, the one shape both
        sides use). Resolved when a task runs: it may read an Airflow connection, whose secrets it carries."""
        ...

    def table_row_counts(self, tenant: TenantConfig, schema: str) -> dict[str, int]:
        """Rows per table (and view) of one schema, for the run summary; empty when the schema is missing."""
        ...

    def newest_extracted_at(self, tenant: TenantConfig) -> dict[str, dict[str, Any]]:
        """Per source, per raw table (lower-case): the newest `_airbyte_extracted_at` as the driver returns it
        (None for an empty table; a missing schema or table is absent). One connection for all sources."""
        ...

    def provisioning_plan(self, tenant: TenantConfig) -> ProvisioningPlan:
        """Schemas, roles and grants the tenant needs, as SQL; no I/O (validates the names it derives)."""
        ...

    def provision(self, tenant: TenantConfig, credentials: CredentialStore, *, force: bool) -> ProvisioningResult:
        """Execute the plan (skipped when not forced and the recorded fingerprint matches); idempotent."""
        ...

    def publish_reader_snapshot(self, tenant: TenantConfig) -> str | None:
        """After a run: refresh what the reader reads when it is a copy (DuckDB); None where grants suffice."""
        ...


def raw_schema_name(tenant: TenantConfig, source_name: str) -> str:
    """`<prefix>_raw_<source>`: tenant-prefixed so that tenants sharing a database never share a schema."""
    return f"{tenant.schema_prefix}_raw_{source_name}"


def model_schema_name(tenant: TenantConfig, layer: str) -> str:
    """Mirrors the dbt project's generate_schema_name: `<prefix>_<layer>`."""
    return f"{tenant.schema_prefix}_{layer}"


def tenant_schema_names(tenant: TenantConfig) -> tuple[str, ...]:
    """Every schema of the tenant (raw per source, then the model layers), validated for use in SQL."""
    prefix_fix = "shorten warehouse.schema_prefix (default: the tenant_id)"
    raw = [
        validate_identifier(
            raw_schema_name(tenant, source.name),
            f"sources[{index}].name",
            f"shorten the source name or {prefix_fix.removeprefix('shorten ')}",
        )
        for index, source in enumerate(tenant.sources)
    ]
    models = [
        validate_identifier(model_schema_name(tenant, layer), "warehouse.schema_prefix", prefix_fix)
        for layer in MODEL_LAYERS
    ]
    return (*raw, *models)
