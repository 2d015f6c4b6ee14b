{#-
    Contract: subscriptions. No adapter provides them yet (faker has none; Stripe will): the model
    builds empty with its declared columns, so core and marts can rely on it.
-#}
select
    cast(null as varchar) as subscription_id,
    cast(null as varchar) as customer_id,
    cast(null as varchar) as product_id,
    cast(null as varchar) as subscription_status,
    cast(null as varchar) as billing_interval,
    cast(null as integer) as billing_interval_count,
    cast(null as integer) as quantity,
    {{ flexlake_money('null') }} as unit_amount,
    cast(null as varchar) as currency_code,
    cast(null as timestamp) as started_at,
    cast(null as timestamp) as current_period_start,
    cast(null as timestamp) as current_period_end,
    cast(null as timestamp) as canceled_at,
    cast(null as timestamp) as ended_at,
    cast(null as timestamp) as updated_at,
    cast(null as integer) as is_deleted,
    cast(null as timestamp) as loaded_at,
    cast(null as varchar) as source_system,
    cast(null as varchar) as source_relation
where 1 = 0
