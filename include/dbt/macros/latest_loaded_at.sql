{#-
    The latest of several loaded_at columns: a row made of several records (an adapter's, or a fact line with its
    order) is as new as the newest of them. The input layer and the facts re-read only the rows loaded within
    their window (macros/union_adapters.sql, macros/incremental.sql), so every record a row's values come from
    must move its loaded_at. The one way the project writes it. A null (a left join that found nothing) never wins
    (the first column is the row's own record's, never null). Nested CASE, not greatest(): SQL Server before 2022 has no greatest, and PostgreSQL's ignores
    nulls while Snowflake's returns null.
-#}
{% macro flexlake_latest_loaded_at(columns) -%}
    {%- if columns | length == 1 -%}
{{ columns[0] }}
    {%- else -%}
        {%- set rest = flexlake_latest_loaded_at(columns[1:]) -%}
case when {{ columns[0] }} is null or {{ columns[0] }} < ({{ rest }}) then ({{ rest }}) else {{ columns[0] }} end
    {%- endif -%}
{%- endmacro %}
