-- The product mart adds up to the lines with a product of the counted orders in fct_order_lines: units,
-- gross revenue and (product, order) pairs; returned orders never exceed orders.
with counted_lines as (

    select
        fct_order_lines.product_key,
        fct_order_lines.order_key,
        fct_order_lines.quantity,
        fct_order_lines.line_amount
    from {{ ref('fct_order_lines') }} as fct_order_lines
    inner join {{ ref('fct_orders') }} as fct_orders
        on fct_order_lines.order_key = fct_orders.order_key
    where fct_orders.order_status in {{ flexlake_counted_order_statuses() }}
        and fct_order_lines.product_key is not null

),

product_order_pairs as (

    select distinct
        product_key,
        order_key
    from counted_lines

),

line_facts as (

    select
        coalesce(sum(quantity), 0) as fact_units,
        coalesce(sum(line_amount), 0) as fact_gross,
        count(distinct product_key) as fact_products
    from counted_lines

),

pair_facts as (

    select count(*) as fact_pairs
    from product_order_pairs

),

mart as (

    select
        coalesce(sum(units_sold), 0) as mart_units,
        coalesce(sum(gross_revenue), 0) as mart_gross,
        coalesce(sum(orders), 0) as mart_pairs,
        count(*) as mart_products,
        coalesce(sum(case when orders_returned > orders then 1 else 0 end), 0) as overflows
    from {{ ref('mart_product_performance') }}

)

select
    line_facts.fact_units,
    line_facts.fact_gross,
    line_facts.fact_products,
    pair_facts.fact_pairs,
    mart.mart_units,
    mart.mart_gross,
    mart.mart_products,
    mart.mart_pairs,
    mart.overflows
from line_facts
cross join pair_facts
cross join mart
where line_facts.fact_units <> mart.mart_units
    or line_facts.fact_gross <> mart.mart_gross
    or line_facts.fact_products <> mart.mart_products
    or pair_facts.fact_pairs <> mart.mart_pairs
    or mart.overflows <> 0
