{#-
    faker adapter for the contract's refunds: a returned purchase (returned_at set) is refunded in full at returned_at,
    against its one payment, with the purchase's id.
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}
    where is_returned = 1

)

select
    cast(purchase_id as varchar) as refund_id,
    cast(purchase_id as varchar) as order_id,
    cast(purchase_id as varchar) as payment_id,
    cast(returned_at as timestamp) as refunded_at,
    {{ flexlake_money('price') }} as amount,
    cast('{{ var("faker_currency_code") | upper }}' as varchar) as currency_code,
    cast('return' as varchar) as reason,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_orders
