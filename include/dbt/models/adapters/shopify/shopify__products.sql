{#-
    Shopify adapter for the contract's products: products (deleted ones with is_deleted = 1). Shopify prices
    live on variants: list_price is the lowest variant price, in the shop's currency (var
    shopify_shop_currency_code, default USD: the products stream does not name it).
-#}
with shopify_products as (

    select * from {{ ref('stg_shopify__products') }}

),

variant_prices as (

    select
        source_relation,
        product_id,
        min(price) as list_price
    from {{ ref('stg_shopify__product_variants') }}
    group by source_relation, product_id

)

select
    cast(shopify_products.product_id as {{ flexlake_type_string() }}) as product_id,
    cast(shopify_products.product_title as {{ flexlake_type_string() }}) as product_name,
    cast(shopify_products.product_type as {{ flexlake_type_string() }}) as product_type,
    cast(shopify_products.vendor as {{ flexlake_type_string() }}) as vendor,
    {{ flexlake_money('variant_prices.list_price') }} as list_price,
    cast({{ flexlake_string_literal(var("shopify_shop_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(shopify_products.created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(shopify_products.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(shopify_products.is_deleted as integer) as is_deleted,
    cast(shopify_products.loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(shopify_products.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(shopify_products.source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_products
left join variant_prices
    on shopify_products.source_relation = variant_prices.source_relation
    and shopify_products.product_id = variant_prices.product_id
