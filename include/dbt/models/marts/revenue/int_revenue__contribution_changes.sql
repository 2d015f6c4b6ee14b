{#-
    The revenue contributions (macros/revenue_contributions.sql) that are new, gone or changed since the revenue
    marts' last successful build (the ledger int_revenue__contributions), with the day they counted on before and
    now: what mart_revenue_daily and mart_revenue_daily_by_channel recompute (macros/mart_ledger.sql). Rebuilt every
    run; empty on a full refresh and while there is no ledger (the marts then recompute every day).
-#}
{{ config(materialized='table', schema='core') }}
{{ flexlake_contribution_changes(flexlake_revenue_contributions(), 'int_revenue__contributions') }}
