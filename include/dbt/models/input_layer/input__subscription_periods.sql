{#-
    Contract: subscription periods (the billing history MRR is computed from). The union of the source
    adapters' subscription periods (models/adapters/<system>/), for the source systems the tenant has;
    columns, types and grain: input__subscription_periods.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'subscription_period_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('subscription_period_id', [ref('stripe__subscription_periods')]) }}",
) }}
{{ flexlake_union_adapters([ref('stripe__subscription_periods')]) }}
