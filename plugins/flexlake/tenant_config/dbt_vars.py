"""The dbt vars a tenant file may set (`dbt.vars`), each with its type and allowed values.

Every value here reaches SQL (include/dbt reads them with `var()`), so none is free text: a closed vocabulary,
a bounded number, a date, or a pattern (currency codes, relation names). Unknown names are rejected with
"did you mean"; the vars the pipeline sets itself (`flexlake_*`: schemas, paths, systems) are not settable.
What each var changes: include/dbt/README.md, "Vars".
"""

from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from flexlake.tenant_config.errors import PATTERN_EXPLANATIONS
from flexlake.tenant_config.warehouse_schema import StrictModel

CURRENCY_PATTERN = r"^[A-Z]{3}$"
# "schema.table" or "database.schema.table", plain identifiers only (no quoting, no SQL).
RELATION_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62}){1,2}$"
PATTERN_EXPLANATIONS[CURRENCY_PATTERN] = "must be an ISO 4217 currency code: three upper-case letters, e.g. USD"
PATTERN_EXPLANATIONS[RELATION_PATTERN] = (
    "must be schema.table or database.schema.table: letters, digits and underscores, each part starting with a "
    "letter or underscore, no quotes"
)
OrderStatus = Literal["pending", "completed", "partially_returned", "returned", "cancelled"]


def _currency(description: str) -> Any:
    return Field(default=None, pattern=CURRENCY_PATTERN, description=description)


class DbtVars(StrictModel):
    """dbt vars a tenant may change; unset ones keep the product's default (include/dbt/dbt_project.yml)."""

    revenue_basis: Literal["net", "gross"] | None = Field(
        default=None, description="What the marts' revenue reports: net (gross minus refunds, default) or gross."
    )
    counted_order_statuses: tuple[OrderStatus, ...] | None = Field(
        default=None,
        min_length=1,
        description="Order statuses counted in the marts (default: completed, partially_returned, returned).",
    )
    active_customer_window_days: int | None = Field(
        default=None, strict=True, ge=1, le=36500, description="A customer is active within this many days (365)."
    )
    as_of_date: date | None = Field(
        default=None, description="As-of date of is_active and days_since_last_order (default: latest order date)."
    )
    fiscal_year_start_month: int | None = Field(
        default=None, strict=True, ge=1, le=12, description="First month (1-12) of the fiscal year (default 1)."
    )
    reporting_currency: str | None = _currency("The currency the marts report in (default USD).")
    fx_rates_relation: str | None = Field(
        default=None,
        pattern=RELATION_PATTERN,
        description="The tenant's FX rate table, schema.table or database.schema.table (default: none).",
    )
    faker_currency_code: str | None = _currency("The currency of faker's prices (default USD).")
    shopify_shop_currency_code: str | None = _currency("The currency of Shopify product prices (default USD).")
    calendar_start_date: date | None = Field(default=None, description="First day of dim_calendar (2000-01-01).")
    calendar_end_date: date | None = Field(default=None, description="Last day of dim_calendar (2030-12-31).")
    incremental_lookback_hours: int | None = Field(
        default=None, strict=True, ge=0, le=8760, description="Hours incremental facts re-read (default 72)."
    )

    @field_validator("as_of_date", "calendar_start_date", "calendar_end_date", mode="before")
    @classmethod
    def _dates_are_written_as_dates(cls, value: Any) -> Any:
        """Pydantic reads a number as a Unix timestamp; in a tenant file it is a typo, not a date."""
        if isinstance(value, int | float):
            raise ValueError("must be a date written YYYY-MM-DD, e.g. 2026-01-31")
        return value

    @model_validator(mode="after")
    def _calendar_range_is_ordered(self) -> "DbtVars":
        start, end = self.calendar_start_date, self.calendar_end_date
        if start and end and start > end:
            raise ValueError(f"calendar_start_date {start} is after calendar_end_date {end}; swap them")
        return self

    def as_dbt_vars(self) -> dict[str, Any]:
        """The vars set, as dbt receives them (dates as ISO text, lists as lists)."""
        return self.model_dump(mode="json", exclude_none=True)
