{#-
    Aggregate: 1 if the condition holds for any row of the group, else 0. An integer, not a boolean,
    because SQL Server has no boolean type (house rule: flags are 0/1 integers).
-#}
{% macro flexlake_bool_or(condition) -%}
    {{ return(adapter.dispatch('flexlake_bool_or', 'flexlake')(condition)) }}
{%- endmacro %}

{% macro default__flexlake_bool_or(condition) -%}
    max(case when {{ condition }} then 1 else 0 end)
{%- endmacro %}
