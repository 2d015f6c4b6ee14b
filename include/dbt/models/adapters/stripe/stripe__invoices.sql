{#-
    Stripe adapter for the contract's invoices: every invoice, drafts included. order_id is the invoice's
    own id when it is an order (status paid, open, void or uncollectible: see stripe__orders). issued_at is
    status_transitions.finalized_at, paid_at status_transitions.paid_at.
-#}
with invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

)

select
    cast(invoice_id as {{ flexlake_type_string() }}) as invoice_id,
    cast(customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(subscription_id as {{ flexlake_type_string() }}) as subscription_id,
    cast(
        case when invoice_status in ('paid', 'open', 'void', 'uncollectible') then invoice_id end
        as {{ flexlake_type_string() }}
    ) as order_id,
    cast(invoice_status as {{ flexlake_type_string() }}) as invoice_status,
    cast(finalized_at as {{ flexlake_type_timestamp() }}) as issued_at,
    cast(due_at as {{ flexlake_type_timestamp() }}) as due_at,
    cast(paid_at as {{ flexlake_type_timestamp() }}) as paid_at,
    {{ flexlake_money('subtotal_amount') }} as subtotal_amount,
    {{ flexlake_money('tax_amount') }} as tax_amount,
    {{ flexlake_money('total_amount') }} as total_amount,
    {{ flexlake_money('amount_paid') }} as amount_paid,
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from invoices
