{#- String concatenation without `||` (SQL Server has no `||`). Arguments are SQL expressions. -#}
{% macro flexlake_concat(expressions) -%}
    {{ return(adapter.dispatch('flexlake_concat', 'flexlake')(expressions)) }}
{%- endmacro %}

{% macro default__flexlake_concat(expressions) -%}
    concat({{ expressions | join(', ') }})
{%- endmacro %}

{#- Redshift's concat() takes exactly two arguments. -#}
{% macro redshift__flexlake_concat(expressions) -%}
    {%- set ns = namespace(sql=expressions[0]) -%}
    {%- for expression in expressions[1:] -%}
        {%- set ns.sql = 'concat(' ~ ns.sql ~ ', ' ~ expression ~ ')' -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
