{#-
    The example overlay replaces the product's mart_revenue_daily (disabled in dbt_project.yml): the same daily
    figures in the reporting currency (converted at dim_fx_rates as the product's), but average_order_value is net
    of refunds (net revenue / converted orders), as a tenant might define it. A replacement keeps the product's
    columns: its yml entry (descriptions, tests) applies to this model.
-#}
with orders as (

    select
        fct_orders.order_key,
        fct_orders.order_date,
        fct_orders.amount,
        fx.rate as fx_rate
    from {{ ref('fct_orders') }} as fct_orders
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake.flexlake_fx_rate_applies('fx', 'fct_orders.currency_code', 'fct_orders.order_date') }}
    where fct_orders.order_status in {{ flexlake.flexlake_counted_order_statuses() }}

),

refunds as (

    select
        fct_refunds.refund_date,
        fct_refunds.order_key,
        fct_refunds.amount,
        fx.rate as fx_rate
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join orders
        on fct_refunds.order_key = orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake.flexlake_fx_rate_applies('fx', 'fct_refunds.currency_code', 'fct_refunds.refund_date') }}

),

order_days as (

    select
        order_date as revenue_date,
        count(*) as orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_orders,
        sum({{ flexlake.flexlake_fx_multiply('amount', 'fx_rate') }}) as gross_revenue
    from orders
    group by order_date

),

refund_days as (

    select
        refund_date as revenue_date,
        count(distinct order_key) as returned_orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_refunds,
        sum({{ flexlake.flexlake_fx_multiply('amount', 'fx_rate') }}) as refunds
    from refunds
    group by refund_date

),

revenue_days as (

    select revenue_date from order_days
    union
    select revenue_date from refund_days

),

daily as (

    select
        revenue_days.revenue_date,
        coalesce(order_days.orders, 0) as orders,
        coalesce(refund_days.returned_orders, 0) as returned_orders,
        coalesce(order_days.unconverted_orders, 0) as unconverted_orders,
        coalesce(refund_days.unconverted_refunds, 0) as unconverted_refunds,
        {{ flexlake.flexlake_money('coalesce(order_days.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake.flexlake_money('coalesce(refund_days.refunds, 0)') }} as refunds,
        {#- from the rounded figures, so net = gross - refunds to the cent -#}
        {{ flexlake.flexlake_money(
            flexlake.flexlake_money('coalesce(order_days.gross_revenue, 0)') ~ ' - '
            ~ flexlake.flexlake_money('coalesce(refund_days.refunds, 0)')) }} as net_revenue
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
    {{ flexlake.flexlake_revenue_column('daily.gross_revenue', 'daily.net_revenue') }} as revenue,
    '{{ flexlake.flexlake_revenue_basis() }}' as revenue_basis,
    '{{ flexlake.flexlake_reporting_currency() }}' as reporting_currency,
    case
        when daily.orders = daily.unconverted_orders then null
        -- net of refunds (the product's is gross), rounded half up to cents, exactly on every warehouse
        else {{ flexlake.flexlake_money_per('daily.net_revenue', '(daily.orders - daily.unconverted_orders)') }}
    end as average_order_value,
    cast(daily.unconverted_orders as integer) as unconverted_orders,
    cast(daily.unconverted_refunds as integer) as unconverted_refunds
from daily
left join {{ ref('dim_calendar') }} as calendar
    on daily.revenue_date = calendar.date_day
