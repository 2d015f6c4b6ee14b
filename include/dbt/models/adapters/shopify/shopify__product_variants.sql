{#-
    Shopify adapter for the contract's product variants: the product_variants stream; prices in the shop's
    currency (var shopify_shop_currency_code, default USD).
-#}
with shopify_variants as (

    select * from {{ ref('stg_shopify__product_variants') }}

)

select
    cast(variant_id as {{ flexlake_type_string() }}) as variant_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(sku as {{ flexlake_type_string() }}) as sku,
    cast(variant_title as {{ flexlake_type_string() }}) as variant_name,
    {{ flexlake_money('price') }} as price,
    cast({{ flexlake_string_literal(var("shopify_shop_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_variants
