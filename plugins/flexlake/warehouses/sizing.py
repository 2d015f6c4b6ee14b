"""What each tier buys in the warehouse: dbt threads and, on Snowflake, the size of the tenant's warehouse and the
target lag of its dynamic tables (when its revenue marts are dynamic tables: the tier's freshness promise).

Sizes are per tier, not per tenant file, because the tier is what the customer pays for: a starter tenant
never gets an XL warehouse by a typo. Snowflake bills per second while a warehouse runs, so every
warehouse suspends itself after a minute idle (enterprise: five, since it runs every 15 minutes and a
resume costs a minute's minimum) and resumes on the next query.
"""

from dataclasses import dataclass

from flexlake.tenant_config.schema import Tier


@dataclass(frozen=True)
class TierSizing:
    threads: int
    snowflake_warehouse_size: str
    snowflake_auto_suspend_seconds: int
    snowflake_dynamic_table_target_lag: str


TIER_SIZING: dict[Tier, TierSizing] = {
    "starter": TierSizing(
        threads=1,
        snowflake_warehouse_size="XSMALL",
        snowflake_auto_suspend_seconds=60,
        snowflake_dynamic_table_target_lag="1 day",
    ),
    "professional": TierSizing(
        threads=4,
        snowflake_warehouse_size="MEDIUM",
        snowflake_auto_suspend_seconds=60,
        snowflake_dynamic_table_target_lag="1 hour",
    ),
    "enterprise": TierSizing(
        threads=8,
        snowflake_warehouse_size="XLARGE",
        snowflake_auto_suspend_seconds=300,
        snowflake_dynamic_table_target_lag="1 minute",
    ),
}


def sizing_for(tier: Tier) -> TierSizing:
    return TIER_SIZING[tier]
