{#- The tenant's pass-through columns of orders (macros/pass_through.sql): latest raw value per record. -#}
{{ flexlake_pass_through_model('orders', 'order_id') }}
