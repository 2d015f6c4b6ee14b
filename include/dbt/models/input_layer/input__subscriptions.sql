{#-
    Contract: subscriptions. The union of the source adapters' subscriptions (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__subscriptions.yml.
-#}
{#-
    A table rebuilt every run, not incremental: a subscription's product and amount come from its first item, so a row
    changes when a sibling record moves to another parent, which no window on loaded_at sees. These tables are
    small (a catalogue, one row per subscription).
-#}
{{ config(materialized='table', contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('stripe__subscriptions')]) }}
