{#-
    What the revenue marts (mart_revenue_daily, mart_revenue_daily_by_channel) read, one row per contribution
    (macros/mart_ledger.sql): each counted order on its order date, each refund of a counted order on its refund
    date, each FX rate with its validity. contribution_hash covers every value those marts read from the row, so
    a change of any of them (an amount, a channel, a currency, the order a refund belongs to) recomputes the days
    before and after; a change they do not read (an order going from completed to returned, both counted) does
    not. Narrow columns of the facts only: no FX join.
-#}
{% macro flexlake_revenue_contributions() -%}
select
    {{ flexlake_concat(["'order|'", 'order_key']) }} as contribution_key,
    cast('order' as {{ flexlake_type_string() }}) as contribution_kind,
    order_date as contribution_date,
    cast(null as date) as range_end,
    cast(null as {{ flexlake_type_string() }}) as grain_key,
    {{ flexlake_surrogate_key(['order_date', 'channel', 'currency_code', 'amount']) }} as contribution_hash
from {{ ref('fct_orders') }}
where order_status in {{ flexlake_counted_order_statuses() }}

union all

select
    {{ flexlake_concat(["'refund|'", 'refunds.refund_key']) }} as contribution_key,
    cast('refund' as {{ flexlake_type_string() }}) as contribution_kind,
    refunds.refund_date as contribution_date,
    cast(null as date) as range_end,
    cast(null as {{ flexlake_type_string() }}) as grain_key,
    {{ flexlake_surrogate_key(['refunds.refund_date', 'refunds.order_key', 'refunds.amount', 'refunds.currency_code',
        'counted_orders.channel', 'counted_orders.currency_code']) }} as contribution_hash
from {{ ref('fct_refunds') }} as refunds
inner join (
    select order_key, channel, currency_code from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
) as counted_orders
    on refunds.order_key = counted_orders.order_key

union all

{{ flexlake_fx_contributions() }}
{%- endmacro %}

{#- Every day with a counted order or a refund: what a revenue mart recomputes when there is no ledger yet. -#}
{% macro flexlake_revenue_every_day() -%}
select order_date as grain_date from {{ ref('fct_orders') }}
union
select refund_date as grain_date from {{ ref('fct_refunds') }}
{%- endmacro %}
