{#-
    The ledger of the revenue marts (macros/mart_ledger.sql): every contribution (counted order, refund of one, FX
    rate) with the day it counts on and the hash of what the marts read from it, as of their last successful build.
    Built after them (it depends on both), so a failed mart leaves it as it was and the next run redoes the days.
-#}
{{ config(
    materialized='incremental',
    schema='core',
    unique_key='contribution_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_gone_contributions(ref('int_revenue__contribution_changes')) }}",
) }}
-- depends_on: {{ ref('mart_revenue_daily') }}
-- depends_on: {{ ref('mart_revenue_daily_by_channel') }}
{{ flexlake_contribution_ledger(flexlake_revenue_contributions(), ref('int_revenue__contribution_changes')) }}
