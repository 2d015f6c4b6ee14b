{#- Lower-case hex md5 of a string expression, 32 characters on every warehouse. -#}
{% macro flexlake_md5(expression) -%}
    {{ return(adapter.dispatch('flexlake_md5', 'flexlake')(expression)) }}
{%- endmacro %}

{% macro default__flexlake_md5(expression) -%}
    md5({{ expression }})
{%- endmacro %}

{% macro sqlserver__flexlake_md5(expression) -%}
    lower(convert(varchar(32), hashbytes('MD5', {{ expression }}), 2))
{%- endmacro %}
