"""The `dbt:` block of a tenant file: how the tenant's marts differ from the product's.

All four kinds of customization a tenant has: remove (marts, models), change definitions (vars), add columns
(pass-through columns from the raw data), replace or add models (an overlay dbt project).
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from flexlake.tenant_config.dbt_vars import DbtVars
from flexlake.tenant_config.errors import PATTERN_EXPLANATIONS
from flexlake.tenant_config.source_systems import SourceSystemName
from flexlake.tenant_config.warehouse_schema import StrictModel

# The marts of the data product a tenant may switch off, as dbt directory names under models/marts/.
MART_NAMES = ("revenue", "customers", "subscriptions", "products")
Mart = Literal["revenue", "customers", "subscriptions", "products"]
# Entities whose raw fields a tenant may pass through, and where they appear (include/dbt/macros/pass_through.sql).
PassThroughEntity = Literal["customers", "orders", "products"]
PASS_THROUGH_ENTITIES: tuple[PassThroughEntity, ...] = ("customers", "orders", "products")
COLUMN_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
# A dbt node selector (`mart_x`, `tag:x`, `path:models/x`, `+model`, `model+`): no spaces, no leading dash.
SELECTOR_PATTERN = r"^[A-Za-z0-9_.:+*/@][A-Za-z0-9_.:+*/@-]{0,199}$"
PATTERN_EXPLANATIONS[COLUMN_NAME_PATTERN] = (
    "must be lower-case letters, digits and underscores, starting with a letter, at most 63 characters"
)
PATTERN_EXPLANATIONS[SELECTOR_PATTERN] = (
    "must be a dbt selector such as mart_revenue_daily, tag:x or path:models/x (no spaces, no leading dash)"
)


class PassThroughColumn(StrictModel):
    """One raw field of a source system carried to core and marts (customers: dim_customers and
    mart_customer_lifetime; orders: fct_orders; products: dim_products and mart_product_performance)."""

    system: SourceSystemName = Field(description="The source system whose stream has it.")
    column: str = Field(
        pattern=COLUMN_NAME_PATTERN, description="The field as Airbyte writes it (a top-level column of the stream)."
    )
    name: str | None = Field(
        default=None,
        pattern=COLUMN_NAME_PATTERN,
        description="Its name in core and marts (default: the column). Must not be a product column's name.",
    )
    type: Literal["string", "integer", "number", "boolean", "timestamp"] = Field(
        default="string", description="The type it is cast to."
    )

    @property
    def output_name(self) -> str:
        return self.name or self.column


class DbtCustomization(StrictModel):
    """How this tenant's marts differ from the product's: models removed, definitions changed, models replaced
    or added (an overlay dbt project; checked on disk by the loader, tenant_config/overlay.py)."""

    disabled_marts: tuple[Mart, ...] = Field(default=(), description="Marts not built for this tenant.")
    exclude_models: tuple[Annotated[str, Field(pattern=SELECTOR_PATTERN)], ...] = Field(
        default=(), description="Further dbt selectors excluded from the build (e.g. 'mart_revenue_daily')."
    )
    vars: DbtVars = Field(
        default_factory=DbtVars,
        description="dbt vars that change definitions, e.g. revenue_basis: gross. See include/dbt/README.md.",
    )
    pass_through_columns: dict[PassThroughEntity, tuple[PassThroughColumn, ...]] = Field(
        default_factory=dict,
        description="Raw fields carried to core and marts per entity (customers, orders, products), e.g. "
        "customers: [{system: shopify, column: tags, name: customer_tags}]. See include/dbt/README.md.",
    )
    overlay_project: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Folder of the tenant's overlay dbt project, relative to this file's folder (convention: "
        "overlays/<tenant_id>): a thin dbt project with the product as a `local:` package that replaces or adds "
        "models. Built by `make manifest`. Recipe: include/dbt/README.md, 'Per-tenant customization'.",
    )

    @model_validator(mode="after")
    def _pass_through_names_are_unique(self) -> "DbtCustomization":
        for entity, columns in self.pass_through_columns.items():
            names = [column.output_name for column in columns]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise ValueError(
                    f"dbt.pass_through_columns.{entity}: names must be unique, repeated: {', '.join(repeated)}; "
                    "give one of them another `name:`"
                )
        return self

    def pass_through_var(self) -> dict[str, list[dict[str, str]]]:
        """The dbt var flexlake_pass_through_columns (macros/pass_through.sql)."""
        return {
            entity: [{"system": c.system, "column": c.column, "name": c.output_name, "type": c.type} for c in columns]
            for entity, columns in self.pass_through_columns.items()
        }
