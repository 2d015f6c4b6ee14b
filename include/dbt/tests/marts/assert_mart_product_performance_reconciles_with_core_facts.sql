-- The product mart adds up to the lines with a product of the counted orders in fct_order_lines: units,
-- gross revenue and (product, order) pairs; returned orders never exceed orders. Gross revenue in the reporting
-- currency at each line's order day's rate (lines without one left out); the mart rounds per product, so
-- totals may differ by half a cent per product (with one currency they are equal).
with counted_lines as (

    select
        fct_order_lines.product_key,
        fct_order_lines.order_key,
        fct_order_lines.quantity,
        fct_order_lines.line_amount,
        fx.rate as fx_rate
    from {{ ref('fct_order_lines') }} as fct_order_lines
    inner join {{ ref('fct_orders') }} as fct_orders
        on fct_order_lines.order_key = fct_orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_order_lines.currency_code', 'fct_order_lines.order_date') }}
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
        coalesce(sum({{ flexlake_fx_multiply('line_amount', 'fx_rate') }}), 0) as fact_gross,
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
    or abs(line_facts.fact_gross - mart.mart_gross) > 0.005 * mart.mart_products
    or line_facts.fact_products <> mart.mart_products
    or pair_facts.fact_pairs <> mart.mart_pairs
    or mart.overflows <> 0
