{#-
    Contract: invoices. The union of the source adapters' invoices (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__invoices.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('stripe__invoices')]) }}
