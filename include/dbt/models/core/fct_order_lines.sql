{#-
    Incremental (delete+insert on order_line_key). A run re-reads the lines whose own row or order row
    was loaded within the lookback window (macros/incremental.sql), so a line that arrives late, or
    changes because its order changed, replaces its earlier version. Lines of deleted or test orders,
    and deleted lines, are read as well and then removed by the post-hook, which also deletes the lines no
    longer in the input (a line removed from an order, the lines of an order an adapter dropped): a full
    refresh and an incremental run leave the same rows.
-#}
{{ config(
    materialized='incremental',
    unique_key='order_line_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_vanished_rows('order_line_key', 'order_line_id', ref('input__order_lines'),
        ref('input__orders'), 'order_id') }}",
) }}

with order_lines as (

    select * from {{ ref('input__order_lines') }}

),

orders as (

    select * from {{ ref('input__orders') }}

),

lines as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        orders.customer_id,
        order_lines.product_id,
        order_lines.variant_id,
        order_lines.line_number,
        orders.ordered_at,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.discount_amount,
        order_lines.line_amount,
        order_lines.currency_code,
        case
            when order_lines.is_deleted = 1 or orders.is_deleted = 1 or orders.is_test = 1 then 1
            else 0
        end as is_deleted,
        {{ flexlake_latest_loaded_at(['order_lines.loaded_at', 'orders.loaded_at']) }} as loaded_at,
        order_lines.source_system,
        order_lines.source_relation
    from order_lines
    inner join orders
        on order_lines.source_relation = orders.source_relation
        and order_lines.order_id = orders.order_id

),

window_lines as (

    select * from lines
    where {{ flexlake_incremental_window('lines.loaded_at') }}

)

select
    {{ flexlake_surrogate_key(['source_relation', 'order_line_id']) }} as order_line_key,
    order_line_id,
    {{ flexlake_surrogate_key(['source_relation', 'order_id']) }} as order_key,
    order_id,
    case
        when customer_id is not null then {{ flexlake_surrogate_key(['source_relation', 'customer_id']) }}
    end as customer_key,
    case
        when product_id is not null then {{ flexlake_surrogate_key(['source_relation', 'product_id']) }}
    end as product_key,
    product_id,
    variant_id,
    line_number,
    ordered_at,
    cast(ordered_at as date) as order_date,
    quantity,
    unit_price,
    discount_amount,
    line_amount,
    currency_code,
    is_deleted,
    loaded_at,
    source_system,
    source_relation
from window_lines
