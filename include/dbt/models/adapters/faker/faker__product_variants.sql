{#-
    faker adapter for the contract's product variants: one variant per
    product, with the product's id, named by its model year.
-#}
with faker_products as (

    select * from {{ ref('stg_faker__products') }}

)

select
    cast(product_id as varchar) as variant_id,
    cast(product_id as varchar) as product_id,
    cast(null as varchar) as sku,
    cast(model_year as varchar) as variant_name,
    {{ flexlake_money('price') }} as price,
    cast('{{ var("faker_currency_code") | upper }}' as varchar) as currency_code,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_products
