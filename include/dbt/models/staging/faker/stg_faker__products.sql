{%- set raw_relation = source('faker', 'products') -%}

with raw_products as (

    select * from {{ raw_relation }}

),

ranked as (

    select
        raw_products.*,
        {{ flexlake_airbyte_version_rank('id') }} as version_rank
    from raw_products

),

latest as (

    select * from ranked where version_rank = 1

)

select
    cast(id as bigint) as product_id,
    make,
    model,
    cast(year as integer) as model_year,
    {{ flexlake_concat(['make', "' '", 'model']) }} as product_name,
    {{ flexlake_money('price') }} as price,
    created_at,
    updated_at,
    _airbyte_extracted_at as loaded_at,
    'faker' as source_system,
    {{ flexlake_source_relation(raw_relation) }} as source_relation
from latest
