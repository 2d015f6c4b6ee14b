{#-
    Contract: orders. faker: a purchase with purchased_at is an order of one product at its list price
    (no discount, shipping or tax); without purchased_at it is an abandoned cart and no order. A returned
    purchase is status 'returned'. The amount depends on the product row too, so loaded_at is the later
    of the purchase's and the product's.
-#}
with faker_purchases as (

    select * from {{ ref('stg_faker__purchases') }}
    where is_purchased = 1

),

faker_products as (

    select * from {{ ref('stg_faker__products') }}

),

faker_orders as (

    select
        faker_purchases.purchase_id,
        faker_purchases.user_id,
        faker_purchases.purchased_at,
        faker_purchases.is_returned,
        faker_purchases.created_at,
        faker_purchases.updated_at,
        faker_products.price,
        case
            when faker_products.loaded_at > faker_purchases.loaded_at then faker_products.loaded_at
            else faker_purchases.loaded_at
        end as loaded_at,
        faker_purchases.source_system,
        faker_purchases.source_relation
    from faker_purchases
    inner join faker_products
        on faker_purchases.product_id = faker_products.product_id
        and faker_purchases.source_relation = faker_products.source_relation

)

select
    cast(purchase_id as varchar) as order_id,
    cast(user_id as varchar) as customer_id,
    cast(purchase_id as varchar) as order_number,
    cast(purchased_at as timestamp) as ordered_at,
    cast(case when is_returned = 1 then 'returned' else 'completed' end as varchar) as order_status,
    cast('online' as varchar) as channel,
    cast('{{ var("faker_currency_code") | upper }}' as varchar) as currency_code,
    {{ flexlake_money('price') }} as subtotal_amount,
    {{ flexlake_money('0') }} as discount_amount,
    {{ flexlake_money('0') }} as shipping_amount,
    {{ flexlake_money('0') }} as tax_amount,
    {{ flexlake_money('price') }} as total_amount,
    cast(0 as integer) as is_test,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_orders
