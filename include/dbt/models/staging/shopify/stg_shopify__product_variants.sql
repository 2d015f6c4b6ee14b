{#- Shopify product variants: the latest version of each record per raw schema (cursor updated_at). -#}
{{ config(
    unique_key=['source_relation', 'variant_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'product_variants') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('product_id', 'integer'),
    ('title', 'string'),
    ('sku', 'string'),
    ('price', 'number'),
    ('position', 'integer'),
    ('inventory_quantity', 'integer'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'product_variants') }}
with {{ flexlake_airbyte_latest_ctes('shopify', 'product_variants', columns) }}

select
    cast(id as bigint) as variant_id,
    cast(product_id as bigint) as product_id,
    title as variant_title,
    sku,
    {{ flexlake_money('price') }} as price,
    cast(position as integer) as variant_position,
    cast(inventory_quantity as integer) as inventory_quantity,
    created_at,
    updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
