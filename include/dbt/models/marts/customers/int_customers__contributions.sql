{#-
    The ledger of int_customers__order_totals (macros/mart_ledger.sql): every contribution (counted order of a known
    customer, refund of one, FX rate) with its customer and the hash of what the totals read from it, as of their
    last successful build. Built after them, so a failed build leaves it as it was and the next run redoes the
    customers.
-#}
{{ config(
    materialized='incremental',
    schema='core',
    unique_key='contribution_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_gone_contributions(ref('int_customers__contribution_changes')) }}",
) }}
-- depends_on: {{ ref('int_customers__order_totals') }}
{{ flexlake_contribution_ledger(flexlake_customer_contributions(), ref('int_customers__contribution_changes')) }}
