{#-
    Contract: products. The union of the source adapters' products (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__products.yml.
-#}
{#-
    A table rebuilt every run, not incremental: a product's list price is the lowest of its variants' (Shopify), its currency its
    prices' (Stripe), so a row
    changes when a sibling record moves to another parent, which no window on loaded_at sees. These tables are
    small (a catalogue, one row per subscription).
-#}
{{ config(materialized='table', contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('faker__products'), ref('shopify__products'), ref('stripe__products')]) }}
