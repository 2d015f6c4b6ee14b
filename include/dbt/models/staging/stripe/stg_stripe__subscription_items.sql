{#-
    Stripe subscription items: the latest version of each item per raw schema (cursor: its parent's
    `subscription_updated`), with the price it bills (the price object is embedded as JSON).
-#}
{{ config(
    unique_key=['source_relation', 'subscription_item_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'subscription_items') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('subscription', 'string'),
    ('price', 'json'),
    ('quantity', 'integer'),
    ('created', 'integer'),
    ('subscription_updated', 'integer'),
] -%}
-- depends_on: {{ source('stripe', 'subscription_items') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'subscription_items', columns, cursor='subscription_updated') }}

select
    cast(id as {{ flexlake_type_string() }}) as subscription_item_id,
    cast(subscription as {{ flexlake_type_string() }}) as subscription_id,
    cast({{ flexlake_json_extract_string('price', 'id') }} as {{ flexlake_type_string() }}) as price_id,
    cast({{ flexlake_json_extract_string('price', 'product') }} as {{ flexlake_type_string() }}) as product_id,
    cast(quantity as integer) as quantity,
    {{ flexlake_epoch_to_timestamp('created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('subscription_updated') }} as subscription_updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
