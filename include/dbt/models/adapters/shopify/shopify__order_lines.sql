{#-
    Shopify adapter for the contract's order lines: orders.line_items; line_amount = quantity × price − the
    line's discount allocations. A line of a deleted order is deleted too.
-#}
with shopify_order_lines as (

    select * from {{ ref('stg_shopify__order_lines') }}

)

select
    cast(order_line_id as {{ flexlake_type_string() }}) as order_line_id,
    cast(order_id as {{ flexlake_type_string() }}) as order_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(variant_id as {{ flexlake_type_string() }}) as variant_id,
    cast(line_number as integer) as line_number,
    cast(quantity as integer) as quantity,
    {{ flexlake_money('unit_price') }} as unit_price,
    {{ flexlake_money('discount_amount') }} as discount_amount,
    {{ flexlake_money('line_amount') }} as line_amount,
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_order_lines
