{#- Stripe customers: the latest version of each customer per raw schema; a deleted one keeps its row, flagged. -#}
{{ config(
    unique_key=['source_relation', 'customer_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'customers') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('email', 'string'),
    ('name', 'string'),
    ('phone', 'string'),
    ('currency', 'string'),
    ('address', 'json'),
    ('delinquent', 'boolean'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
    ('is_deleted', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'customers') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'customers', columns, cursor='updated') }}

select
    cast(id as {{ flexlake_type_string() }}) as customer_id,
    cast(email as {{ flexlake_type_string() }}) as email,
    cast(name as {{ flexlake_type_string() }}) as customer_name,
    cast(phone as {{ flexlake_type_string() }}) as phone,
    cast(upper(currency) as {{ flexlake_type_string() }}) as currency_code,
    cast({{ flexlake_json_extract_string('address', 'line1') }} as {{ flexlake_type_string() }}) as address_line1,
    cast({{ flexlake_json_extract_string('address', 'city') }} as {{ flexlake_type_string() }}) as address_city,
    cast({{ flexlake_json_extract_string('address', 'state') }} as {{ flexlake_type_string() }}) as address_state,
    cast({{ flexlake_json_extract_string('address', 'postal_code') }} as {{ flexlake_type_string() }})
        as address_postal_code,
    cast(upper({{ flexlake_json_extract_string('address', 'country') }}) as {{ flexlake_type_string() }})
        as address_country_code,
    {{ flexlake_stripe_flag('delinquent') }} as is_delinquent,
    {{ flexlake_stripe_flag('livemode') }} as is_livemode,
    {{ flexlake_stripe_flag('is_deleted') }} as is_deleted,
    {{ flexlake_epoch_to_timestamp('created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('updated') }} as updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
