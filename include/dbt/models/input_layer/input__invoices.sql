{#-
    Contract: invoices. The union of the source adapters' invoices (models/adapters/<system>/),
    for the source systems the tenant has; columns, types and grain: input__invoices.yml.
-#}
{{ config(
    contract={'enforced': flexlake_contract_enforced()},
    unique_key=['source_relation', 'invoice_id'],
    post_hook="{{ flexlake_delete_vanished_input_rows('invoice_id', [ref('stripe__invoices')]) }}",
) }}
{{ flexlake_union_adapters([ref('stripe__invoices')]) }}
