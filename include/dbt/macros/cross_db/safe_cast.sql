{#
    cast() that yields null instead of failing when a value does not convert (sources send free text).
    DuckDB, Snowflake and SQL Server have try_cast; PostgreSQL has none, so numeric targets are guarded
    with a pattern and other targets fall back to a plain cast (their inputs are typed by the source).
#}
{% macro flexlake_safe_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('flexlake_safe_cast', 'flexlake')(expression, data_type)) }}
{%- endmacro %}

{% macro default__flexlake_safe_cast(expression, data_type) -%}
    cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro duckdb__flexlake_safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro sqlserver__flexlake_safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- Snowflake's try_cast only accepts strings. -#}
{% macro snowflake__flexlake_safe_cast(expression, data_type) -%}
    try_cast(cast({{ expression }} as varchar) as {{ data_type }})
{%- endmacro %}

{% macro postgres__flexlake_safe_cast(expression, data_type) -%}
    {%- set base_type = data_type | lower | trim -%}
    {%- if base_type.startswith(('numeric', 'decimal', 'int', 'bigint', 'smallint', 'float', 'double', 'real')) -%}
    case
        when trim(cast({{ expression }} as varchar)) ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
            then cast(trim(cast({{ expression }} as varchar)) as {{ data_type }})
    end
    {%- else -%}
    cast({{ expression }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{% macro redshift__flexlake_safe_cast(expression, data_type) -%}
    {{ postgres__flexlake_safe_cast(expression, data_type) }}
{%- endmacro %}
