{#- Money is numeric(18,2) everywhere, never a float. -#}
{% macro flexlake_money(expression) -%}
    cast({{ expression }} as numeric(18, 2))
{%- endmacro %}
