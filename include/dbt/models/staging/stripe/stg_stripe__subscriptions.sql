{#-
    Stripe subscriptions: the latest state of each subscription per raw schema (Stripe keeps only the
    latest; the billing history is in invoice lines). customer.subscription.deleted is a cancellation: the
    row stays, flagged is_deleted.
-#}
{{ config(
    unique_key=['source_relation', 'subscription_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'subscriptions') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('customer', 'string'),
    ('status', 'string'),
    ('currency', 'string'),
    ('quantity', 'integer'),
    ('start_date', 'integer'),
    ('current_period_start', 'integer'),
    ('current_period_end', 'integer'),
    ('cancel_at_period_end', 'boolean'),
    ('canceled_at', 'integer'),
    ('ended_at', 'integer'),
    ('latest_invoice', 'string'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
    ('is_deleted', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'subscriptions') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'subscriptions', columns, cursor='updated') }}

select
    cast(id as {{ flexlake_type_string() }}) as subscription_id,
    cast(customer as {{ flexlake_type_string() }}) as customer_id,
    cast(status as {{ flexlake_type_string() }}) as subscription_status,
    cast(upper(currency) as {{ flexlake_type_string() }}) as currency_code,
    cast(quantity as integer) as quantity,
    {{ flexlake_epoch_to_timestamp('start_date') }} as started_at,
    {{ flexlake_epoch_to_timestamp('current_period_start') }} as current_period_start,
    {{ flexlake_epoch_to_timestamp('current_period_end') }} as current_period_end,
    {{ flexlake_stripe_flag('cancel_at_period_end') }} as is_cancel_at_period_end,
    {{ flexlake_epoch_to_timestamp('canceled_at') }} as canceled_at,
    {{ flexlake_epoch_to_timestamp('ended_at') }} as ended_at,
    cast(latest_invoice as {{ flexlake_type_string() }}) as latest_invoice_id,
    {{ flexlake_stripe_flag('livemode') }} as is_livemode,
    {{ flexlake_stripe_flag('is_deleted') }} as is_deleted,
    {{ flexlake_epoch_to_timestamp('created') }} as created_at,
    {{ flexlake_epoch_to_timestamp('updated') }} as updated_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
