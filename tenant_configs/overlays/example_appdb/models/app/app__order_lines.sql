{#-
    app adapter (the application database, synced by Airbyte with CDC), order lines: the latest version of each
    app_order_items row of an order (not a cart) -> input__order_lines' columns. A line is deleted when its item
    or its order is; loaded_at is the later of the item's and the order's latest extraction, so an incremental
    fct_order_lines re-reads a line when either changes.
-#}
with orders as (

    {{ flexlake.flexlake_airbyte_latest(source('app', 'app_orders'), 'id', cursor='updated_at') | indent(4) }}

),

items as (

    {{ flexlake.flexlake_airbyte_latest(source('app', 'app_order_items'), 'id') | indent(4) }}

)

select
    cast(items.id as {{ flexlake.flexlake_type_string() }}) as order_line_id,
    cast(items.order_id as {{ flexlake.flexlake_type_string() }}) as order_id,
    cast(null as {{ flexlake.flexlake_type_string() }}) as product_id,
    cast(null as {{ flexlake.flexlake_type_string() }}) as variant_id,
    cast(items.line_number as integer) as line_number,
    cast(items.quantity as integer) as quantity,
    {{ flexlake.flexlake_money('items.unit_price_cents / 100.0') }} as unit_price,
    {{ flexlake.flexlake_money('0') }} as discount_amount,
    {{ flexlake.flexlake_money('items.quantity * items.unit_price_cents / 100.0') }} as line_amount,
    cast(upper(orders.currency) as {{ flexlake.flexlake_type_string() }}) as currency_code,
    cast(orders.updated_at as {{ flexlake.flexlake_type_timestamp() }}) as updated_at,
    cast(case when items.is_deleted = 1 or orders.is_deleted = 1 then 1 else 0 end as integer) as is_deleted,
    cast(case
        when orders.loaded_at > items.loaded_at then orders.loaded_at
        else items.loaded_at
    end as {{ flexlake.flexlake_type_timestamp() }}) as loaded_at,
    cast('app' as {{ flexlake.flexlake_type_string() }}) as source_system,
    cast('{{ source("app", "app_order_items").schema }}' as {{ flexlake.flexlake_type_string() }}) as source_relation
from items
inner join orders
    on items.order_id = orders.id
where orders.state <> 'cart'
