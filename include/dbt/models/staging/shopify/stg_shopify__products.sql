{#-
    Shopify products: the latest version of each record per raw schema. A deleted product arrives as a
    deletion record ({id, deleted_at}, cursor deleted_at): when it is the latest, the product keeps its last
    full version with is_deleted = 1 (so the input layer can remove it downstream), loaded_at of the deletion
    (macro flexlake_airbyte_latest; a product known only by its deletion record is left out).
-#}
{{ config(
    unique_key=['source_relation', 'product_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'products') }}",
) }}
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
with {{ flexlake_airbyte_latest_ctes('shopify', 'products', columns, deleted_at='deleted_at') }}

select
    cast(id as bigint) as product_id,
    title as product_title,
    handle,
    product_type,
    vendor,
    status as product_status,
    tags,
    created_at,
    updated_at,
    published_at,
    latest_deleted_at as deleted_at,
    is_deleted,
    loaded_at,
    source_system,
    source_relation
from latest
