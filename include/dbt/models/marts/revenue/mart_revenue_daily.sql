{#-
    Revenue per calendar day, in the reporting currency (var reporting_currency). Orders count on the day they
    were placed, refunds on the day they were made, so a day can show refunds without orders. Days without
    either have no row. Only orders whose status is in var counted_order_statuses count, and only their refunds.
    var revenue_basis picks what `revenue` reports: net (default) or gross.
    Each order is converted at its currency's rate on its order date, each refund at its currency's rate on its
    refund date (dim_fx_rates: the latest rate on or before the day; orders: int_orders__counted_in_reporting_currency).
    Products are summed exactly and rounded
    to cents once per day. An order or refund without a rate is left out of the money columns (never added
    unconverted) and counted in unconverted_orders / unconverted_refunds; `orders` counts every counted order.

    Incremental (delete+insert on revenue_date): a run recomputes only the days whose orders, refunds or FX rates
    changed since the last build, before and after the change (macros/mart_ledger.sql); a day left without orders
    or refunds gets a marker row (orders null) that the post-hook deletes. A full refresh builds every day.
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
{#- fct_orders: read only by the incremental branch (flexlake_revenue_every_day), so named here for dbt. #}
-- depends_on: {{ ref('fct_orders') }}
{%- set incremental = flexlake_is_incremental_run() %}
with
{%- if incremental %}

affected_days as (

    {{ flexlake_affected_days(ref('int_revenue__contribution_changes'), 'int_revenue__contributions', 'revenue_date',
        flexlake_revenue_every_day(), fx=true) | indent(4) }}

),
{%- endif %}

orders as (

    select
        order_key,
        order_date,
        fx_rate,
        amount_in_reporting_currency
    from {{ ref('int_orders__counted_in_reporting_currency') }}
    {%- if incremental %}
    where order_date in (select grain_date from affected_days)
    {%- endif %}

),

refunds as (

    select
        fct_refunds.refund_date,
        fct_refunds.order_key,
        fct_refunds.amount,
        fx.rate as fx_rate
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join {{ ref('int_orders__counted_in_reporting_currency') }} as counted_orders
        on fct_refunds.order_key = counted_orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_refunds.currency_code', 'fct_refunds.refund_date') }}
    {%- if incremental %}
    where fct_refunds.refund_date in (select grain_date from affected_days)
    {%- endif %}

),

order_days as (

    select
        order_date as revenue_date,
        count(*) as orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_orders,
        sum(amount_in_reporting_currency) as gross_revenue
    from orders
    group by order_date

),

refund_days as (

    select
        refund_date as revenue_date,
        count(distinct order_key) as returned_orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_refunds,
        sum({{ flexlake_fx_multiply('amount', 'fx_rate') }}) as refunds
    from refunds
    group by refund_date

),

revenue_days as (

    select revenue_date from order_days
    union
    select revenue_date from refund_days
    {%- if incremental %}
    union
    {#- an affected day left without orders or refunds: a marker row (orders null), deleted by the post-hook #}
    select grain_date as revenue_date from affected_days
    {%- endif %}

),

daily as (

    select
        revenue_days.revenue_date,
        case
            when order_days.revenue_date is null and refund_days.revenue_date is null then null
            else coalesce(order_days.orders, 0)
        end as orders,
        coalesce(refund_days.returned_orders, 0) as returned_orders,
        coalesce(order_days.unconverted_orders, 0) as unconverted_orders,
        coalesce(refund_days.unconverted_refunds, 0) as unconverted_refunds,
        {{ flexlake_money('coalesce(order_days.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(refund_days.refunds, 0)') }} as refunds,
        {#- from the rounded figures, so net = gross - refunds to the cent -#}
        {{ flexlake_money(
            flexlake_money('coalesce(order_days.gross_revenue, 0)') ~ ' - '
            ~ flexlake_money('coalesce(refund_days.refunds, 0)')) }} as net_revenue
    from revenue_days
    left join order_days
        on revenue_days.revenue_date = order_days.revenue_date
    left join refund_days
        on revenue_days.revenue_date = refund_days.revenue_date

)

select
    daily.revenue_date,
    calendar.fiscal_year,
    calendar.fiscal_quarter,
    daily.orders,
    daily.returned_orders,
    daily.gross_revenue,
    daily.refunds,
    daily.net_revenue,
    {{ flexlake_revenue_column('daily.gross_revenue', 'daily.net_revenue') }} as revenue,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    '{{ flexlake_reporting_currency() }}' as reporting_currency,
    case
        when daily.orders = daily.unconverted_orders then null
        else {{ flexlake_money_per('daily.gross_revenue', '(daily.orders - daily.unconverted_orders)') }}
    end as average_order_value,
    cast(daily.unconverted_orders as integer) as unconverted_orders,
    cast(daily.unconverted_refunds as integer) as unconverted_refunds
from daily
left join {{ ref('dim_calendar') }} as calendar
    on daily.revenue_date = calendar.date_day
