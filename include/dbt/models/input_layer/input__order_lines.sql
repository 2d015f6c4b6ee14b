{#-
    Contract: order lines. The union of the source adapters' order_lines (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__order_lines.yml.
-#}
{{ config(contract={'enforced': flexlake_contract_enforced()}) }}
{{ flexlake_union_adapters([ref('faker__order_lines'), ref('shopify__order_lines'), ref('stripe__order_lines')]) }}
