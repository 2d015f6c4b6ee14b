{#-
    Contract: order lines. faker: every order has exactly one line, with the purchase's id: one unit of
    the product at its list price. loaded_at as in input__orders (the price comes from the product row).
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
        faker_purchases.product_id,
        faker_purchases.purchased_at,
        faker_purchases.returned_at,
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
    cast(purchase_id as varchar) as order_line_id,
    cast(purchase_id as varchar) as order_id,
    cast(product_id as varchar) as product_id,
    cast(product_id as varchar) as variant_id,
    cast(1 as integer) as line_number,
    cast(1 as integer) as quantity,
    {{ flexlake_money('price') }} as unit_price,
    {{ flexlake_money('0') }} as discount_amount,
    {{ flexlake_money('price') }} as line_amount,
    cast('{{ var("faker_currency_code") | upper }}' as varchar) as currency_code,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_orders
