{#- The tenant's pass-through columns of customers (macros/pass_through.sql): latest raw value per record. -#}
{{ flexlake_pass_through_model('customers', 'customer_id') }}
