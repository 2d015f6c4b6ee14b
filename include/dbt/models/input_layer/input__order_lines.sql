{#-
    Contract: order lines. The union of the source adapters' order_lines (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__order_lines.yml. An incremental run
    replaces the lines of every order with a line in the window (Stripe numbers an invoice's lines).
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'order_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows(['order_id', 'order_line_id'], [ref('faker__order_lines'), ref('shopify__order_lines'), ref('stripe__order_lines')]) }}",
) }}
{{ flexlake_union_adapters(
    [ref('faker__order_lines'), ref('shopify__order_lines'), ref('stripe__order_lines')], changed_parent='order_id'
) }}
