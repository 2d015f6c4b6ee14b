{#-
    Sales and returns per product, from the lines of counted orders (int_orders__counted_in_reporting_currency:
    status in var counted_order_statuses).
    Lines without a product (product_key null, e.g. Stripe one-off charges) are left out, and so are
    products that were never sold in a counted order. gross_revenue is in the reporting currency (var
    reporting_currency): each line at its own currency's rate on its order date (dim_fx_rates; an adapter may give
    a line another currency than its order's), summed exactly,
    rounded once; lines without a rate add nothing and their orders are counted in unconverted_orders.
    orders_returned = distinct counted orders of the product whose order_status is returned or
    partially_returned; return_rate = orders_returned / orders rounded half up to 4 places, computed as
    floor((20000 * returned + orders) / (2 * orders)) / 10000 so that it is exact on every warehouse.
-#}
with counted_orders as (

    select
        order_key,
        order_status
    from {{ ref('int_orders__counted_in_reporting_currency') }}

),

lines as (

    select
        fct_order_lines.product_key,
        fct_order_lines.product_id,
        fct_order_lines.source_relation,
        fct_order_lines.order_key,
        fct_order_lines.quantity,
        fct_order_lines.line_amount,
        fx.rate as fx_rate,
        counted_orders.order_status
    from {{ ref('fct_order_lines') }} as fct_order_lines
    inner join counted_orders
        on fct_order_lines.order_key = counted_orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_order_lines.currency_code', 'fct_order_lines.order_date') }}
    where fct_order_lines.product_key is not null

),

product_lines as (

    select
        product_key,
        product_id,
        source_relation,
        sum(quantity) as units_sold,
        count(distinct case when fx_rate is null then order_key end) as unconverted_orders,
        sum({{ flexlake_fx_multiply('line_amount', 'fx_rate') }}) as gross_revenue
    from lines
    group by product_key, product_id, source_relation

),

product_order_statuses as (

    select distinct
        product_key,
        order_key,
        order_status
    from lines

),

product_orders as (

    select
        product_key,
        count(*) as orders,
        sum(case when order_status in ('returned', 'partially_returned') then 1 else 0 end) as orders_returned
    from product_order_statuses
    group by product_key

)

select
    product_lines.product_key,
    product_lines.product_id,
    dim_products.product_name,
    cast(product_lines.units_sold as integer) as units_sold,
    {{ flexlake_money('coalesce(product_lines.gross_revenue, 0)') }} as gross_revenue,
    '{{ flexlake_reporting_currency() }}' as reporting_currency,
    cast(product_orders.orders as integer) as orders,
    cast(product_orders.orders_returned as integer) as orders_returned,
    cast(
        floor(
            cast(20000 * product_orders.orders_returned + product_orders.orders as numeric(18, 4))
            / (2 * product_orders.orders)
        ) / 10000
        as numeric(18, 4)
    ) as return_rate,
    cast(product_lines.unconverted_orders as integer) as unconverted_orders,
    product_lines.source_relation
{{ flexlake_pass_through_projection('products', 'dim_products') }}
from product_lines
inner join product_orders
    on product_lines.product_key = product_orders.product_key
left join {{ ref('dim_products') }} as dim_products
    on product_lines.product_key = dim_products.product_key
