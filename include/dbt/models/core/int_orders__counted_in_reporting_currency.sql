{#-
    The orders the converted marts count (status in var counted_order_statuses), each with its rate into the
    reporting currency (var reporting_currency) on its order date (dim_fx_rates: the latest rate on or before
    the day) and its amount at that rate, unrounded: mart_revenue_daily, int_customers__order_totals (for
    mart_customer_lifetime and mart_customer_rfm) and mart_product_performance read it, so "counted" and "converted"
    are defined once. An order without a rate has fx_rate and amount_in_reporting_currency null (the marts count
    it as unconverted, never add it unconverted). Refunds are converted by the marts at their own refund date.
    The reconciliation tests (tests/marts) recompute these figures from fct_orders on their own.

    A view: each mart's filter (order date, customer) reaches fct_orders through it, as with the former inline
    CTEs, and the DuckDB 1 M build is no slower (docs/benchmarks.md, "dbt without repetition"). A table would
    rewrite every counted order on every run, incremental would have to follow FX rate changes too, and an
    ephemeral model is a nested CTE, which SQL Server does not have.
-#}
{{ config(materialized='view') }}
select
    fct_orders.order_key,
    fct_orders.order_status,
    fct_orders.customer_key,
    fct_orders.source_relation,
    fct_orders.customer_id,
    fct_orders.ordered_at,
    fct_orders.order_date,
    fct_orders.currency_code,
    fct_orders.amount,
    fx.rate as fx_rate,
    {{ flexlake_fx_multiply('fct_orders.amount', 'fx.rate') }} as amount_in_reporting_currency
from {{ ref('fct_orders') }} as fct_orders
left join {{ ref('dim_fx_rates') }} as fx
    on {{ flexlake_fx_rate_applies('fx', 'fct_orders.currency_code', 'fct_orders.order_date') }}
where fct_orders.order_status in {{ flexlake_counted_order_statuses() }}
