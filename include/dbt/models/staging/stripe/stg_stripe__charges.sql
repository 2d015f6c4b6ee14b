{#-
    Stripe charges: the latest version of each charge per raw schema (a refund makes a new version with
    amount_refunded), amounts in major units (seed currencies).
-#}
{{ config(
    unique_key=['source_relation', 'charge_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'charges') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('customer', 'string'),
    ('invoice', 'string'),
    ('amount', 'integer'),
    ('amount_captured', 'integer'),
    ('amount_refunded', 'integer'),
    ('currency', 'string'),
    ('status', 'string'),
    ('paid', 'boolean'),
    ('captured', 'boolean'),
    ('refunded', 'boolean'),
    ('failure_code', 'string'),
    ('description', 'string'),
    ('payment_method_details', 'json'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'charges') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'charges', columns, cursor='updated') }},

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast(latest.id as {{ flexlake_type_string() }}) as charge_id,
    cast(latest.customer as {{ flexlake_type_string() }}) as customer_id,
    cast(latest.invoice as {{ flexlake_type_string() }}) as invoice_id,
    cast(latest.amount as bigint) as amount_minor,
    cast(latest.amount_refunded as bigint) as amount_refunded_minor,
    {{ flexlake_stripe_major_units('latest.amount', 'currencies.minor_units') }} as amount,
    {{ flexlake_stripe_major_units('latest.amount_captured', 'currencies.minor_units') }} as amount_captured,
    {{ flexlake_stripe_major_units('latest.amount_refunded', 'currencies.minor_units') }} as amount_refunded,
    cast(upper(latest.currency) as {{ flexlake_type_string() }}) as currency_code,
    cast(latest.status as {{ flexlake_type_string() }}) as charge_status,
    {{ flexlake_stripe_flag('latest.paid') }} as is_paid,
    {{ flexlake_stripe_flag('latest.captured') }} as is_captured,
    {{ flexlake_stripe_flag('latest.refunded') }} as is_refunded,
    cast(latest.failure_code as {{ flexlake_type_string() }}) as failure_code,
    cast(latest.description as {{ flexlake_type_string() }}) as description,
    cast({{ flexlake_json_extract_string('latest.payment_method_details', 'type') }} as {{ flexlake_type_string() }})
        as payment_method_type,
    {{ flexlake_stripe_flag('latest.livemode') }} as is_livemode,
    {{ flexlake_epoch_to_timestamp('latest.created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('latest.updated') }} as updated_at,
    latest._airbyte_extracted_at as loaded_at,
    latest.source_system,
    latest.source_relation
from latest
left join currencies
    on upper(latest.currency) = currencies.currency_code
