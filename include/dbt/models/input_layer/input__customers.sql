{#-
    Contract: customers. The union of the source adapters' customers (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__customers.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('faker__customers'), ref('shopify__customers'), ref('stripe__customers')]) }}
