-- depends_on: {{ ref('pass_through__products') }}
with products as (

    select * from {{ ref('input__products') }}

),

variant_counts as (

    select
        source_relation,
        product_id,
        count(*) as variants
    from {{ ref('input__product_variants') }}
    where is_deleted = 0
    group by source_relation, product_id

)

select
    {{ flexlake_surrogate_key(['products.source_relation', 'products.product_id']) }} as product_key,
    products.product_id,
    products.product_name,
    products.product_type,
    products.vendor,
    products.list_price,
    products.currency_code,
    coalesce(variant_counts.variants, 0) as variants,
    products.created_at,
    products.updated_at,
    products.is_deleted,
    products.loaded_at,
    products.source_system,
    products.source_relation
{{ flexlake_pass_through_projection('products', 'pass_through') }}
from products
left join variant_counts
    on products.source_relation = variant_counts.source_relation
    and products.product_id = variant_counts.product_id
{{- flexlake_pass_through_join('products', 'products', 'product_id') }}
