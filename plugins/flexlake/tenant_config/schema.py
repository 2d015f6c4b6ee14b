"""The tenant file's schema: pydantic models only, no I/O.

A tenant file is the whole interface an operator has to a customer's pipeline, so the models are strict
(unknown keys are typos, not extensions), frozen (a config is a value, shared by the DAG factory, the CLI
and the warehouse code), and carry the only defaults in the product (`Field(default=...)`).
"""

from typing import Literal

from pydantic import Field, model_validator

from flexlake.tenant_config.alerts_schema import AlertsConfig
from flexlake.tenant_config.dbt_schema import DbtCustomization
from flexlake.tenant_config.derived_names import name_length_problems
from flexlake.tenant_config.errors import PATTERN_EXPLANATIONS
from flexlake.tenant_config.freshness_schema import FreshnessConfig, freshness_problems
from flexlake.tenant_config.realtime_schema import RealtimeConfig
from flexlake.tenant_config.schedule import schedule_problem
from flexlake.tenant_config.source_schema import (
    FakerSource,
    FakerSourceOptions,
    ShopifySource,
    SourceConfig,
    StripeSource,
)
from flexlake.tenant_config.source_systems import SOURCE_SYSTEM_CATALOG
from flexlake.tenant_config.warehouse_schema import (
    CONNECTION_ID_PATTERN,
    ENGINE_WAREHOUSES,
    IDENTIFIER_PATTERN,
    POSTGRES_FAMILY,
    StrictModel,
    WarehouseConfig,
)

Tier = Literal["starter", "professional", "enterprise"]
OWNER_PATTERN = r"^[^\x00-\x1f\x7f]{1,100}$"
PATTERN_EXPLANATIONS[OWNER_PATTERN] = "must be 1-100 characters on one line (no newlines or control characters)"

# Cron presets per tier. An enterprise tenant with a `realtime:` block runs on its events instead, over a floor cron.
TIER_SCHEDULES: dict[str, str] = {
    "starter": "@daily",
    "professional": "@hourly",
    "enterprise": "*/15 * * * *",
}
TIERS_WITH_CATALOG = frozenset({"professional", "enterprise"})


# --- sources: their models are source_schema.py's, the systems' catalog is source_systems.py ------------

# Re-exported: the DAG factory, the engines and the operator tools import the source models from here.
__all__ = [
    "SOURCE_SYSTEMS",
    "SUBSCRIPTION_SYSTEMS",
    "TIERS_WITH_CATALOG",
    "TIER_SCHEDULES",
    "AirbyteServerOptions",
    "CatalogOptions",
    "FakerSource",
    "FakerSourceOptions",
    "ShopifySource",
    "SourceConfig",
    "StripeSource",
    "TenantConfig",
    "Tier",
]
# The catalog's systems (tenant_config/source_systems.py), as the DAG factory and the operator tools read them.
SOURCE_SYSTEMS: tuple[str, ...] = tuple(SOURCE_SYSTEM_CATALOG)
SUBSCRIPTION_SYSTEMS = frozenset(name for name, system in SOURCE_SYSTEM_CATALOG.items() if system.has_subscriptions)


class AirbyteServerOptions(StrictModel):
    """The Airbyte server (Cloud or self-hosted) that runs the tenant's `engine: airbyte` sources."""

    connection_id: str = Field(
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection of the Airbyte server, as apache-airflow-providers-airbyte reads it: "
        "host = API root (https://api.airbyte.com/v1 or http://HOST:8000/api/public/v1), "
        "login / password = client id / secret.",
    )
    workspace: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="Airbyte workspace name (created when missing). Default: flexlake-<tenant_id>.",
    )
    poll_interval_seconds: int = Field(
        default=30, ge=5, le=3600, description="How often a running sync's job is polled (by the triggerer)."
    )
    sync_timeout_minutes: int = Field(
        default=180,
        ge=1,
        le=10080,
        description="A job not finished by then (e.g. stuck in queued) is cancelled and the task fails.",
    )


# --- dbt and catalog --------------------------------------------------------------------------------


class CatalogOptions(StrictModel):
    enabled: bool | None = Field(
        default=None,
        description="Publish dbt docs and artifacts. Default: on for professional and enterprise.",
    )


# --- the tenant -------------------------------------------------------------------------------------


