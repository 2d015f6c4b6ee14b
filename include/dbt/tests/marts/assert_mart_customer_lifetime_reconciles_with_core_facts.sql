-- The customer lifetime mart adds up to the counted orders of fct_orders and their refunds in fct_refunds:
-- no order or refund lost or counted twice. Guest checkouts (no customer) have no lifetime to add to.
with counted_orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
        and customer_key is not null

),

order_facts as (

    select
        count(*) as fact_orders,
        coalesce(sum(amount), 0) as fact_gross
    from counted_orders

),

refund_facts as (

    select coalesce(sum(fct_refunds.amount), 0) as fact_refunds
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join counted_orders
        on fct_refunds.order_key = counted_orders.order_key

),

mart as (

    select
        coalesce(sum(orders), 0) as mart_orders,
        coalesce(sum(gross_revenue), 0) as mart_gross,
        coalesce(sum(refunds), 0) as mart_refunds
    from {{ ref('mart_customer_lifetime') }}

)

select
    order_facts.fact_orders,
    order_facts.fact_gross,
    refund_facts.fact_refunds,
    mart.mart_orders,
    mart.mart_gross,
    mart.mart_refunds
from order_facts
cross join refund_facts
cross join mart
where order_facts.fact_orders <> mart.mart_orders
    or order_facts.fact_gross <> mart.mart_gross
    or refund_facts.fact_refunds <> mart.mart_refunds
