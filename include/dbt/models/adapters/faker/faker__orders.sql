{#-
    faker adapter for the contract's orders: a purchase with purchased_at is an order of one product at its list price
    (no discount, shipping or tax); without purchased_at it is an abandoned cart and no order. A returned
    purchase is status 'returned'. The amount depends on the product row too, so loaded_at is the later
    of the purchase's and the product's.
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}

)

select
    cast(purchase_id as {{ flexlake_type_string() }}) as order_id,
    cast(user_id as {{ flexlake_type_string() }}) as customer_id,
    cast(purchase_id as {{ flexlake_type_string() }}) as order_number,
    cast(purchased_at as {{ flexlake_type_timestamp() }}) as ordered_at,
    cast(case when is_returned = 1 then 'returned' else 'completed' end as {{ flexlake_type_string() }})
        as order_status,
    cast('online' as {{ flexlake_type_string() }}) as channel,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    {{ flexlake_money('price') }} as subtotal_amount,
    {{ flexlake_money('0') }} as discount_amount,
    {{ flexlake_money('0') }} as shipping_amount,
    {{ flexlake_money('0') }} as tax_amount,
    {{ flexlake_money('price') }} as total_amount,
    cast(0 as integer) as is_test,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_orders
