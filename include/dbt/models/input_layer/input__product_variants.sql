{#-
    Contract: product variants. The union of the source adapters' product_variants (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__product_variants.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'variant_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('variant_id', [ref('faker__product_variants'), ref('shopify__product_variants'), ref('stripe__product_variants')]) }}",
) }}
{{ flexlake_union_adapters(
    [ref('faker__product_variants'), ref('shopify__product_variants'), ref('stripe__product_variants')]
) }}
