{#-
    faker adapter for the contract's refunds: a returned purchase (returned_at set) is refunded in full at returned_at,
    against its one payment, with the purchase's id.
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}
    where is_returned = 1

)

select
    cast(purchase_id as {{ flexlake_type_string() }}) as refund_id,
    cast(purchase_id as {{ flexlake_type_string() }}) as order_id,
    cast(purchase_id as {{ flexlake_type_string() }}) as payment_id,
    cast(returned_at as {{ flexlake_type_timestamp() }}) as refunded_at,
    {{ flexlake_money('price') }} as amount,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast('return' as {{ flexlake_type_string() }}) as reason,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_orders
