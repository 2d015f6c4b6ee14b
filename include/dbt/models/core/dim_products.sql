with products as (

    select * from {{ ref('stg_faker__products') }}

)

select
    {{ flexlake_surrogate_key(['source_relation', 'product_id']) }} as product_key,
    product_id,
    product_name,
    make,
    model,
    model_year,
    price as list_price,
    created_at,
    updated_at,
    loaded_at,
    source_system,
    source_relation
from products
