{#-
    Revenue per calendar day. Orders count on the day they were paid, refunds on the day the order
    was returned, so a day can show refunds without orders. Days without either have no row.
    var revenue_basis picks what `revenue` reports: net (default) or gross.
-#}
with orders as (

    select * from {{ ref('fct_orders') }}

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
        return_date as revenue_date,
        count(*) as returned_orders,
        sum(refund_amount) as refunds
    from orders
    where is_returned = 1
    group by return_date

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
        {{ flexlake_money('coalesce(order_days.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(refund_days.refunds, 0)') }} as refunds,
        {{ flexlake_money('coalesce(order_days.gross_revenue, 0) - coalesce(refund_days.refunds, 0)') }}
            as net_revenue
    from revenue_days
    left join order_days
        on revenue_days.revenue_date = order_days.revenue_date
    left join refund_days
        on revenue_days.revenue_date = refund_days.revenue_date

)

select
    revenue_date,
    orders,
    returned_orders,
    gross_revenue,
    refunds,
    net_revenue,
    {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }} as revenue,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    case
        when orders = 0 then null
        else {{ flexlake_money('gross_revenue / orders') }}
    end as average_order_value
from daily
