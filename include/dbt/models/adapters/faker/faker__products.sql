{#-
    faker adapter for the contract's products: products are cars; the make is the vendor, prices are in var
    faker_currency_code.
-#}
with faker_products as (

    select * from {{ ref('stg_faker__products') }}

)

select
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(product_name as {{ flexlake_type_string() }}) as product_name,
    cast('car' as {{ flexlake_type_string() }}) as product_type,
    cast(make as {{ flexlake_type_string() }}) as vendor,
    {{ flexlake_money('price') }} as list_price,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_products
