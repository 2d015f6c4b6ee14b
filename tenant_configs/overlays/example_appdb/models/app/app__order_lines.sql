{#- app adapter (the application database), order lines: app_order_items of orders (not carts) -> input__order_lines' columns. -#}
select
    cast(items.id as {{ dbt.type_string() }}) as order_line_id,
    cast(items.order_id as {{ dbt.type_string() }}) as order_id,
    cast(null as {{ dbt.type_string() }}) as product_id,
    cast(null as {{ dbt.type_string() }}) as variant_id,
    cast(items.line_number as integer) as line_number,
    cast(items.quantity as integer) as quantity,
    {{ flexlake.flexlake_money('items.unit_price_cents / 100.0') }} as unit_price,
    {{ flexlake.flexlake_money('0') }} as discount_amount,
    {{ flexlake.flexlake_money('items.quantity * items.unit_price_cents / 100.0') }} as line_amount,
    cast(upper(app_orders.currency) as {{ dbt.type_string() }}) as currency_code,
    cast(app_orders.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(app_orders.updated_at as {{ dbt.type_timestamp() }}) as loaded_at,
    cast('app' as {{ dbt.type_string() }}) as source_system,
    cast('{{ source("app", "app_order_items").schema }}' as {{ dbt.type_string() }}) as source_relation
from {{ source('app', 'app_order_items') }} as items
inner join {{ source('app', 'app_orders') }} as app_orders
    on items.order_id = app_orders.id
where app_orders.state <> 'cart'
