{#-
    faker adapter for the contract's payments (captures, and failed or pending attempts). faker: one captured payment per
    order, with the purchase's id, paid at purchased_at for the order's total (the product's list price).
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}

)

select
    cast(purchase_id as {{ flexlake_type_string() }}) as payment_id,
    cast(purchase_id as {{ flexlake_type_string() }}) as order_id,
    cast(user_id as {{ flexlake_type_string() }}) as customer_id,
    cast(purchased_at as {{ flexlake_type_timestamp() }}) as paid_at,
    cast('unknown' as {{ flexlake_type_string() }}) as payment_method,
    cast('captured' as {{ flexlake_type_string() }}) as payment_status,
    {{ flexlake_money('price') }} as amount,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_orders
