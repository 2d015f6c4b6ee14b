{#-
    Stripe adapter for the contract's payments: every charge (succeeded → captured, pending, failed). Its
    order is its invoice, or the charge itself for a one-off charge, when that is a (not deleted) order of
    stripe__orders; else order_id is null. Method: payment_method_details.type, 'unknown' if absent.
    order_id depends on the invoice too (a voided, deleted or draft invoice is no order), so loaded_at is the
    latest of the charge's, its invoice's and its order's: an incremental run then re-reads the charge.
-#}
with charges as (

    select * from {{ ref('stg_stripe__charges') }}

),

orders as (

    select * from {{ ref('stripe__orders') }}
    where is_deleted = 0

),

invoices as (

    select
        source_relation,
        invoice_id,
        loaded_at
    from {{ ref('stg_stripe__invoices') }}

)

select
    cast(charges.charge_id as {{ flexlake_type_string() }}) as payment_id,
    cast(orders.order_id as {{ flexlake_type_string() }}) as order_id,
    cast(charges.customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(charges.created_at as {{ flexlake_type_timestamp() }}) as paid_at,
    cast(coalesce(charges.payment_method_type, 'unknown') as {{ flexlake_type_string() }}) as payment_method,
    cast(
        case charges.charge_status
            when 'succeeded' then 'captured'
            when 'pending' then 'pending'
            else 'failed'
        end as {{ flexlake_type_string() }}
    ) as payment_status,
    {{ flexlake_money('charges.amount') }} as amount,
    cast(charges.currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(charges.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(
        {{ flexlake_latest_loaded_at(['charges.loaded_at', 'invoices.loaded_at', 'orders.loaded_at']) }}
        as {{ flexlake_type_timestamp() }}
    ) as loaded_at,
    cast(charges.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(charges.source_relation as {{ flexlake_type_string() }}) as source_relation
from charges
left join orders
    on charges.source_relation = orders.source_relation
    and coalesce(charges.invoice_id, charges.charge_id) = orders.order_id
left join invoices
    on charges.source_relation = invoices.source_relation
    and charges.invoice_id = invoices.invoice_id
