-- The customer lifetime mart adds up to the totals of fct_orders: no order lost or counted twice.
with facts as (

    select
        count(*) as fact_orders,
        coalesce(sum(amount), 0) as fact_gross,
        coalesce(sum(refund_amount), 0) as fact_refunds
    from {{ ref('fct_orders') }}

),

lifetime as (

    select
        coalesce(sum(orders), 0) as mart_orders,
        coalesce(sum(gross_revenue), 0) as mart_gross,
        coalesce(sum(refunds), 0) as mart_refunds
    from {{ ref('mart_customer_lifetime') }}

)

select
    facts.fact_orders,
    facts.fact_gross,
    facts.fact_refunds,
    lifetime.mart_orders,
    lifetime.mart_gross,
    lifetime.mart_refunds
from facts
cross join lifetime
where facts.fact_orders <> lifetime.mart_orders
    or facts.fact_gross <> lifetime.mart_gross
    or facts.fact_refunds <> lifetime.mart_refunds
