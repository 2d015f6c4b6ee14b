{#-
    Refunds, full and partial, with their order and customer. Deleted refunds and refunds of test or deleted orders
    are left out.
-#}
with refunds as (

    select * from {{ ref('input__refunds') }}
    where is_deleted = 0

),

orders as (

    select * from {{ ref('input__orders') }}

)

select
    {{ flexlake_surrogate_key(['refunds.source_relation', 'refunds.refund_id']) }} as refund_key,
    refunds.refund_id,
    case
        when refunds.order_id is not null
            then {{ flexlake_surrogate_key(['refunds.source_relation', 'refunds.order_id']) }}
    end as order_key,
    refunds.order_id,
    case
        when refunds.payment_id is not null
            then {{ flexlake_surrogate_key(['refunds.source_relation', 'refunds.payment_id']) }}
    end as payment_key,
    case
        when orders.customer_id is not null
            then {{ flexlake_surrogate_key(['refunds.source_relation', 'orders.customer_id']) }}
    end as customer_key,
    refunds.refunded_at,
    cast(refunds.refunded_at as date) as refund_date,
    refunds.amount,
    refunds.currency_code,
    refunds.reason,
    refunds.loaded_at,
    refunds.source_system,
    refunds.source_relation
from refunds
left join orders
    on refunds.source_relation = orders.source_relation
    and refunds.order_id = orders.order_id
where orders.order_id is null
    or (orders.is_test = 0 and orders.is_deleted = 0)
