{#-
    Data type names for casts in models, where the ANSI name means something else on a warehouse.
    PostgreSQL, DuckDB and Snowflake take `varchar` and `timestamp` as written (the contracts' data_types,
    which PostgreSQL tells apart from `text`). SQL Server does not: a varchar without a length is varchar(30)
    in a cast (longer values are cut silently), and `timestamp` is rowversion, not a date. Redshift's bare
    varchar is varchar(256).
-#}
{% macro flexlake_type_string() -%}
    {{ return(adapter.dispatch('flexlake_type_string', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_type_string() -%}
    {{ return('varchar') }}
{%- endmacro %}

{% macro sqlserver__flexlake_type_string() -%}
    {{ return(dbt.type_string()) }}
{%- endmacro %}

{#- Redshift's varchar without a length is varchar(256): longer text would fail to load. 65535 is its maximum. -#}
{% macro redshift__flexlake_type_string() -%}
    {{ return('varchar(65535)') }}
{%- endmacro %}

{% macro flexlake_type_timestamp() -%}
    {{ return(adapter.dispatch('flexlake_type_timestamp', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_type_timestamp() -%}
    {{ return('timestamp') }}
{%- endmacro %}

{% macro sqlserver__flexlake_type_timestamp() -%}
    {{ return(dbt.type_timestamp()) }}
{%- endmacro %}

{#- A contract data_type (input-layer yml) as a cast type on this warehouse: varchar and timestamp mapped. -#}
{% macro flexlake_contract_type(data_type) -%}
    {%- set name = data_type | lower | trim -%}
    {%- if name == 'varchar' -%}
        {{ return(flexlake_type_string()) }}
    {%- elif name == 'timestamp' -%}
        {{ return(flexlake_type_timestamp()) }}
    {%- else -%}
        {{ return(data_type) }}
    {%- endif -%}
{%- endmacro %}
