{#-
    An order is a purchase that was paid: purchases without purchased_at are abandoned carts and are
    left out. Faker has no order lines or payments, so an order's amount is its product's list price
    and a return refunds the whole amount.
-#}
with purchases as (

    select * from {{ ref('stg_faker__purchases') }}
    where is_purchased = 1

),

products as (

    select * from {{ ref('stg_faker__products') }}

),

orders as (

    select
        purchases.purchase_id as order_id,
        purchases.user_id as customer_id,
        purchases.product_id,
        purchases.added_to_cart_at,
        purchases.purchased_at as ordered_at,
        purchases.returned_at,
        purchases.is_returned,
        products.price as amount,
        purchases.loaded_at,
        purchases.source_system,
        purchases.source_relation
    from purchases
    left join products
        on purchases.product_id = products.product_id
        and purchases.source_relation = products.source_relation

)

select
    {{ flexlake_surrogate_key(['source_relation', 'order_id']) }} as order_key,
    order_id,
    {{ flexlake_surrogate_key(['source_relation', 'customer_id']) }} as customer_key,
    {{ flexlake_surrogate_key(['source_relation', 'product_id']) }} as product_key,
    customer_id,
    product_id,
    added_to_cart_at,
    ordered_at,
    cast(ordered_at as date) as order_date,
    {{ flexlake_money('amount') }} as amount,
    is_returned,
    returned_at,
    cast(returned_at as date) as return_date,
    {{ flexlake_money('case when is_returned = 1 then amount else 0 end') }} as refund_amount,
    {{ flexlake_money('case when is_returned = 1 then 0 else amount end') }} as net_amount,
    case when is_returned = 1 then 'returned' else 'completed' end as order_status,
    loaded_at,
    source_system,
    source_relation
from orders
