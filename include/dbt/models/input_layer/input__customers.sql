{#-
    Contract: customers. The union of the source adapters' customers (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__customers.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'customer_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('customer_id', [ref('faker__customers'), ref('shopify__customers'), ref('stripe__customers')]) }}",
) }}
{{ flexlake_union_adapters([ref('faker__customers'), ref('shopify__customers'), ref('stripe__customers')]) }}
