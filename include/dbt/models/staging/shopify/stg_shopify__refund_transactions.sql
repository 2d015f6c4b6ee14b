{#-
    The transactions of each Shopify refund, exploded from order_refunds.transactions (the amount is a
    decimal string there, major units). A refund's money is the sum of its successful refund transactions.
-#}
{{ config(
    unique_key=['source_relation', 'refund_id'],
    post_hook="{{ flexlake_delete_orphaned_children(ref('stg_shopify__order_refunds'), 'refund_id') }}",
) }}
with refunds as (

    {{ flexlake_changed_parents(ref('stg_shopify__order_refunds')) | indent(4) }}

),

transactions as (

    select
        refunds.refund_id,
        refunds.order_id,
        refund_transactions.element_index + 1 as transaction_number,
        {{ flexlake_json_array_element('refunds.transactions', 'refund_transactions') }} as refund_transaction,
        refunds.loaded_at,
        refunds.source_system,
        refunds.source_relation
    from refunds
    {{ flexlake_json_array_elements('refunds.transactions', 'refund_transactions') }}

)

select
    refund_id,
    order_id,
    transaction_number,
    cast({{ flexlake_json_extract_string('refund_transaction', 'id') }} as bigint) as transaction_id,
    cast({{ flexlake_json_extract_string('refund_transaction', 'parent_id') }} as bigint) as parent_transaction_id,
    lower({{ flexlake_json_extract_string('refund_transaction', 'kind') }}) as transaction_kind,
    lower({{ flexlake_json_extract_string('refund_transaction', 'status') }}) as transaction_status,
    {{ flexlake_money(flexlake_json_extract_string('refund_transaction', 'amount')) }} as amount,
    upper({{ flexlake_json_extract_string('refund_transaction', 'currency') }}) as currency_code,
    {{ flexlake_json_extract_string('refund_transaction', 'gateway') }} as gateway,
    loaded_at,
    source_system,
    source_relation
from transactions
