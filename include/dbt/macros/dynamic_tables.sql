{#-
    Revenue marts as Snowflake dynamic tables (issue 16 item 5): a Snowflake tenant's file sets
    `warehouse.revenue_marts: dynamic_table`, and the warehouse's vars (warehouses/snowflake.py) give
    flexlake_revenue_marts = 'dynamic_table' and flexlake_dynamic_table_target_lag = the tier's lag
    (warehouses/sizing.py). Then mart_revenue_daily and mart_revenue_daily_by_channel are dynamic tables on the
    tenant's warehouse (the profile's, where every query of the tenant runs) with that target lag, defined by their
    full-history SELECT (the incremental branches are off: `flexlake_is_incremental_run()` is false for them), and
    Snowflake keeps them current from their facts. Every other warehouse keeps them incremental.
    Each dbt run also refreshes them synchronously (post-hook): the facts change only in a run, so the run's own
    data tests (the reconciliations against the facts) and the run's end see current marts, not marts up to one
    target lag behind. docs/warehouses.md, "Dynamic tables", says what a real account must confirm.
-#}
{% macro flexlake_revenue_marts_dynamic() -%}
    {%- set choice = var('flexlake_revenue_marts', 'incremental') -%}
    {%- if choice not in ('incremental', 'dynamic_table') -%}
        {{ exceptions.raise_compiler_error(
            "var flexlake_revenue_marts is '" ~ choice ~ "': it must be 'incremental' or 'dynamic_table' "
            ~ "(the tenant file's warehouse.revenue_marts)") }}
    {%- endif -%}
    {%- if choice == 'dynamic_table' and target.type != 'snowflake' -%}
        {{ exceptions.raise_compiler_error(
            "revenue marts as dynamic tables are Snowflake's, and this target is " ~ target.type
            ~ ": set warehouse.revenue_marts to incremental (or leave it out)") }}
    {%- endif -%}
    {{- return(choice == 'dynamic_table') -}}
{%- endmacro %}

{#- The revenue marts' `materialized`: dynamic_table on a Snowflake tenant that chose it, else incremental. -#}
{% macro flexlake_revenue_mart_materialization() -%}
    {{- return('dynamic_table' if flexlake.flexlake_revenue_marts_dynamic() else 'incremental') -}}
{%- endmacro %}

{#- A dynamic revenue mart's target lag (the tier's), none otherwise. -#}
{% macro flexlake_dynamic_table_target_lag() -%}
    {%- if not flexlake.flexlake_revenue_marts_dynamic() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set lag = var('flexlake_dynamic_table_target_lag', none) -%}
    {%- if not lag -%}
        {{ exceptions.raise_compiler_error(
            "var flexlake_dynamic_table_target_lag is missing: a dynamic revenue mart needs the tier's target lag "
            ~ "(set by the DAG from the tenant's tier)") }}
    {%- endif -%}
    {{- return(lag) -}}
{%- endmacro %}

{#- The warehouse a dynamic revenue mart refreshes on: the tenant's own (the profile's), so its cost is the tenant's. -#}
{% macro flexlake_dynamic_table_warehouse() -%}
    {{- return(target.warehouse if flexlake.flexlake_revenue_marts_dynamic() else none) -}}
{%- endmacro %}

{#- Post-hook of a revenue mart: refresh it now when it is a dynamic table (a no-op statement otherwise). -#}
{% macro flexlake_refresh_dynamic_table() -%}
    {%- if model.config.materialized == 'dynamic_table' -%}
alter dynamic table {{ this }} refresh
    {%- endif -%}
{%- endmacro %}
