{#-
    Stripe adapter for the contract's invoices: every invoice, drafts included. order_id is the invoice's
    own id when it is an order (status paid, open, void or uncollectible: see stripe__orders). issued_at is
    status_transitions.finalized_at, paid_at status_transitions.paid_at.
-#}
with invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

)

select
    cast(invoice_id as varchar) as invoice_id,
    cast(customer_id as varchar) as customer_id,
    cast(subscription_id as varchar) as subscription_id,
    cast(
        case when invoice_status in ('paid', 'open', 'void', 'uncollectible') then invoice_id end as varchar
    ) as order_id,
    cast(invoice_status as varchar) as invoice_status,
    cast(finalized_at as timestamp) as issued_at,
    cast(due_at as timestamp) as due_at,
    cast(paid_at as timestamp) as paid_at,
    {{ flexlake_money('subtotal_amount') }} as subtotal_amount,
    {{ flexlake_money('tax_amount') }} as tax_amount,
    {{ flexlake_money('total_amount') }} as total_amount,
    {{ flexlake_money('amount_paid') }} as amount_paid,
    cast(currency_code as varchar) as currency_code,
    cast(updated_at as timestamp) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from invoices
