{#-
    Stripe prices: the latest version of each price per raw schema, amounts in major units (seed currencies
    gives the exponent), recurring interval unpacked; a deleted one keeps its row, flagged.
-#}
{{ config(
    unique_key=['source_relation', 'price_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'prices') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('product', 'string'),
    ('nickname', 'string'),
    ('currency', 'string'),
    ('unit_amount', 'integer'),
    ('type', 'string'),
    ('recurring', 'json'),
    ('billing_scheme', 'string'),
    ('active', 'boolean'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
    ('is_deleted', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'prices') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'prices', columns, cursor='updated') }},

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast(latest.id as {{ flexlake_type_string() }}) as price_id,
    cast(latest.product as {{ flexlake_type_string() }}) as product_id,
    cast(latest.nickname as {{ flexlake_type_string() }}) as nickname,
    cast(upper(latest.currency) as {{ flexlake_type_string() }}) as currency_code,
    cast(latest.unit_amount as bigint) as unit_amount_minor,
    {{ flexlake_stripe_major_units('latest.unit_amount', 'currencies.minor_units') }} as unit_amount,
    cast(latest.type as {{ flexlake_type_string() }}) as price_type,
    cast({{ flexlake_json_extract_string('latest.recurring', 'interval') }} as {{ flexlake_type_string() }})
        as recurring_interval,
    cast({{ flexlake_json_extract_string('latest.recurring', 'interval_count') }} as integer)
        as recurring_interval_count,
    cast(latest.billing_scheme as {{ flexlake_type_string() }}) as billing_scheme,
    {{ flexlake_stripe_flag('latest.active') }} as is_active,
    {{ flexlake_stripe_flag('latest.livemode') }} as is_livemode,
    {{ flexlake_stripe_flag('latest.is_deleted') }} as is_deleted,
    {{ flexlake_epoch_to_timestamp('latest.created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('latest.updated') }} as updated_at,
    latest._airbyte_extracted_at as loaded_at,
    latest.source_system,
    latest.source_relation
from latest
left join currencies
    on upper(latest.currency) = currencies.currency_code
