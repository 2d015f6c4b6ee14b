{#-
    faker adapter for the contract's payments (captures, and failed or pending attempts). faker: one captured payment per
    order, with the purchase's id, paid at purchased_at for the order's total (the product's list price).
-#}
with faker_orders as (

    select * from {{ ref('faker__priced_purchases') }}

)

select
    cast(purchase_id as varchar) as payment_id,
    cast(purchase_id as varchar) as order_id,
    cast(user_id as varchar) as customer_id,
    cast(purchased_at as timestamp) as paid_at,
    cast('unknown' as varchar) as payment_method,
    cast('captured' as varchar) as payment_status,
    {{ flexlake_money('price') }} as amount,
    cast('{{ var("faker_currency_code") | upper }}' as varchar) as currency_code,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_orders
