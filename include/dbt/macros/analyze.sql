{#-
    A post-hook on every model (dbt_project.yml): on PostgreSQL, `analyze` each table right after it is built.
    A table made by `create table as` has no planner statistics until autovacuum gets to it, so the next
    model's query may be planned blind: fct_orders once took 4.5 min instead of seconds at 20k input rows
    (nested loops chosen on an unanalyzed input table). Sampling a table takes milliseconds.
    Views have nothing to analyze; other warehouses keep their own statistics (Redshift analyzes on load).
-#}
{% macro flexlake_analyze_table() -%}
    {{ return(adapter.dispatch('flexlake_analyze_table', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_analyze_table() -%}
{%- endmacro %}

{% macro postgres__flexlake_analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
