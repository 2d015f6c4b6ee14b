{#-
    app adapter (the application database, synced by Airbyte with CDC), orders: the latest version of each
    app_orders row -> input__orders' columns. Carts are not orders; the app's states map to the contract's
    statuses; cents become numeric(18,2) amounts; total = items + shipping (no discount or tax), items being the
    latest version of each app_order_items row that is not deleted. A deleted order keeps its last full version,
    its items' too (deleted with it), with is_deleted = 1 (core leaves it out); loaded_at is when Airbyte
    extracted the order's latest change.
-#}
{%- set subtotal_cents =
    'coalesce(case when orders.is_deleted = 1 then item_totals.last_cents else item_totals.live_cents end, 0)' -%}
with orders as (

    {{ flexlake.flexlake_airbyte_latest(source('app', 'app_orders'), 'id', cursor='updated_at') | indent(4) }}

),

items as (

    {{ flexlake.flexlake_airbyte_latest(source('app', 'app_order_items'), 'id') | indent(4) }}

),

item_totals as (

    select
        order_id,
        sum(case when is_deleted = 0 then quantity * unit_price_cents else 0 end) as live_cents,
        sum(quantity * unit_price_cents) as last_cents
    from items
    group by order_id

)

select
    cast(orders.id as {{ flexlake.flexlake_type_string() }}) as order_id,
    cast(orders.user_id as {{ flexlake.flexlake_type_string() }}) as customer_id,
    cast(orders.id as {{ flexlake.flexlake_type_string() }}) as order_number,
    cast(orders.placed_at as {{ flexlake.flexlake_type_timestamp() }}) as ordered_at,
    cast(case orders.state
        when 'refunded' then 'returned'
        when 'cancelled' then 'cancelled'
        else 'completed'
    end as {{ flexlake.flexlake_type_string() }}) as order_status,
    cast('app' as {{ flexlake.flexlake_type_string() }}) as channel,
    cast(upper(orders.currency) as {{ flexlake.flexlake_type_string() }}) as currency_code,
    {{ flexlake.flexlake_money(subtotal_cents ~ ' / 100.0') }} as subtotal_amount,
    {{ flexlake.flexlake_money('0') }} as discount_amount,
    {{ flexlake.flexlake_money('orders.shipping_cents / 100.0') }} as shipping_amount,
    {{ flexlake.flexlake_money('0') }} as tax_amount,
    {{ flexlake.flexlake_money('(' ~ subtotal_cents ~ ' + orders.shipping_cents) / 100.0') }} as total_amount,
    cast(0 as integer) as is_test,
    cast(orders.placed_at as {{ flexlake.flexlake_type_timestamp() }}) as created_at,
    cast(orders.updated_at as {{ flexlake.flexlake_type_timestamp() }}) as updated_at,
    cast(orders.is_deleted as integer) as is_deleted,
    cast(orders.loaded_at as {{ flexlake.flexlake_type_timestamp() }}) as loaded_at,
    cast('app' as {{ flexlake.flexlake_type_string() }}) as source_system,
    cast('{{ source("app", "app_orders").schema }}' as {{ flexlake.flexlake_type_string() }}) as source_relation
from orders
left join item_totals
    on orders.id = item_totals.order_id
where orders.state <> 'cart'
