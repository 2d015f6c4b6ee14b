{#- Stripe refunds: the latest version of each refund per raw schema, amounts in major units (seed currencies). -#}
{{ config(
    unique_key=['source_relation', 'refund_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'refunds') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('charge', 'string'),
    ('amount', 'integer'),
    ('currency', 'string'),
    ('status', 'string'),
    ('reason', 'string'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'refunds') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'refunds', columns, cursor='updated') }},

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast(latest.id as {{ flexlake_type_string() }}) as refund_id,
    cast(latest.charge as {{ flexlake_type_string() }}) as charge_id,
    cast(latest.amount as bigint) as amount_minor,
    {{ flexlake_stripe_major_units('latest.amount', 'currencies.minor_units') }} as amount,
    cast(upper(latest.currency) as {{ flexlake_type_string() }}) as currency_code,
    cast(latest.status as {{ flexlake_type_string() }}) as refund_status,
    cast(latest.reason as {{ flexlake_type_string() }}) as reason,
    {{ flexlake_stripe_flag('latest.livemode') }} as is_livemode,
    {{ flexlake_epoch_to_timestamp('latest.created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('latest.updated') }} as updated_at,
    latest._airbyte_extracted_at as loaded_at,
    latest.source_system,
    latest.source_relation
from latest
left join currencies
    on upper(latest.currency) = currencies.currency_code
