{#-
    Shopify adapter for the contract's payments: transactions of kind sale or capture (authorizations, voids
    and refunds are not payments), of an order the store has (orphans are dropped); the payer is the order's
    customer. Status: success → captured, pending → pending, failure / error → failed. A payment of a
    deleted order is deleted too. loaded_at is the later of the transaction's and its order's (the payer and
    is_deleted come from the order).
-#}
with shopify_transactions as (

    select * from {{ ref('stg_shopify__transactions') }}
    where transaction_kind in ('sale', 'capture')

),

shopify_orders as (

    select * from {{ ref('stg_shopify__orders') }}

)

select
    cast(shopify_transactions.transaction_id as {{ flexlake_type_string() }}) as payment_id,
    cast(shopify_orders.order_id as {{ flexlake_type_string() }}) as order_id,
    cast(shopify_orders.customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(
        coalesce(shopify_transactions.processed_at, shopify_transactions.created_at) as {{ flexlake_type_timestamp() }}
    ) as paid_at,
    cast(coalesce(shopify_transactions.gateway, 'unknown') as {{ flexlake_type_string() }}) as payment_method,
    cast(
        case shopify_transactions.transaction_status
            when 'success' then 'captured'
            when 'pending' then 'pending'
            else 'failed'
        end as {{ flexlake_type_string() }}
    ) as payment_status,
    {{ flexlake_money('shopify_transactions.amount') }} as amount,
    cast(shopify_transactions.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(shopify_transactions.created_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(shopify_orders.is_deleted as integer) as is_deleted,
    cast(
        {{ flexlake_latest_loaded_at(['shopify_transactions.loaded_at', 'shopify_orders.loaded_at']) }}
        as {{ flexlake_type_timestamp() }}
    ) as loaded_at,
    cast(shopify_transactions.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(shopify_transactions.source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_transactions
inner join shopify_orders
    on shopify_transactions.source_relation = shopify_orders.source_relation
    and shopify_transactions.order_id = shopify_orders.order_id
