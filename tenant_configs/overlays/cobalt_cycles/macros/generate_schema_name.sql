{#- dbt takes generate_schema_name from the root project only: delegate to the product's, so every model
    (the product's and this overlay's) lands in <prefix>_<layer> as usual. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(flexlake.generate_schema_name(custom_schema_name, node)) }}
{%- endmacro %}
