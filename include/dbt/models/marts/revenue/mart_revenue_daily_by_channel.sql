{#-
    mart_revenue_daily split by sales channel and currency: the same definitions (counted statuses,
    refunds on their own day, revenue_basis), one row per day, channel and currency. Each currency is
    its own row, so no amounts of different currencies are ever added up here.

    Incremental (delete+insert on revenue_date: every channel and currency of a day together): a run recomputes
    only the days whose orders or refunds changed since the last build, before and after the change
    (macros/mart_ledger.sql); a day left without rows gets a marker row (orders null) that the post-hook deletes.
    No FX here, so a changed rate changes nothing. A full refresh builds every day.
    On a Snowflake tenant that chose it, a dynamic table instead (macros/dynamic_tables.sql).
-#}
{{ config(
    materialized=flexlake_revenue_mart_materialization(),
    unique_key='revenue_date',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    target_lag=flexlake_dynamic_table_target_lag(),
    snowflake_warehouse=flexlake_dynamic_table_warehouse(),
    post_hook=["{{ flexlake_delete_marker_rows('orders') }}", "{{ flexlake_refresh_dynamic_table() }}"],
) }}
-- depends_on: {{ ref('int_revenue__contribution_changes') }}
{%- set incremental = flexlake_is_incremental_run() %}
with
{%- if incremental %}

affected_days as (

    {{ flexlake_affected_days(ref('int_revenue__contribution_changes'), 'int_revenue__contributions', 'revenue_date',
        flexlake_revenue_every_day()) | indent(4) }}

),
{%- endif %}

counted_orders as (

    select
        order_key,
        order_date,
        channel,
        currency_code,
        amount
    from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}

),

orders as (

    select * from counted_orders
    {%- if incremental %}
    where order_date in (select grain_date from affected_days)
    {%- endif %}

),

refunds as (

    select
        fct_refunds.refund_date,
        fct_refunds.order_key,
        fct_refunds.amount,
        counted_orders.channel,
        counted_orders.currency_code
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join counted_orders
        on fct_refunds.order_key = counted_orders.order_key
    {%- if incremental %}
    where fct_refunds.refund_date in (select grain_date from affected_days)
    {%- endif %}

),

order_days as (

    select
        order_date as revenue_date,
        channel,
        currency_code,
        count(*) as orders,
        sum(amount) as gross_revenue
    from orders
    group by order_date, channel, currency_code

),

refund_days as (

    select
        refund_date as revenue_date,
        channel,
        currency_code,
        count(distinct order_key) as returned_orders,
        sum(amount) as refunds
    from refunds
    group by refund_date, channel, currency_code

),

revenue_days as (

    select
        revenue_date,
        channel,
        currency_code
    from order_days
    union
    select
        revenue_date,
        channel,
        currency_code
    from refund_days
    {%- if incremental %}
    union
    {#- one marker row (orders null) per affected day, deleted by the post-hook: a day left without rows loses them #}
    select
        grain_date as revenue_date,
        cast(null as {{ flexlake_type_string() }}) as channel,
        cast(null as {{ flexlake_type_string() }}) as currency_code
    from affected_days
    {%- endif %}

),

daily as (

    select
        revenue_days.revenue_date,
        revenue_days.channel,
        revenue_days.currency_code,
        case
            when order_days.revenue_date is null and refund_days.revenue_date is null then null
            else coalesce(order_days.orders, 0)
        end as orders,
        coalesce(refund_days.returned_orders, 0) as returned_orders,
        {{ flexlake_money('coalesce(order_days.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(refund_days.refunds, 0)') }} as refunds,
        {{ flexlake_money('coalesce(order_days.gross_revenue, 0) - coalesce(refund_days.refunds, 0)') }}
            as net_revenue
    from revenue_days
    left join order_days
        on revenue_days.revenue_date = order_days.revenue_date
        and revenue_days.channel = order_days.channel
        and revenue_days.currency_code = order_days.currency_code
    left join refund_days
        on revenue_days.revenue_date = refund_days.revenue_date
        and revenue_days.channel = refund_days.channel
        and revenue_days.currency_code = refund_days.currency_code

)

select
    revenue_date,
    channel,
    currency_code,
    orders,
    returned_orders,
    gross_revenue,
    refunds,
    net_revenue,
    {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }} as revenue,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    case
        when orders = 0 then null
        else {{ flexlake_money_per('gross_revenue', 'orders') }}
    end as average_order_value
from daily
