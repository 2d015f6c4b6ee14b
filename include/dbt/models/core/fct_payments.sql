{#-
    Incremental (delete+insert on payment_key), like fct_order_lines: a run re-reads the payments loaded
    within the lookback window (macros/incremental.sql); deleted payments and payments of deleted or test orders
    are read and removed by the post-hook, as are payments no longer in the input (an adapter dropped them),
    so incremental and full-refresh runs leave the same rows.
    Every payment_status is kept: money received is payment_status 'captured'.
-#}
{{ config(
    materialized='incremental',
    unique_key='payment_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_vanished_rows('payment_key', 'payment_id', ref('input__payments')) }}",
) }}

with payments as (

    select * from {{ ref('input__payments') }}

),

orders as (

    select * from {{ ref('input__orders') }}

),

joined as (

    select
        payments.payment_id,
        payments.order_id,
        payments.customer_id,
        payments.paid_at,
        payments.payment_method,
        payments.payment_status,
        payments.amount,
        payments.currency_code,
        case
            when payments.is_deleted = 1 or orders.is_deleted = 1 or orders.is_test = 1 then 1
            else 0
        end as is_deleted,
        {{ flexlake_latest_loaded_at(['payments.loaded_at', 'orders.loaded_at']) }} as loaded_at,
        payments.source_system,
        payments.source_relation
    from payments
    left join orders
        on payments.source_relation = orders.source_relation
        and payments.order_id = orders.order_id

),

window_payments as (

    select * from joined
    where {{ flexlake_incremental_window('joined.loaded_at') }}

)

select
    {{ flexlake_surrogate_key(['source_relation', 'payment_id']) }} as payment_key,
    payment_id,
    case
        when order_id is not null then {{ flexlake_surrogate_key(['source_relation', 'order_id']) }}
    end as order_key,
    order_id,
    case
        when customer_id is not null then {{ flexlake_surrogate_key(['source_relation', 'customer_id']) }}
    end as customer_key,
    paid_at,
    cast(paid_at as date) as payment_date,
    payment_method,
    payment_status,
    amount,
    currency_code,
    is_deleted,
    loaded_at,
    source_system,
    source_relation
from window_payments
