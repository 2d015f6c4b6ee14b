{#-
    Subscription history: one row per billed period of a subscription item, with its monthly recurring
    revenue (MRR) at full precision. Test-mode and deleted periods are left out.

    The input contract keeps subscriptions in their latest state only; MRR movements need the history,
    which is the contract entity input__subscription_periods (what was billed, per period).
-#}
with periods as (

    select * from {{ ref('input__subscription_periods') }}
    where is_test = 0
        and is_deleted = 0

)

select
    {{ flexlake_surrogate_key(['source_relation', 'subscription_period_id']) }} as subscription_period_key,
    subscription_period_id,
    {{ flexlake_surrogate_key(['source_relation', 'subscription_id']) }} as subscription_key,
    subscription_id,
    subscription_item_id,
    {{ flexlake_surrogate_key(['source_relation', 'customer_id']) }} as customer_key,
    customer_id,
    invoice_id,
    product_id,
    variant_id,
    period_start,
    period_end,
    quantity,
    unit_amount,
    billing_interval,
    billing_interval_count,
    {{ flexlake_monthly_amount('unit_amount * quantity', 'billing_interval', 'billing_interval_count') }}
        as mrr_amount,
    currency_code,
    loaded_at,
    source_system,
    source_relation
from periods
