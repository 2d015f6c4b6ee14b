{#-
    The customer contributions (macros/customer_contributions.sql) that are new, gone or changed since
    int_customers__order_totals' last successful build (the ledger int_customers__contributions), with the customer
    each counted for before and now: the customers the totals recompute (macros/mart_ledger.sql). Rebuilt every
    run; empty on a full refresh and while there is no ledger (the totals then recompute every customer).
-#}
{{ config(materialized='table', schema='core') }}
{{ flexlake_contribution_changes(flexlake_customer_contributions(), 'int_customers__contributions') }}
