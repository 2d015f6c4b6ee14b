{#- faker's purchases: the latest version of each record per raw schema (Airbyte appends one per sync). -#}
{{ config(
    unique_key=['source_relation', 'purchase_id'],
    post_hook="{{ flexlake_delete_vanished_locations('faker', 'purchases') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('user_id', 'integer'),
    ('product_id', 'integer'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
    ('added_to_cart_at', 'timestamp'),
    ('purchased_at', 'timestamp'),
    ('returned_at', 'timestamp'),
] -%}
-- depends_on: {{ source('faker', 'purchases') }}
with {{ flexlake_airbyte_latest_ctes('faker', 'purchases', columns) }}

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
    source_system,
    source_relation
from latest
