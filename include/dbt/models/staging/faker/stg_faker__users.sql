{#- faker's users: the latest version of each record per raw schema (Airbyte appends one per sync). -#}
{{ config(
    unique_key=['source_relation', 'user_id'],
    post_hook="{{ flexlake_delete_vanished_locations('faker', 'users') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
    ('name', 'string'),
    ('title', 'string'),
    ('age', 'integer'),
    ('email', 'string'),
    ('telephone', 'string'),
    ('gender', 'string'),
    ('language', 'string'),
    ('academic_degree', 'string'),
    ('nationality', 'string'),
    ('occupation', 'string'),
    ('height', 'string'),
    ('blood_type', 'string'),
    ('weight', 'integer'),
    ('address', 'json'),
] -%}
-- depends_on: {{ source('faker', 'users') }}
with {{ flexlake_airbyte_latest_ctes('faker', 'users', columns) }}

select
    cast(id as bigint) as user_id,
    name as first_name,
    title,
    email,
    telephone,
    gender,
    cast(age as integer) as age,
    language,
    academic_degree,
    nationality,
    occupation,
    {{ flexlake_safe_cast("height", "numeric(4, 2)") }} as height_m,
    cast(weight as integer) as weight_kg,
    blood_type,
    {{ flexlake_json_extract_string('address', 'city') }} as address_city,
    {{ flexlake_json_extract_string('address', 'state') }} as address_state,
    {{ flexlake_json_extract_string('address', 'postal_code') }} as address_postal_code,
    {{ flexlake_json_extract_string('address', 'country_code') }} as address_country_code,
    created_at,
    updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
