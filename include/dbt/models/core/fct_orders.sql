{#-
    Orders with their line, payment and refund totals. Test orders and deleted orders are left out.
    Every status is kept; marts count the ones in var counted_order_statuses.
-#}
-- depends_on: {{ ref('pass_through__orders') }}
with orders as (

    select * from {{ ref('input__orders') }}
    where is_deleted = 0
        and is_test = 0

),

line_totals as (

    select
        source_relation,
        order_id,
        count(*) as line_count,
        sum(quantity) as items_quantity
    from {{ ref('input__order_lines') }}
    where is_deleted = 0
    group by source_relation, order_id

),

payment_totals as (

    select
        source_relation,
        order_id,
        sum(amount) as paid_amount
    from {{ ref('input__payments') }}
    where is_deleted = 0
        and payment_status = 'captured'
        and order_id is not null
    group by source_relation, order_id

),

refund_totals as (

    select
        source_relation,
        order_id,
        count(*) as refund_count,
        max(refunded_at) as last_refunded_at,
        sum(amount) as refund_amount
    from {{ ref('input__refunds') }}
    where is_deleted = 0
        and order_id is not null
    group by source_relation, order_id

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
    orders.loaded_at,
    orders.source_system,
    orders.source_relation
    {{- flexlake_pass_through_projection('orders', 'pass_through') }}
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
