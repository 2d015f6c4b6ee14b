{#- Shopify customers: the latest version of each record per raw schema (cursor updated_at; no deletions). -#}
{{ config(
    unique_key=['source_relation', 'customer_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'customers') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('email', 'string'),
    ('first_name', 'string'),
    ('last_name', 'string'),
    ('phone', 'string'),
    ('state', 'string'),
    ('currency', 'string'),
    ('accepts_marketing', 'boolean'),
    ('tags', 'string'),
    ('default_address', 'json'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'customers') }}
with {{ flexlake_airbyte_latest_ctes('shopify', 'customers', columns) }}

select
    cast(id as bigint) as customer_id,
    email,
    first_name,
    last_name,
    phone,
    state as customer_state,
    upper(currency) as currency_code,
    case when cast(accepts_marketing as integer) = 1 then 1 else 0 end as accepts_marketing,
    tags,
    {{ flexlake_json_extract_string('default_address', 'city') }} as address_city,
    {{ flexlake_json_extract_string('default_address', 'province') }} as address_province,
    {{ flexlake_json_extract_string('default_address', 'zip') }} as address_zip,
    upper({{ flexlake_json_extract_string('default_address', 'country_code') }}) as address_country_code,
    created_at,
    updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
