{#-
    faker adapter for the contract's order lines: every order has exactly one line, with the purchase's id: one unit of
    the product at its list price. loaded_at as in input__orders (the price comes from the product row).
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}

)

select
    cast(purchase_id as {{ flexlake_type_string() }}) as order_line_id,
    cast(purchase_id as {{ flexlake_type_string() }}) as order_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(product_id as {{ flexlake_type_string() }}) as variant_id,
    cast(1 as integer) as line_number,
    cast(1 as integer) as quantity,
    {{ flexlake_money('price') }} as unit_price,
    {{ flexlake_money('0') }} as discount_amount,
    {{ flexlake_money('price') }} as line_amount,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_orders
