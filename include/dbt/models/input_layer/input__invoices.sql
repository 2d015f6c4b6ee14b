{#-
    Contract: invoices. No adapter provides them yet (faker has none; Stripe will): the model builds
    empty with its declared columns.
-#}
select
    cast(null as varchar) as invoice_id,
    cast(null as varchar) as customer_id,
    cast(null as varchar) as subscription_id,
    cast(null as varchar) as order_id,
    cast(null as varchar) as invoice_status,
    cast(null as timestamp) as issued_at,
    cast(null as timestamp) as due_at,
    cast(null as timestamp) as paid_at,
    {{ flexlake_money('null') }} as subtotal_amount,
    {{ flexlake_money('null') }} as tax_amount,
    {{ flexlake_money('null') }} as total_amount,
    {{ flexlake_money('null') }} as amount_paid,
    cast(null as varchar) as currency_code,
    cast(null as timestamp) as updated_at,
    cast(null as integer) as is_deleted,
    cast(null as timestamp) as loaded_at,
    cast(null as varchar) as source_system,
    cast(null as varchar) as source_relation
where 1 = 0
