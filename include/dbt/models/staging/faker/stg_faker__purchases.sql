{%- set raw_relation = source('faker', 'purchases') -%}

with raw_purchases as (

    select * from {{ raw_relation }}

),

ranked as (

    select
        raw_purchases.*,
        {{ flexlake_airbyte_version_rank('id') }} as version_rank
    from raw_purchases

),

latest as (

    select * from ranked where version_rank = 1

)

select
    cast(id as bigint) as purchase_id,
    cast(user_id as bigint) as user_id,
    cast(product_id as bigint) as product_id,
    added_to_cart_at,
    purchased_at,
    returned_at,
    case when purchased_at is null then 0 else 1 end as is_purchased,
    case when returned_at is null then 0 else 1 end as is_returned,
    created_at,
    updated_at,
    _airbyte_extracted_at as loaded_at,
    'faker' as source_system,
    {{ flexlake_source_relation(raw_relation) }} as source_relation
from latest
