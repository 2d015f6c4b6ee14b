{#-
    Stripe adapter for the contract's orders. An order is
      - an invoice with status paid, open, void or uncollectible (drafts are no orders): paid → completed,
        or by its charge's amount_refunded returned (all) / partially_returned (part); open → pending;
        void / uncollectible → cancelled; discount = subtotal + tax - total, no shipping;
      - a succeeded charge without invoice (a one-off payment): one line, id = the charge's id, status by
        amount_refunded as above.
    livemode false is a test order (is_test = 1). A deleted invoice keeps its row with is_deleted = 1.
    loaded_at is the latest extraction of the records the row is made of: a one-off charge's own; an
    invoice's or its charge's, whichever is later (a refund or a failed refund changes only the charge, and
    with it the order's status), so an incremental fct_orders recomputes the order.
-#}
with invoices as (

    select * from {{ ref('stg_stripe__invoices') }}
    where invoice_status in ('paid', 'open', 'void', 'uncollectible')

),

charges as (

    select * from {{ ref('stg_stripe__charges') }}

),

invoice_orders as (

    select
        invoices.invoice_id as order_id,
        invoices.customer_id,
        coalesce(invoices.invoice_number, invoices.invoice_id) as order_number,
        invoices.created_at as ordered_at,
        case
            when invoices.invoice_status = 'open' then 'pending'
            when invoices.invoice_status in ('void', 'uncollectible') then 'cancelled'
            when charges.amount_refunded_minor >= charges.amount_minor and charges.amount_refunded_minor > 0
                then 'returned'
            when charges.amount_refunded_minor > 0 then 'partially_returned'
            else 'completed'
        end as order_status,
        invoices.currency_code,
        invoices.subtotal_amount,
        invoices.subtotal_amount + invoices.tax_amount - invoices.total_amount as discount_amount,
        invoices.tax_amount,
        invoices.total_amount,
        invoices.is_livemode,
        invoices.created_at,
        invoices.updated_at,
        invoices.is_deleted,
        {{ flexlake_latest_loaded_at(['invoices.loaded_at', 'charges.loaded_at']) }} as loaded_at,
        invoices.source_system,
        invoices.source_relation
    from invoices
    left join charges
        on invoices.source_relation = charges.source_relation
        and invoices.charge_id = charges.charge_id

),

charge_orders as (

    select
        charge_id as order_id,
        customer_id,
        charge_id as order_number,
        created_at as ordered_at,
        case
            when amount_refunded_minor >= amount_minor and amount_refunded_minor > 0 then 'returned'
            when amount_refunded_minor > 0 then 'partially_returned'
            else 'completed'
        end as order_status,
        currency_code,
        amount as subtotal_amount,
        0 as discount_amount,
        0 as tax_amount,
        amount as total_amount,
        is_livemode,
        created_at,
        updated_at,
        0 as is_deleted,
        loaded_at,
        source_system,
        source_relation
    from charges
    where invoice_id is null
        and charge_status = 'succeeded'

),

stripe_orders as (

    select * from invoice_orders
    union all
    select * from charge_orders

)

select
    cast(order_id as {{ flexlake_type_string() }}) as order_id,
    cast(customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(order_number as {{ flexlake_type_string() }}) as order_number,
    cast(ordered_at as {{ flexlake_type_timestamp() }}) as ordered_at,
    cast(order_status as {{ flexlake_type_string() }}) as order_status,
    cast('online' as {{ flexlake_type_string() }}) as channel,
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    {{ flexlake_money('subtotal_amount') }} as subtotal_amount,
    {{ flexlake_money('discount_amount') }} as discount_amount,
    {{ flexlake_money('0') }} as shipping_amount,
    {{ flexlake_money('tax_amount') }} as tax_amount,
    {{ flexlake_money('total_amount') }} as total_amount,
    cast(1 - is_livemode as integer) as is_test,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from stripe_orders
