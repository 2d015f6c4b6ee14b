{#-
    Contract: refunds. The union of the source adapters' refunds (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__refunds.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'refund_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('refund_id', [ref('faker__refunds'), ref('shopify__refunds'), ref('stripe__refunds')]) }}",
) }}
{{ flexlake_union_adapters([ref('faker__refunds'), ref('shopify__refunds'), ref('stripe__refunds')]) }}
