{#-
    Contract: payments. The union of the source adapters' payments (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__payments.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'payment_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('payment_id', [ref('faker__payments'), ref('shopify__payments'), ref('stripe__payments')]) }}",
) }}
{{ flexlake_union_adapters([ref('faker__payments'), ref('shopify__payments'), ref('stripe__payments')]) }}
