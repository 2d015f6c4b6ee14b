-- The RFM mart adds up to the counted orders of fct_orders that have a customer: one row per such customer,
-- frequency summing to their orders, monetary to their gross revenue (minus the refunds of those orders
-- with revenue_basis 'net'). Each quintile score is used by a fifth of the customers (ntile: sizes differ by
-- at most one).
with counted_orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
        and customer_key is not null

),

order_facts as (

    select
        count(*) as fact_orders,
        count(distinct customer_key) as fact_customers,
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
        count(*) as mart_customers,
        coalesce(sum(frequency), 0) as mart_orders,
        coalesce(sum(monetary), 0) as mart_monetary
    from {{ ref('mart_customer_rfm') }}

),

score_counts as (

    select
        recency_score as score,
        count(*) as customers
    from {{ ref('mart_customer_rfm') }}
    group by recency_score

),

score_spread as (

    select
        coalesce(max(customers) - min(customers), 0) as spread,
        count(*) as scores
    from score_counts

)

select
    order_facts.fact_orders,
    order_facts.fact_customers,
    order_facts.fact_gross,
    refund_facts.fact_refunds,
    mart.mart_customers,
    mart.mart_orders,
    mart.mart_monetary,
    score_spread.spread
from order_facts
cross join refund_facts
cross join mart
cross join score_spread
where order_facts.fact_orders <> mart.mart_orders
    or order_facts.fact_customers <> mart.mart_customers
    {%- if flexlake_revenue_basis() == 'gross' %}
    or order_facts.fact_gross <> mart.mart_monetary
    {%- else %}
    or order_facts.fact_gross - refund_facts.fact_refunds <> mart.mart_monetary
    {%- endif %}
    or score_spread.spread > 1
