{#-
    app adapter (the application database), orders: app_orders -> input__orders' columns. Carts are not orders; the app's states map to
    the contract's statuses; cents become numeric(18,2) amounts; total = items + shipping (no discount or tax).
-#}
with items as (

    select
        order_id,
        sum(quantity * unit_price_cents) as subtotal_cents
    from {{ source('app', 'app_order_items') }}
    group by order_id

)

select
    cast(app_orders.id as {{ dbt.type_string() }}) as order_id,
    cast(app_orders.user_id as {{ dbt.type_string() }}) as customer_id,
    cast(app_orders.id as {{ dbt.type_string() }}) as order_number,
    cast(app_orders.placed_at as {{ dbt.type_timestamp() }}) as ordered_at,
    cast(case app_orders.state
        when 'refunded' then 'returned'
        when 'cancelled' then 'cancelled'
        else 'completed'
    end as {{ dbt.type_string() }}) as order_status,
    cast('app' as {{ dbt.type_string() }}) as channel,
    cast(upper(app_orders.currency) as {{ dbt.type_string() }}) as currency_code,
    {{ flexlake.flexlake_money('coalesce(items.subtotal_cents, 0) / 100.0') }} as subtotal_amount,
    {{ flexlake.flexlake_money('0') }} as discount_amount,
    {{ flexlake.flexlake_money('app_orders.shipping_cents / 100.0') }} as shipping_amount,
    {{ flexlake.flexlake_money('0') }} as tax_amount,
    {{ flexlake.flexlake_money('(coalesce(items.subtotal_cents, 0) + app_orders.shipping_cents) / 100.0') }} as total_amount,
    cast(0 as integer) as is_test,
    cast(app_orders.placed_at as {{ dbt.type_timestamp() }}) as created_at,
    cast(app_orders.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(app_orders.updated_at as {{ dbt.type_timestamp() }}) as loaded_at,
    cast('app' as {{ dbt.type_string() }}) as source_system,
    cast('{{ source("app", "app_orders").schema }}' as {{ dbt.type_string() }}) as source_relation
from {{ source('app', 'app_orders') }} as app_orders
left join items
    on app_orders.id = items.order_id
where app_orders.state <> 'cart'
