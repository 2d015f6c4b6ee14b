{#-
    Contract: subscription periods (the billing history MRR is computed from). The union of the source
    adapters' subscription periods (models/adapters/<system>/), for the source systems the tenant has;
    columns, types and grain: input__subscription_periods.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('stripe__subscription_periods')]) }}
