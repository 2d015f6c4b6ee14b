{#-
    Stripe adapter for the contract's order lines: the line items of the invoices that are orders (product
    and variant = the line's price's product and price; numbered by line id), and one line for a one-off
    charge's order (no product). A line of a deleted order is kept; core drops it with its order.
-#}
with orders as (

    select * from {{ ref('stripe__orders') }}

),

invoice_lines as (

    select
        line_items.invoice_line_item_id as order_line_id,
        line_items.invoice_id as order_id,
        line_items.product_id,
        line_items.price_id as variant_id,
        row_number() over (
            partition by line_items.source_relation, line_items.invoice_id
            order by line_items.invoice_line_item_id
        ) as line_number,
        line_items.quantity,
        coalesce(line_items.unit_amount, line_items.amount) as unit_price,
        line_items.amount as line_amount,
        line_items.currency_code,
        orders.updated_at,
        orders.is_deleted,
        {{ flexlake_latest_loaded_at(['line_items.loaded_at', 'orders.loaded_at']) }} as loaded_at,
        line_items.source_system,
        line_items.source_relation
    from {{ ref('stg_stripe__invoice_line_items') }} as line_items
    inner join orders
        on line_items.source_relation = orders.source_relation
        and line_items.invoice_id = orders.order_id

),

charge_lines as (

    select
        orders.order_id as order_line_id,
        orders.order_id,
        cast(null as {{ flexlake_type_string() }}) as product_id,
        cast(null as {{ flexlake_type_string() }}) as variant_id,
        1 as line_number,
        1 as quantity,
        orders.total_amount as unit_price,
        orders.total_amount as line_amount,
        orders.currency_code,
        orders.updated_at,
        orders.is_deleted,
        orders.loaded_at,
        orders.source_system,
        orders.source_relation
    from orders
    inner join {{ ref('stg_stripe__charges') }} as charges
        on orders.source_relation = charges.source_relation
        and orders.order_id = charges.charge_id

),

stripe_lines as (

    select * from invoice_lines
    union all
    select * from charge_lines

)

select
    cast(order_line_id as {{ flexlake_type_string() }}) as order_line_id,
    cast(order_id as {{ flexlake_type_string() }}) as order_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(variant_id as {{ flexlake_type_string() }}) as variant_id,
    cast(line_number as integer) as line_number,
    cast(quantity as integer) as quantity,
    {{ flexlake_money('unit_price') }} as unit_price,
    {{ flexlake_money('unit_price * quantity - line_amount') }} as discount_amount,
    {{ flexlake_money('line_amount') }} as line_amount,
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from stripe_lines
