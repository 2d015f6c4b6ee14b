{#-
    Contract: products. The union of the source adapters' products (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__products.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('faker__products'), ref('shopify__products'), ref('stripe__products')]) }}
