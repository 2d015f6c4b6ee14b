{#-
    Stripe invoice line items: the latest extraction of each line per raw schema (lines have no cursor),
    with the embedded price's id, product and unit amount and the billed period.
-#}
{{ config(
    unique_key=['source_relation', 'invoice_line_item_id'],
    post_hook="{{ flexlake_delete_vanished_locations('stripe', 'invoice_line_items') }}",
) }}
{%- set columns = [
    ('id', 'string'),
    ('invoice_id', 'string'),
    ('type', 'string'),
    ('subscription', 'string'),
    ('subscription_item', 'string'),
    ('price', 'json'),
    ('quantity', 'integer'),
    ('amount', 'integer'),
    ('currency', 'string'),
    ('description', 'string'),
    ('period', 'json'),
    ('proration', 'boolean'),
    ('livemode', 'boolean'),
] -%}
-- depends_on: {{ source('stripe', 'invoice_line_items') }}
with {{ flexlake_airbyte_latest_ctes('stripe', 'invoice_line_items', columns, cursor=none) }},

currencies as (

    select * from {{ ref('currencies') }}

)

select
    cast(latest.id as {{ flexlake_type_string() }}) as invoice_line_item_id,
    cast(latest.invoice_id as {{ flexlake_type_string() }}) as invoice_id,
    cast(latest.type as {{ flexlake_type_string() }}) as line_type,
    cast(latest.subscription as {{ flexlake_type_string() }}) as subscription_id,
    cast(latest.subscription_item as {{ flexlake_type_string() }}) as subscription_item_id,
    cast({{ flexlake_json_extract_string('latest.price', 'id') }} as {{ flexlake_type_string() }}) as price_id,
    cast({{ flexlake_json_extract_string('latest.price', 'product') }} as {{ flexlake_type_string() }}) as product_id,
    {{ flexlake_stripe_major_units(
        'cast(' ~ flexlake_json_extract_string('latest.price', 'unit_amount') ~ ' as bigint)',
        'currencies.minor_units') }} as unit_amount,
    cast(latest.quantity as integer) as quantity,
    cast(latest.amount as bigint) as amount_minor,
    {{ flexlake_stripe_major_units('latest.amount', 'currencies.minor_units') }} as amount,
    cast(upper(latest.currency) as {{ flexlake_type_string() }}) as currency_code,
    cast(latest.description as {{ flexlake_type_string() }}) as description,
    {{ flexlake_stripe_json_epoch('latest.period', 'start') }} as period_start,
    {{ flexlake_stripe_json_epoch('latest.period', 'end') }} as period_end,
    {{ flexlake_stripe_flag('latest.proration') }} as is_proration,
    {{ flexlake_stripe_flag('latest.livemode') }} as is_livemode,
    latest._airbyte_extracted_at as loaded_at,
    latest.source_system,
    latest.source_relation
from latest
left join currencies
    on upper(latest.currency) = currencies.currency_code
