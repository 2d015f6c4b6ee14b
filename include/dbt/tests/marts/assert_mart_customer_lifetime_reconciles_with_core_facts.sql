-- The customer lifetime mart adds up to the counted orders of fct_orders and their refunds in fct_refunds:
-- no order or refund lost or counted twice. Guest checkouts (no customer) have no lifetime to add to.
-- Money in the reporting currency at each amount's own day's rate (amounts without one left out); the mart
-- rounds per customer, so totals may differ by half a cent per customer (with one currency they are equal).
with counted_orders as (

    select
        fct_orders.order_key,
        fct_orders.customer_key,
        fct_orders.amount,
        fx.rate as fx_rate
    from {{ ref('fct_orders') }} as fct_orders
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_orders.currency_code', 'fct_orders.order_date') }}
    where fct_orders.order_status in {{ flexlake_counted_order_statuses() }}
        and fct_orders.customer_key is not null

),

order_facts as (

    select
        count(*) as fact_orders,
        coalesce(sum({{ flexlake_fx_multiply('amount', 'fx_rate') }}), 0) as fact_gross
    from counted_orders

),

refund_facts as (

    select coalesce(sum({{ flexlake_fx_multiply('fct_refunds.amount', 'fx.rate') }}), 0) as fact_refunds
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join counted_orders
        on fct_refunds.order_key = counted_orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_refunds.currency_code', 'fct_refunds.refund_date') }}

),

mart as (

    select
        count(*) as mart_customers,
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
    or abs(order_facts.fact_gross - mart.mart_gross) > 0.005 * mart.mart_customers
    or abs(refund_facts.fact_refunds - mart.mart_refunds) > 0.005 * mart.mart_customers
