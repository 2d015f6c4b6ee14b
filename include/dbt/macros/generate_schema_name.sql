{#
    Models land in <target.schema>_<custom schema>: with target.schema = the tenant's prefix that gives
    acme_staging, acme_core, acme_marts. Tenant isolation is the prefix; never a bare custom schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
