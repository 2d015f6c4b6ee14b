{#-
    Contract: orders. The union of the source adapters' orders (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__orders.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('faker__orders'), ref('shopify__orders'), ref('stripe__orders')]) }}