class TenantConfig(StrictModel):
    """One customer: where its data comes from, where it goes, and what it pays for."""

    tenant_id: str = Field(pattern=IDENTIFIER_PATTERN, description="Used in the DAG id, schema names and paths.")
    display_name: str = Field(min_length=1, max_length=120, description="Shown in the Airflow UI.")
    tier: Tier = Field(
        description="starter: daily; professional: hourly + catalog; enterprise: every 15 min, or event-driven "
        "with a `realtime:` block.",
    )
    schedule: str | None = Field(
        default=None,
        max_length=100,
        description="Cron (5 fields, UTC) or preset (@hourly, @daily, ...) overriding the tier's schedule, e.g. "
        "'0 6 * * *'. The tier bounds how often: starter at most daily, professional hourly, enterprise every "
        "5 minutes.",
    )
    owner: str = Field(
        default="flexlake",
        pattern=OWNER_PATTERN,
        description="Airflow owner shown on every task: 1-100 characters, one line.",
    )
    warehouse: WarehouseConfig
    sources: tuple[SourceConfig, ...] = Field(min_length=1, description="Source systems synced before dbt.")
    airbyte: AirbyteServerOptions | None = Field(
        default=None, description="The Airbyte server of sources with engine: airbyte."
    )
    dbt: DbtCustomization = Field(default_factory=DbtCustomization)
    catalog: CatalogOptions = Field(default_factory=CatalogOptions)
    alerts: AlertsConfig | None = Field(default=None, description="Email / Slack on failed runs and warning tests.")
    realtime: RealtimeConfig | None = Field(
        default=None, description="Enterprise: runs started by messages on a Redis, Kafka or SQS queue."
    )
    freshness: FreshnessConfig | None = Field(
        default=None, description="Source freshness thresholds overriding the tier's (docs/alerts.md)."
    )

    @model_validator(mode="after")
    def _source_names_are_unique(self) -> "TenantConfig":
        names = [source.name for source in self.sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"sources: names must be unique within a tenant, repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _airbyte_sources_have_a_server(self) -> "TenantConfig":
        names = [source.name for source in self.sources if source.engine == "airbyte"]
        if names and self.airbyte is None:
            raise ValueError(
                f"airbyte: sources {', '.join(names)} use engine airbyte; add an `airbyte:` block naming the "
                "Airflow connection of the Airbyte server (airbyte.connection_id)"
            )
        return self

    @model_validator(mode="after")
    def _engines_can_write_to_the_warehouse(self) -> "TenantConfig":
        warehouse = self.warehouse.type
        for index, source in enumerate(self.sources):
            if warehouse not in ENGINE_WAREHOUSES[source.engine]:
                able = [engine for engine, types in ENGINE_WAREHOUSES.items() if warehouse in types]
                raise ValueError(
                    f"sources[{index}].engine: the {source.engine} engine cannot write raw data into {warehouse} "
                    f"(it has caches for {' and '.join(sorted(ENGINE_WAREHOUSES[source.engine]))} only); "
                    f"set engine: {' or '.join(able)} "
                    f"for source {source.name!r} and add the tenant's `airbyte:` block"
                )
        return self

    @model_validator(mode="after")
    def _schema_prefix_is_not_reserved(self) -> "TenantConfig":
        if self.warehouse.type in POSTGRES_FAMILY and self.schema_prefix.startswith("pg_"):
            raise ValueError(
                f"warehouse.schema_prefix: schemas would start with {self.schema_prefix!r}, and the prefix 'pg_' is "
                f"reserved by {self.warehouse.type}; set warehouse.schema_prefix to a name not starting with pg_"
            )
        return self

    @model_validator(mode="after")
    def _schedule_is_valid_for_the_tier(self) -> "TenantConfig":
        problem = schedule_problem(self.schedule, self.tier) if self.schedule is not None else None
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _derived_names_fit(self) -> "TenantConfig":
        problems = name_length_problems(self.tenant_id, self.schema_prefix, tuple(s.name for s in self.sources))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _catalog_is_paid_for(self) -> "TenantConfig":
        if self.catalog.enabled and self.tier not in TIERS_WITH_CATALOG:
            raise ValueError(
                f"catalog.enabled: the {self.tier} tier does not include a data catalog; "
                "remove the setting or move the tenant to the professional tier"
            )
        return self

    @model_validator(mode="after")
    def _realtime_is_paid_for(self) -> "TenantConfig":
        if self.realtime is not None and self.tier != "enterprise":
            raise ValueError(
                f"realtime: event-driven runs are part of the enterprise tier, not {self.tier}; "
                "remove the `realtime:` block or set tier: enterprise"
            )
        if self.realtime is not None and self.schedule is not None:
            raise ValueError(
                "schedule: a realtime tenant's schedule is its floor, realtime.max_staleness_minutes; "
                "remove `schedule:` and set realtime.max_staleness_minutes"
            )
        return self

    @model_validator(mode="after")
    def _freshness_fits_the_sources(self) -> "TenantConfig":
        if self.freshness is None:
            return self
        problems = freshness_problems(self.tier, self.effective_schedule, self.freshness, self.source_names)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective_schedule(self) -> str:
        """The cron the tenant runs on: for a realtime tenant, the floor under its event-driven runs."""
        if self.realtime is not None:
            return self.realtime.floor_cron
        return self.schedule or TIER_SCHEDULES[self.tier]

    @property
    def source_names(self) -> tuple[str, ...]:
        return tuple(source.name for source in self.sources)

    @property
    def catalog_enabled(self) -> bool:
        if self.catalog.enabled is not None:
            return self.catalog.enabled
        return self.tier in TIERS_WITH_CATALOG

    @property
    def schema_prefix(self) -> str:
        prefix = getattr(self.warehouse, "schema_prefix", None)
        return prefix or self.tenant_id
