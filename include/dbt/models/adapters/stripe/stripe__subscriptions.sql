{#-
    Stripe adapter for the contract's subscriptions: subscriptions in their latest state, with the price of
    their first item (by created, then id): product, interval, unit amount. Status: trialing, active;
    past_due, unpaid and incomplete → past_due; canceled → canceled; incomplete_expired → ended; other
    statuses (paused) pass through. customer.subscription.deleted (a cancellation) keeps is_deleted = 1.
-#}
with subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

ranked_items as (

    select
        items.source_relation,
        items.subscription_id,
        items.price_id,
        items.quantity,
        row_number() over (
            partition by items.source_relation, items.subscription_id
            order by items.created_at, items.subscription_item_id
        ) as item_rank
    from {{ ref('stg_stripe__subscription_items') }} as items

),

first_items as (

    select
        ranked_items.source_relation,
        ranked_items.subscription_id,
        ranked_items.quantity,
        prices.product_id,
        prices.recurring_interval,
        prices.recurring_interval_count,
        prices.unit_amount
    from ranked_items
    left join {{ ref('stg_stripe__prices') }} as prices
        on ranked_items.source_relation = prices.source_relation
        and ranked_items.price_id = prices.price_id
    where ranked_items.item_rank = 1

)

select
    cast(subscriptions.subscription_id as {{ flexlake_type_string() }}) as subscription_id,
    cast(subscriptions.customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(first_items.product_id as {{ flexlake_type_string() }}) as product_id,
    cast(
        case
            when subscriptions.subscription_status in ('past_due', 'unpaid', 'incomplete') then 'past_due'
            when subscriptions.subscription_status = 'incomplete_expired' then 'ended'
            else subscriptions.subscription_status
        end as {{ flexlake_type_string() }}
    ) as subscription_status,
    cast(first_items.recurring_interval as {{ flexlake_type_string() }}) as billing_interval,
    cast(first_items.recurring_interval_count as integer) as billing_interval_count,
    cast(coalesce(first_items.quantity, subscriptions.quantity) as integer) as quantity,
    {{ flexlake_money('first_items.unit_amount') }} as unit_amount,
    cast(subscriptions.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(subscriptions.started_at as {{ flexlake_type_timestamp() }}) as started_at,
    cast(subscriptions.current_period_start as {{ flexlake_type_timestamp() }}) as current_period_start,
    cast(subscriptions.current_period_end as {{ flexlake_type_timestamp() }}) as current_period_end,
    cast(subscriptions.canceled_at as {{ flexlake_type_timestamp() }}) as canceled_at,
    cast(subscriptions.ended_at as {{ flexlake_type_timestamp() }}) as ended_at,
    cast(subscriptions.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(subscriptions.is_deleted as integer) as is_deleted,
    cast(subscriptions.loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(subscriptions.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(subscriptions.source_relation as {{ flexlake_type_string() }}) as source_relation
from subscriptions
left join first_items
    on subscriptions.source_relation = first_items.source_relation
    and subscriptions.subscription_id = first_items.subscription_id
