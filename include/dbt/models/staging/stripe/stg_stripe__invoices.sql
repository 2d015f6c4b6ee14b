{#-
    Stripe invoices: the latest version of each invoice per raw schema, amounts in major units (seed
    currencies), epoch timestamps as naive UTC; a deleted (draft) invoice keeps its row, flagged.
-#}
{{ config(
    unique_key=['source_relation', 'invoice_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'invoices') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('number', 'string'),
    ('customer', 'string'),
    ('subscription', 'string'),
    ('charge', 'string'),
    ('status', 'string'),
    ('billing_reason', 'string'),
    ('currency', 'string'),
    ('subtotal', 'integer'),
    ('tax', 'integer'),
    ('total', 'integer'),
    ('amount_due', 'integer'),
    ('amount_paid', 'integer'),
    ('amount_remaining', 'integer'),
    ('period_start', 'integer'),
    ('period_end', 'integer'),
    ('due_date', 'integer'),
    ('status_transitions', 'json'),
    ('created', 'integer'),
    ('updated', 'integer'),
    ('livemode', 'boolean'),
    ('is_deleted', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'invoices') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'invoices', columns, cursor='updated') }},

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast(latest.id as {{ flexlake_type_string() }}) as invoice_id,
    cast(latest.number as {{ flexlake_type_string() }}) as invoice_number,
    cast(latest.customer as {{ flexlake_type_string() }}) as customer_id,
    cast(latest.subscription as {{ flexlake_type_string() }}) as subscription_id,
    cast(latest.charge as {{ flexlake_type_string() }}) as charge_id,
    cast(latest.status as {{ flexlake_type_string() }}) as invoice_status,
    cast(latest.billing_reason as {{ flexlake_type_string() }}) as billing_reason,
    cast(upper(latest.currency) as {{ flexlake_type_string() }}) as currency_code,
    {{ flexlake_stripe_major_units('latest.subtotal', 'currencies.minor_units') }} as subtotal_amount,
    {{ flexlake_stripe_major_units('latest.tax', 'currencies.minor_units') }} as tax_amount,
    {{ flexlake_stripe_major_units('latest.total', 'currencies.minor_units') }} as total_amount,
    {{ flexlake_stripe_major_units('latest.amount_due', 'currencies.minor_units') }} as amount_due,
    {{ flexlake_stripe_major_units('latest.amount_paid', 'currencies.minor_units') }} as amount_paid,
    {{ flexlake_stripe_major_units('latest.amount_remaining', 'currencies.minor_units') }} as amount_remaining,
    {{ flexlake_epoch_to_timestamp('latest.period_start') }} as period_start,
    {{ flexlake_epoch_to_timestamp('latest.period_end') }} as period_end,
    {{ flexlake_epoch_to_timestamp('latest.due_date') }} as due_at,
    {{ flexlake_stripe_json_epoch('latest.status_transitions', 'finalized_at') }} as finalized_at,
    {{ flexlake_stripe_json_epoch('latest.status_transitions', 'paid_at') }} as paid_at,
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
