{#-
    Orders with their line, payment and refund totals. Test orders and deleted orders are left out.
    Every status is kept; marts count the ones in var counted_order_statuses.

    Incremental (delete+insert on order_key). An order's row depends on its own input row and on its lines,
    payments and refunds, so a run recomputes every order any of these four was loaded for within the
    lookback window (macros/incremental.sql): a refund synced today for last year's order updates that
    order. Totals are always summed over all of a recomputed order's rows. Orders that became deleted or
    test orders are recomputed with is_deleted = 1 and removed by the post-hook, so a full refresh and an
    incremental run leave the same rows. Orders no longer in input__orders at all (an adapter filtered them:
    a faker purchase that is an abandoned cart again, a Stripe invoice back in draft) are deleted by the
    post-hook too (flexlake_delete_vanished_rows). A full refresh reads every order without the change set.
-#}
{{ config(
    materialized='incremental',
    unique_key='order_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_vanished_rows('order_key', 'order_id', ref('input__orders')) }}",
) }}
-- depends_on: {{ ref('pass_through__orders') }}
{%- set incremental = flexlake_is_incremental_run() %}
with
{%- if incremental %}

changed_orders as (

    select source_relation, order_id from {{ ref('input__orders') }}
    where {{ flexlake_incremental_window('loaded_at') }}
    union
    select source_relation, order_id from {{ ref('input__order_lines') }}
    where {{ flexlake_incremental_window('loaded_at') }}
    union
    select source_relation, order_id from {{ ref('input__payments') }}
    where order_id is not null
        and {{ flexlake_incremental_window('loaded_at') }}
    union
    select source_relation, order_id from {{ ref('input__refunds') }}
    where order_id is not null
        and {{ flexlake_incremental_window('loaded_at') }}

),
{%- endif %}

orders as (

    select input_orders.*
    from {{ ref('input__orders') }} as input_orders
    {{- flexlake_changed_orders_join('input_orders') }}

),

line_totals as (

    select
        input_order_lines.source_relation,
        input_order_lines.order_id,
        count(*) as line_count,
        sum(input_order_lines.quantity) as items_quantity
    from {{ ref('input__order_lines') }} as input_order_lines
    {{- flexlake_changed_orders_join('input_order_lines') }}
    where input_order_lines.is_deleted = 0
    group by input_order_lines.source_relation, input_order_lines.order_id

),

payment_totals as (

    select
        input_payments.source_relation,
        input_payments.order_id,
        sum(input_payments.amount) as paid_amount
    from {{ ref('input__payments') }} as input_payments
    {{- flexlake_changed_orders_join('input_payments') }}
    where input_payments.is_deleted = 0
        and input_payments.payment_status = 'captured'
        and input_payments.order_id is not null
    group by input_payments.source_relation, input_payments.order_id

),

refund_totals as (

    select
        input_refunds.source_relation,
        input_refunds.order_id,
        count(*) as refund_count,
        max(input_refunds.refunded_at) as last_refunded_at,
        sum(input_refunds.amount) as refund_amount
    from {{ ref('input__refunds') }} as input_refunds
    {{- flexlake_changed_orders_join('input_refunds') }}
    where input_refunds.is_deleted = 0
        and input_refunds.order_id is not null
    group by input_refunds.source_relation, input_refunds.order_id

)

select
    {{ flexlake_surrogate_key(['orders.source_relation', 'orders.order_id']) }} as order_key,
    orders.order_id,
    orders.order_number,
    case
        when orders.customer_id is not null
            then {{ flexlake_surrogate_key(['orders.source_relation', 'orders.customer_id']) }}
    end as customer_key,
    orders.customer_id,
    orders.ordered_at,
    cast(orders.ordered_at as date) as order_date,
    orders.order_status,
    orders.channel,
    orders.currency_code,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.items_quantity, 0) as items_quantity,
    orders.subtotal_amount,
    orders.discount_amount,
    orders.shipping_amount,
    orders.tax_amount,
    orders.total_amount as amount,
    {{ flexlake_money('coalesce(payment_totals.paid_amount, 0)') }} as paid_amount,
    {{ flexlake_money('coalesce(refund_totals.refund_amount, 0)') }} as refund_amount,
    {{ flexlake_money('orders.total_amount - coalesce(refund_totals.refund_amount, 0)') }} as net_amount,
    case when refund_totals.refund_count > 0 then 1 else 0 end as is_returned,
    refund_totals.last_refunded_at as returned_at,
    cast(refund_totals.last_refunded_at as date) as return_date,
    case when orders.is_deleted = 1 or orders.is_test = 1 then 1 else 0 end as is_deleted,
    orders.loaded_at,
    orders.source_system,
    orders.source_relation
{{ flexlake_pass_through_projection('orders', 'pass_through') }}
from orders
left join line_totals
    on orders.source_relation = line_totals.source_relation
    and orders.order_id = line_totals.order_id
left join payment_totals
    on orders.source_relation = payment_totals.source_relation
    and orders.order_id = payment_totals.order_id
left join refund_totals
    on orders.source_relation = refund_totals.source_relation
    and orders.order_id = refund_totals.order_id
{{- flexlake_pass_through_join('orders', 'orders', 'order_id') }}
