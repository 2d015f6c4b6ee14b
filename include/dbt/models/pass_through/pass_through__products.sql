{#- The tenant's pass-through columns of products (macros/pass_through.sql): latest raw value per record. -#}
{{ flexlake_pass_through_model('products', 'product_id') }}
