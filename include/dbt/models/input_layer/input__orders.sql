{#-
    Contract: orders. The union of the source adapters' orders (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__orders.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'order_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('order_id', [ref('faker__orders'), ref('shopify__orders'), ref('stripe__orders')]) }}",
) }}
{{ flexlake_union_adapters([ref('faker__orders'), ref('shopify__orders'), ref('stripe__orders')]) }}
