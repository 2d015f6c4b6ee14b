{#-
    Shopify order lines, exploded from orders.line_items of the latest order version, with each line's
    discount: the sum of its discount_allocations (decimal strings, major units). A line carries its order's
    currency, is_deleted, updated_at and loaded_at (it is part of the order record).
-#}
{{ config(
    unique_key=['source_relation', 'order_id'],
    post_hook="{{ flexlake_delete_orphaned_children(ref('stg_shopify__orders'), 'order_id') }}",
) }}
{%- set discount_allocations = flexlake_json_extract_string('line_items.line_item', 'discount_allocations') -%}
with orders as (

    {{ flexlake_changed_parents(ref('stg_shopify__orders')) | indent(4) }}

),

line_items as (

    select
        orders.order_id,
        orders.currency_code,
        orders.is_deleted,
        orders.updated_at,
        orders.loaded_at,
        orders.source_system,
        orders.source_relation,
        {{ flexlake_json_array_element('orders.line_items', 'items') }} as line_item,
        items.element_index
    from orders
    {{ flexlake_json_array_elements('orders.line_items', 'items') }}

),

allocations as (

    select
        line_items.source_relation,
        line_items.order_id,
        line_items.element_index,
        {{ flexlake_money(flexlake_json_extract_string(
            flexlake_json_array_element(discount_allocations, 'allocation_items'), 'amount')) }} as amount
    from line_items
    {{ flexlake_json_array_elements(discount_allocations, 'allocation_items') }}

),

line_discounts as (

    select
        source_relation,
        order_id,
        element_index,
        sum(amount) as discount_amount
    from allocations
    group by source_relation, order_id, element_index

),

typed as (

    select
        cast({{ flexlake_json_extract_string('line_items.line_item', 'id') }} as bigint) as order_line_id,
        line_items.order_id,
        line_items.element_index + 1 as line_number,
        cast({{ flexlake_json_extract_string('line_items.line_item', 'product_id') }} as bigint) as product_id,
        cast({{ flexlake_json_extract_string('line_items.line_item', 'variant_id') }} as bigint) as variant_id,
        {{ flexlake_json_extract_string('line_items.line_item', 'title') }} as product_title,
        {{ flexlake_json_extract_string('line_items.line_item', 'variant_title') }} as variant_title,
        {{ flexlake_json_extract_string('line_items.line_item', 'sku') }} as sku,
        {{ flexlake_json_extract_string('line_items.line_item', 'vendor') }} as vendor,
        cast({{ flexlake_json_extract_string('line_items.line_item', 'quantity') }} as integer) as quantity,
        {{ flexlake_money(flexlake_json_extract_string('line_items.line_item', 'price')) }} as unit_price,
        {{ flexlake_money('coalesce(line_discounts.discount_amount, 0)') }} as discount_amount,
        line_items.currency_code,
        line_items.is_deleted,
        line_items.updated_at,
        line_items.loaded_at,
        line_items.source_system,
        line_items.source_relation
    from line_items
    left join line_discounts
        on line_items.source_relation = line_discounts.source_relation
        and line_items.order_id = line_discounts.order_id
        and line_items.element_index = line_discounts.element_index

)

select
    order_line_id,
    order_id,
    line_number,
    product_id,
    variant_id,
    product_title,
    variant_title,
    sku,
    vendor,
    quantity,
    unit_price,
    discount_amount,
    {{ flexlake_money('quantity * unit_price - discount_amount') }} as line_amount,
    currency_code,
    is_deleted,
    updated_at,
    loaded_at,
    source_system,
    source_relation
from typed
