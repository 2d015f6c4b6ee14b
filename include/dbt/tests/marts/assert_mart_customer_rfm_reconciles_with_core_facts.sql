-- The RFM mart adds up to the counted orders of fct_orders that have a customer: one row per such customer,
-- frequency summing to their orders, monetary to their gross revenue (minus the refunds of those orders
-- with revenue_basis 'net'). Each quintile score is used by a fifth of the customers (ntile: sizes differ by
-- at most one). Money in the reporting currency at each amount's own day's rate (amounts without one left
-- out); the mart rounds gross and refunds per customer, so monetary may differ by a cent per customer.
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
        count(distinct customer_key) as fact_customers,
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
    or abs(order_facts.fact_gross - mart.mart_monetary) > 0.01 * mart.mart_customers
    {%- else %}
    or abs(order_facts.fact_gross - refund_facts.fact_refunds - mart.mart_monetary) > 0.01 * mart.mart_customers
    {%- endif %}
    or score_spread.spread > 1
