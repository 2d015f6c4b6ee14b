{#-
    faker's purchases that were bought (purchased_at set; the rest are abandoned carts), with the price of
    their product: one order of one unit at the list price. The amount depends on the product row too,
    so loaded_at is the later of the purchase's and the product's. The base of faker's orders, order
    lines, payments and refunds adapters.
-#}
with faker_purchases as (

    select * from {{ ref('stg_faker__purchases') }}
    where is_purchased = 1

),

faker_products as (

    select * from {{ ref('stg_faker__products') }}

)

select
    faker_purchases.purchase_id,
    faker_purchases.user_id,
    faker_purchases.product_id,
    faker_purchases.purchased_at,
    faker_purchases.returned_at,
    faker_purchases.is_returned,
    faker_purchases.created_at,
    faker_purchases.updated_at,
    faker_products.price,
    {{ flexlake_latest_loaded_at(['faker_purchases.loaded_at', 'faker_products.loaded_at']) }} as loaded_at,
    faker_purchases.source_system,
    faker_purchases.source_relation
from faker_purchases
inner join faker_products
    on faker_purchases.product_id = faker_products.product_id
    and faker_purchases.source_relation = faker_products.source_relation
