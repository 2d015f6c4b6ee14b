{#-
    Shopify adapter for the contract's refunds: order_refunds of an order the store has (orphans are dropped).
    The amount is the sum of the refund's successful refund transactions (what was paid back: line items,
    their tax and shipping); the payment refunded is the parent of its first such transaction. Refunds count
    on the UTC date they were created; the currency is the order's. A refund of a deleted order is deleted too.
    loaded_at is the later of the refund's and its order's (the currency and is_deleted come from the order; the
    refund transactions are exploded from the refund's own row).
-#}
with shopify_refunds as (

    select * from {{ ref('stg_shopify__order_refunds') }}

),

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}

),

paid_back as (

    select * from {{ ref('stg_shopify__refund_transactions') }}
    where transaction_kind = 'refund' and transaction_status = 'success'

),

paid_back_totals as (

    select
        source_relation,
        refund_id,
        sum(amount) as amount,
        min(transaction_number) as first_transaction_number
    from paid_back
    group by source_relation, refund_id

),

refunded_payments as (

    select
        paid_back_totals.source_relation,
        paid_back_totals.refund_id,
        paid_back_totals.amount,
        paid_back.parent_transaction_id
    from paid_back_totals
    inner join paid_back
        on paid_back_totals.source_relation = paid_back.source_relation
        and paid_back_totals.refund_id = paid_back.refund_id
        and paid_back_totals.first_transaction_number = paid_back.transaction_number

)

select
    cast(shopify_refunds.refund_id as {{ flexlake_type_string() }}) as refund_id,
    cast(shopify_orders.order_id as {{ flexlake_type_string() }}) as order_id,
    cast(refunded_payments.parent_transaction_id as {{ flexlake_type_string() }}) as payment_id,
    cast(shopify_refunds.created_at as {{ flexlake_type_timestamp() }}) as refunded_at,
    {{ flexlake_money('coalesce(refunded_payments.amount, 0)') }} as amount,
    cast(shopify_orders.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(shopify_refunds.note as {{ flexlake_type_string() }}) as reason,
    cast(shopify_refunds.created_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(shopify_orders.is_deleted as integer) as is_deleted,
    cast(
        {{ flexlake_latest_loaded_at(['shopify_refunds.loaded_at', 'shopify_orders.loaded_at']) }}
        as {{ flexlake_type_timestamp() }}
    ) as loaded_at,
    cast(shopify_refunds.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(shopify_refunds.source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_refunds
inner join shopify_orders
    on shopify_refunds.source_relation = shopify_orders.source_relation
    and shopify_refunds.order_id = shopify_orders.order_id
left join refunded_payments
    on shopify_refunds.source_relation = refunded_payments.source_relation
    and shopify_refunds.refund_id = refunded_payments.refund_id
