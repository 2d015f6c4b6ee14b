{#-
    Shopify products: the latest version of each record per raw schema. A deleted product arrives as a
    deletion record ({id, deleted_at}, cursor deleted_at): when it is the latest, the product keeps its last
    full version with is_deleted = 1 (so the input layer can remove it downstream), loaded_at of the deletion.
-#}
{%- set columns = [
    ('id', 'integer'),
    ('title', 'string'),
    ('handle', 'string'),
    ('product_type', 'string'),
    ('vendor', 'string'),
    ('status', 'string'),
    ('tags', 'string'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
    ('published_at', 'timestamp'),
    ('deleted_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'products') }}
with raw_products as (

    {{ flexlake_raw_stream('shopify', 'products', columns) | indent(4) }}

),

ranked as (

    select
        raw_products.*,
        {{ flexlake_airbyte_version_rank('id', 'coalesce(updated_at, deleted_at)') }} as version_rank,
        {{ flexlake_airbyte_version_rank('id', 'case when deleted_at is null then updated_at end') }}
            as content_rank
    from raw_products

),

latest_state as (

    select * from ranked where version_rank = 1

),

latest_content as (

    select * from ranked where content_rank = 1 and deleted_at is null

)

select
    cast(latest_content.id as bigint) as product_id,
    latest_content.title as product_title,
    latest_content.handle,
    latest_content.product_type,
    latest_content.vendor,
    latest_content.status as product_status,
    latest_content.tags,
    latest_content.created_at,
    latest_content.updated_at,
    latest_content.published_at,
    latest_state.deleted_at,
    case when latest_state.deleted_at is null then 0 else 1 end as is_deleted,
    latest_state._airbyte_extracted_at as loaded_at,
    latest_content.source_system,
    latest_content.source_relation
from latest_content
inner join latest_state
    on latest_content.source_relation = latest_state.source_relation
    and latest_content.id = latest_state.id
