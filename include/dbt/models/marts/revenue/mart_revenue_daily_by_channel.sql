{#-
    mart_revenue_daily split by sales channel and currency: the same definitions (counted statuses,
    refunds on their own day, revenue_basis), one row per day, channel and currency. Each currency is
    its own row, so no amounts of different currencies are ever added up here.
-#}
with orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}

),

refunds as (

    select
        fct_refunds.refund_date,
        fct_refunds.order_key,
        fct_refunds.amount,
        orders.channel,
        orders.currency_code
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join orders
        on fct_refunds.order_key = orders.order_key

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

    select revenue_date, channel, currency_code from order_days
    union
    select revenue_date, channel, currency_code from refund_days

),

daily as (

    select
        revenue_days.revenue_date,
        revenue_days.channel,
        revenue_days.currency_code,
        coalesce(order_days.orders, 0) as orders,
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
