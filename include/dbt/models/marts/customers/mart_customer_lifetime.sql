{#-
    Lifetime figures per customer, including customers who never ordered (zero orders, null dates).
    var revenue_basis picks what lifetime_revenue reports: net (default) or gross.
-#}
with customers as (

    select * from {{ ref('dim_customers') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

customer_orders as (

    select
        customer_key,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as orders,
        sum(is_returned) as returned_orders,
        sum(amount) as gross_revenue,
        sum(refund_amount) as refunds
    from orders
    group by customer_key

),

lifetime as (

    select
        customers.customer_key,
        customers.customer_id,
        customers.signed_up_at,
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        coalesce(customer_orders.orders, 0) as orders,
        coalesce(customer_orders.returned_orders, 0) as returned_orders,
        {{ flexlake_money('coalesce(customer_orders.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(customer_orders.refunds, 0)') }} as refunds,
        {{ flexlake_money('coalesce(customer_orders.gross_revenue, 0) - coalesce(customer_orders.refunds, 0)') }}
            as net_revenue,
        customers.source_system,
        customers.source_relation
    from customers
    left join customer_orders
        on customers.customer_key = customer_orders.customer_key

)

select
    customer_key,
    customer_id,
    signed_up_at,
    first_order_at,
    last_order_at,
    orders,
    returned_orders,
    gross_revenue,
    refunds,
    net_revenue,
    {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }} as lifetime_revenue,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    source_system,
    source_relation
from lifetime
