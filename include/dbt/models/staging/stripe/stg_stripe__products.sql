{#- Stripe products: the latest version of each product per raw schema; a deleted one keeps its row, flagged. -#}
{{ config(
    unique_key=['source_relation', 'product_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'products') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('name', 'string'),
    ('description', 'string'),
    ('active', 'boolean'),
    ('type', 'string'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
    ('is_deleted', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'products') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'products', columns, cursor='updated') }}

select
    cast(id as {{ flexlake_type_string() }}) as product_id,
    cast(name as {{ flexlake_type_string() }}) as product_name,
    cast(description as {{ flexlake_type_string() }}) as description,
    cast(type as {{ flexlake_type_string() }}) as product_type,
    {{ flexlake_stripe_flag('active') }} as is_active,
    {{ flexlake_stripe_flag('livemode') }} as is_livemode,
    {{ flexlake_stripe_flag('is_deleted') }} as is_deleted,
    {{ flexlake_epoch_to_timestamp('created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('updated') }} as updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
