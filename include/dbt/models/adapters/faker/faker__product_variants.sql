{#-
    faker adapter for the contract's product variants: one variant per
    product, with the product's id, named by its model year.
-#}
with faker_products as (

    select * from {{ ref('stg_faker__products') }}

)

select
    cast(product_id as {{ flexlake_type_string() }}) as variant_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(null as {{ flexlake_type_string() }}) as sku,
    cast(model_year as {{ flexlake_type_string() }}) as variant_name,
    {{ flexlake_money('price') }} as price,
    cast({{ flexlake_string_literal(var("faker_currency_code") | upper) }} as {{ flexlake_type_string() }})
        as currency_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_products
