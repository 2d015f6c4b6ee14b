{#- The text value of a top-level key of a JSON column (Airbyte writes nested objects as JSON). -#}
{% macro flexlake_json_extract_string(column, key) -%}
    {{ return(adapter.dispatch('flexlake_json_extract_string', 'flexlake')(column, key)) }}
{%- endmacro %}

{% macro default__flexlake_json_extract_string(column, key) -%}
    json_extract_path_text({{ column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__flexlake_json_extract_string(column, key) -%}
    json_extract_string({{ column }}, '$.{{ key }}')
{%- endmacro %}

{% macro postgres__flexlake_json_extract_string(column, key) -%}
    cast({{ column }} as jsonb) ->> '{{ key }}'
{%- endmacro %}

{#- Redshift has no jsonb: json_extract_path_text on JSON text, which returns '' for a missing key (null
    like elsewhere, so a cast to a number does not fail) and, with null_if_invalid, null for invalid JSON. -#}
{% macro redshift__flexlake_json_extract_string(column, key) -%}
    nullif(json_extract_path_text({{ column }}, '{{ key }}', true), '')
{%- endmacro %}

{% macro sqlserver__flexlake_json_extract_string(column, key) -%}
    json_value({{ column }}, '$.{{ key }}')
{%- endmacro %}

{#- Airbyte's Snowflake destination writes nested objects as OBJECT/VARIANT. -#}
{% macro snowflake__flexlake_json_extract_string(column, key) -%}
    cast(get_path({{ column }}, '{{ key }}') as varchar)
{%- endmacro %}
