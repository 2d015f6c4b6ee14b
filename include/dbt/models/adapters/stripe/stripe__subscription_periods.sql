{#-
    Stripe's subscription history for fct_subscriptions: one row per billed period of a subscription item,
    read from the subscription lines (type subscription, not prorations) of paid or open invoices. Stripe
    keeps invoices forever while a subscription only shows its latest state, so the history is here.
    The price's interval comes from stg_stripe__prices (a Stripe price's amount and interval are
    immutable); its unit amount and the quantity from the line. Test-mode and deleted invoices are kept,
    flagged (is_test, is_deleted); fct_subscriptions leaves them out. loaded_at is the latest of the line's,
    its invoice's and its price's.
-#}
with lines as (

    select * from {{ ref('stg_stripe__invoice_line_items') }}
    where line_type = 'subscription'
        and is_proration = 0

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}
    where invoice_status in ('paid', 'open')

),

prices as (

    select * from {{ ref('stg_stripe__prices') }}

)

select
    cast(lines.invoice_line_item_id as {{ flexlake_type_string() }}) as subscription_period_id,
    cast(lines.subscription_id as {{ flexlake_type_string() }}) as subscription_id,
    cast(lines.subscription_item_id as {{ flexlake_type_string() }}) as subscription_item_id,
    cast(invoices.customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(lines.invoice_id as {{ flexlake_type_string() }}) as invoice_id,
    cast(lines.product_id as {{ flexlake_type_string() }}) as product_id,
    cast(lines.price_id as {{ flexlake_type_string() }}) as variant_id,
    cast(lines.period_start as {{ flexlake_type_timestamp() }}) as period_start,
    cast(lines.period_end as {{ flexlake_type_timestamp() }}) as period_end,
    cast(lines.quantity as integer) as quantity,
    {{ flexlake_money('lines.unit_amount') }} as unit_amount,
    cast(prices.recurring_interval as {{ flexlake_type_string() }}) as billing_interval,
    cast(coalesce(prices.recurring_interval_count, 1) as integer) as billing_interval_count,
    cast(lines.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(1 - invoices.is_livemode as integer) as is_test,
    cast(invoices.is_deleted as integer) as is_deleted,
    cast(
        {{ flexlake_latest_loaded_at(['lines.loaded_at', 'invoices.loaded_at', 'prices.loaded_at']) }}
        as {{ flexlake_type_timestamp() }}
    ) as loaded_at,
    cast(lines.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(lines.source_relation as {{ flexlake_type_string() }}) as source_relation
from lines
inner join invoices
    on lines.source_relation = invoices.source_relation
    and lines.invoice_id = invoices.invoice_id
left join prices
    on lines.source_relation = prices.source_relation
    and lines.price_id = prices.price_id
