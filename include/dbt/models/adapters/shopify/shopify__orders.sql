{#-
    Shopify adapter for the contract's orders. Status: cancelled if cancelled_at is set, else from
    financial_status (paid → completed, partially_refunded → partially_returned, refunded → returned,
    pending / authorized / partially_paid → pending, voided → cancelled). Amounts: subtotal = the sum of the
    line amounts (quantity × price − the line's discount allocations), discount = total_discounts not
    allocated to lines, shipping = the sum of shipping_lines.price, tax = total_tax, total = total_price.
    Channel: source_name, 'web' is 'online'. Test orders are rows with is_test = 1 (core leaves them out).
-#}
with shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

line_totals as (

    select
        source_relation,
        order_id,
        sum(line_amount) as subtotal_amount,
        sum(discount_amount) as allocated_discount_amount
    from {{ ref('stg_shopify__order_lines') }}
    group by source_relation, order_id

),

shipping_lines as (

    select
        shopify_orders.source_relation,
        shopify_orders.order_id,
        {{ flexlake_money(flexlake_json_extract_string(
            flexlake_json_array_element('shopify_orders.shipping_lines', 'shipping_items'), 'price')) }} as price
    from shopify_orders
    {{ flexlake_json_array_elements('shopify_orders.shipping_lines', 'shipping_items') }}

),

shipping_totals as (

    select
        source_relation,
        order_id,
        sum(price) as shipping_amount
    from shipping_lines
    group by source_relation, order_id

)

select
    cast(shopify_orders.order_id as {{ flexlake_type_string() }}) as order_id,
    cast(shopify_orders.customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(shopify_orders.order_name as {{ flexlake_type_string() }}) as order_number,
    cast(shopify_orders.created_at as {{ flexlake_type_timestamp() }}) as ordered_at,
    cast(
        case
            when shopify_orders.cancelled_at is not null then 'cancelled'
            when shopify_orders.financial_status = 'paid' then 'completed'
            when shopify_orders.financial_status = 'partially_refunded' then 'partially_returned'
            when shopify_orders.financial_status = 'refunded' then 'returned'
            when shopify_orders.financial_status in ('pending', 'authorized', 'partially_paid') then 'pending'
            when shopify_orders.financial_status = 'voided' then 'cancelled'
            else 'pending'
        end as {{ flexlake_type_string() }}
    ) as order_status,
    cast(
        case
            when shopify_orders.source_name = 'web' then 'online'
            else coalesce(shopify_orders.source_name, 'unknown')
        end
        as {{ flexlake_type_string() }}
    ) as channel,
    cast(shopify_orders.currency_code as {{ flexlake_type_string() }}) as currency_code,
    {{ flexlake_money('coalesce(line_totals.subtotal_amount, 0)') }} as subtotal_amount,
    {{ flexlake_money(
        'coalesce(shopify_orders.total_discounts, 0) - coalesce(line_totals.allocated_discount_amount, 0)'
    ) }}
        as discount_amount,
    {{ flexlake_money('coalesce(shipping_totals.shipping_amount, 0)') }} as shipping_amount,
    {{ flexlake_money('coalesce(shopify_orders.total_tax, 0)') }} as tax_amount,
    {{ flexlake_money('coalesce(shopify_orders.total_price, 0)') }} as total_amount,
    cast(shopify_orders.is_test as integer) as is_test,
    cast(shopify_orders.created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(shopify_orders.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(shopify_orders.is_deleted as integer) as is_deleted,
    cast(shopify_orders.loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(shopify_orders.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(shopify_orders.source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_orders
left join line_totals
    on shopify_orders.source_relation = line_totals.source_relation
    and shopify_orders.order_id = line_totals.order_id
left join shipping_totals
    on shopify_orders.source_relation = shipping_totals.source_relation
    and shopify_orders.order_id = shipping_totals.order_id
