{#-
    Stripe adapter for the contract's refunds: succeeded refunds of a charge whose order (its invoice, or
    the one-off charge itself) exists and is not deleted; others are dropped. Counted on their created date.
    loaded_at is the latest of the refund's, its charge's and its order's (each decides whether it is kept).
-#}
with refunds as (

    select * from {{ ref('stg_stripe__refunds') }}
    where refund_status = 'succeeded'

),

charges as (

    select * from {{ ref('stg_stripe__charges') }}

),

orders as (

    select * from {{ ref('stripe__orders') }}
    where is_deleted = 0

)

select
    cast(refunds.refund_id as {{ flexlake_type_string() }}) as refund_id,
    cast(orders.order_id as {{ flexlake_type_string() }}) as order_id,
    cast(refunds.charge_id as {{ flexlake_type_string() }}) as payment_id,
    cast(refunds.created_at as {{ flexlake_type_timestamp() }}) as refunded_at,
    {{ flexlake_money('refunds.amount') }} as amount,
    cast(refunds.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(refunds.reason as {{ flexlake_type_string() }}) as reason,
    cast(refunds.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(
        {{ flexlake_latest_loaded_at(['refunds.loaded_at', 'charges.loaded_at', 'orders.loaded_at']) }}
        as {{ flexlake_type_timestamp() }}
    ) as loaded_at,
    cast(refunds.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(refunds.source_relation as {{ flexlake_type_string() }}) as source_relation
from refunds
inner join charges
    on refunds.source_relation = charges.source_relation
    and refunds.charge_id = charges.charge_id
inner join orders
    on charges.source_relation = orders.source_relation
    and coalesce(charges.invoice_id, charges.charge_id) = orders.order_id
