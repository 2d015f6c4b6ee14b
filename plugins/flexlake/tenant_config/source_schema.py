"""The `sources:` entries of a tenant file: one model per source system, discriminated by `system`.

What a system offers (streams, engines, credentials) is its row in the catalog, source_systems.py; the models
here take their stream enums, default engines and engine rules from it. Adding a system is its row there, its
model here (and in `SourceConfig`), its connector builder and its dbt folders (tests/unit/tenant_config/
test_source_systems.py names a missing part).
"""

from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from flexlake.tenant_config.source_systems import (
    SOURCE_SYSTEM_CATALOG,
    EngineName,
    FakerStream,
    ShopifyStream,
    SourceSystemName,
    StripeStream,
    engine_problem,
)
from flexlake.tenant_config.warehouse_schema import CONNECTION_ID_PATTERN, IDENTIFIER_PATTERN, StrictModel


class FakerSourceOptions(StrictModel):
    """Options of Airbyte's source-faker connector (users, products, purchases)."""

    count: int = Field(default=1000, ge=1, le=10_000_000, description="Number of users to generate.")
    seed: int = Field(
        default=42, ge=0, description="Random seed: the same seed gives the same data (with parallelism 1)."
    )
    records_per_slice: int = Field(default=1000, ge=1, description="Records per state checkpoint.")
    # The connector's own default is 4 workers, and its workers interleave their random draws: the same seed
    # then gives different orders on every read. 1 keeps the seed's promise; raise it only for large counts.
    parallelism: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Generator workers. 1 (the default) makes a seed reproducible; more is faster but not repeatable.",
    )
    always_updated: bool = Field(
        default=True,
        description="true (the connector's default): every sync re-emits every record as updated now. false: a sync "
        "after the first emits nothing (the connector's incremental state), so a run with nothing new skips dbt. "
        "Engines embedded and airbyte only.",
    )


class _Source(StrictModel):
    """What every source has; which engines may run it comes from its row in the catalog (source_systems.py)."""

    system: SourceSystemName
    name: str = Field(
        pattern=IDENTIFIER_PATTERN,
        description="Name of this source within the tenant; raw tables land in schema <prefix>_raw_<name>.",
    )
    engine: EngineName

    @model_validator(mode="after")
    def _engine_has_the_connector(self) -> "_Source":
        problem = engine_problem(self.system, self.engine)
        if problem:
            raise ValueError(f"{problem} (source {self.name!r})")
        return self


class FakerSource(_Source):
    system: Literal["faker"]
    engine: EngineName = Field(
        default=SOURCE_SYSTEM_CATALOG["faker"].default_engine,
        description="embedded: PyAirbyte runs the connector inside the Airflow task; "
        "airbyte: an Airbyte server runs it (needs the tenant's `airbyte:` block); "
        "dlt: dlt generates the same records inside the task, Apache-licensed (the hosted tier's engine).",
    )
    credentials_connection_id: str | None = Field(
        default=None,
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection holding the source system's credentials (engine airbyte). Faker needs none.",
    )
    streams: tuple[FakerStream, ...] = Field(
        default=get_args(FakerStream), min_length=1, description="Streams to sync."
    )
    options: FakerSourceOptions = Field(default_factory=FakerSourceOptions)

    @model_validator(mode="after")
    def _dlt_always_updates(self) -> "FakerSource":
        if self.engine == "dlt" and not self.options.always_updated:
            raise ValueError(
                f"options.always_updated: false needs the connector's incremental state, which engine dlt does not "
                f"keep (it re-emits every record): use engine embedded or airbyte, or drop the option "
                f"(source {self.name!r})"
            )
        return self


class _AirbyteOnlySource(_Source):
    """A SaaS source run by an Airbyte server: its connector is not installed in the image for the
    embedded engine, and it needs credentials from an Airflow connection."""

    engine: EngineName = Field(
        default="airbyte", description="airbyte (the only engine with this connector); needs the `airbyte:` block."
    )
    credentials_connection_id: str = Field(
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection holding the source system's credentials (see docs/airbyte.md).",
    )
    start_date: date = Field(description="Sync records created or updated from this date (UTC).")


class ShopifySource(_AirbyteOnlySource):
    """A Shopify store, through Airbyte's source-shopify (one source per store)."""

    system: Literal["shopify"]
    shop: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$", description="The store's name, as in <shop>.myshopify.com.")
    streams: tuple[ShopifyStream, ...] = Field(
        default=get_args(ShopifyStream), min_length=1, description="Streams to sync."
    )


class StripeSource(_AirbyteOnlySource):
    """A Stripe account, through Airbyte's source-stripe."""

    system: Literal["stripe"]
    account_id: str = Field(pattern=r"^acct_[A-Za-z0-9]{1,40}$", description="The Stripe account id, acct_...")
    streams: tuple[StripeStream, ...] = Field(
        default=get_args(StripeStream), min_length=1, description="Streams to sync."
    )


SourceConfig = Annotated[FakerSource | ShopifySource | StripeSource, Field(discriminator="system")]
