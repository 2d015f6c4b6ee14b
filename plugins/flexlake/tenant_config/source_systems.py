"""The catalog of source systems: one row per system the product can sync and model.

A source system has parts in several places, and each is derived from this table or checked against it by
tests/unit/tenant_config/test_source_systems.py:
- the tenant file: the `system:` and `streams:` enums, the default engine and which engines are allowed
  (tenant_config/source_schema.py);
- the engines: PyAirbyte's connector venv (`embedded`, ingestion/embedded_pyairbyte.py), dlt's source
  (`dlt`, ingestion/embedded_dlt.py) and the Airbyte server's typed connector builder (`airbyte`,
  ingestion/airbyte_api/connectors.py);
- the data product: its staging and adapter folders, include/dbt/models/{staging,adapters}/<system>/.

Adding a system is its row here, its source model in source_schema.py, its builder, its dbt folders: the test names
whichever part is missing. Plain data, no I/O: the loader, the DAG factory and the engines all read it.
"""

from dataclasses import dataclass
from typing import Literal, get_args

# The `system:` values of a tenant file's sources (a Literal, so that models and mypy see the closed list).
SourceSystemName = Literal["faker", "shopify", "stripe"]
# The engines a source can run on (the `engine:` field): PyAirbyte in the task, dlt in the task, an Airbyte server.
EngineName = Literal["embedded", "airbyte", "dlt"]
ENGINES: tuple[EngineName, ...] = get_args(EngineName)

# Each system's streams: the tenant file's `streams:` enum, in the connector's order.
FakerStream = Literal["users", "products", "purchases"]
ShopifyStream = Literal["customers", "products", "product_variants", "orders", "transactions", "order_refunds"]
StripeStream = Literal[
    "customers",
    "products",
    "prices",
    "subscriptions",
    "subscription_items",
    "invoices",
    "invoice_line_items",
    "charges",
    "refunds",
]


@dataclass(frozen=True)
class SourceSystem:
    """What the product knows of one source system."""

    name: SourceSystemName
    streams: tuple[str, ...]
    # Engines with a connector for it; the first is the tenant file's default.
    engines: tuple[EngineName, ...]
    # Its connector reads a secret from the source's Airflow connection (`credentials_connection_id`).
    needs_credentials: bool
    # It has subscriptions: without such a system the subscriptions mart would only build empty.
    has_subscriptions: bool = False

    @property
    def default_engine(self) -> EngineName:
        return self.engines[0]

    @property
    def dbt_folders(self) -> tuple[str, ...]:
        """Its folders under include/dbt/models: the staging models of its raw streams, and its adapters."""
        return (f"staging/{self.name}", f"adapters/{self.name}")


SOURCE_SYSTEM_CATALOG: dict[str, SourceSystem] = {
    system.name: system
    for system in (
        SourceSystem("faker", get_args(FakerStream), ("embedded", "airbyte", "dlt"), needs_credentials=False),
        SourceSystem("shopify", get_args(ShopifyStream), ("airbyte",), needs_credentials=True),
        SourceSystem("stripe", get_args(StripeStream), ("airbyte",), needs_credentials=True, has_subscriptions=True),
    )
}
if tuple(SOURCE_SYSTEM_CATALOG) != get_args(SourceSystemName):
    raise RuntimeError("source_systems.py: SourceSystemName and SOURCE_SYSTEM_CATALOG must list the same systems")


def systems_on_engine(engine: str) -> frozenset[str]:
    """The systems an engine has a connector for."""
    return frozenset(name for name, system in SOURCE_SYSTEM_CATALOG.items() if engine in system.engines)


def engine_problem(system_name: str, engine: str) -> str | None:
    """Why a source of this system cannot run on this engine (the tenant file's `engine:` field), or None."""
    system = SOURCE_SYSTEM_CATALOG[system_name]
    if engine in system.engines:
        return None
    able = sorted(systems_on_engine(engine))
    what = {
        "embedded": "the embedded engine (PyAirbyte in the image) has no connector for this source",
        "dlt": f"the dlt engine has a source for system {' and '.join(able)} only, not for this one",
    }.get(engine, f"the {engine} engine has no connector for system {system_name}")
    fix = " or ".join(system.engines)
    server = " with the tenant's `airbyte:` block" if system.default_engine == "airbyte" else ""
    return f"engine: {what}; use engine: {fix}{server}"
