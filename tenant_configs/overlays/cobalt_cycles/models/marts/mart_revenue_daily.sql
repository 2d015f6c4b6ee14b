{#-
    Cobalt Cycles replaces the product's mart_revenue_daily (disabled in dbt_project.yml): the same daily
    figures, but average_order_value is net of refunds (net revenue / orders), the figure its board reads.
-#}
with orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake.flexlake_counted_order_statuses() }}

),

refunds as (

    select
        fct_refunds.refund_date,
        fct_refunds.order_key,
        fct_refunds.amount
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join orders
        on fct_refunds.order_key = orders.order_key

),

order_days as (

    select
        order_date as revenue_date,
        count(*) as orders,
        sum(amount) as gross_revenue
    from orders
    group by order_date

),

refund_days as (

    select
        refund_date as revenue_date,
        count(distinct order_key) as returned_orders,
        sum(amount) as refunds
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
        {{ flexlake.flexlake_money('coalesce(order_days.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake.flexlake_money('coalesce(refund_days.refunds, 0)') }} as refunds,
        {{ flexlake.flexlake_money('coalesce(order_days.gross_revenue, 0) - coalesce(refund_days.refunds, 0)') }}
            as net_revenue
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
        when daily.orders = 0 then null
        -- rounded half up to cents, exactly on every warehouse
        else {{ flexlake.flexlake_money_per('daily.net_revenue', 'daily.orders') }}
    end as average_order_value
from daily
left join {{ ref('dim_calendar') }} as calendar
    on daily.revenue_date = calendar.date_day
