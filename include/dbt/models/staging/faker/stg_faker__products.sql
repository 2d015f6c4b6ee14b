{#- faker's products: the latest version of each record per raw schema (Airbyte appends one per sync). -#}
{{ config(
    unique_key=['source_relation', 'product_id'],
    post_hook="{{ flexlake_delete_vanished_locations('faker', 'products') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('make', 'string'),
    ('model', 'string'),
    ('year', 'integer'),
    ('price', 'number'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
] -%}
-- depends_on: {{ source('faker', 'products') }}
with {{ flexlake_airbyte_latest_ctes('faker', 'products', columns) }}

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
    source_system,
    source_relation
from latest
