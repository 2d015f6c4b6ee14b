{#- A naive UTC timestamp from seconds since 1970-01-01 UTC (Stripe's `created`, `period_start`, ...). -#}
{% macro flexlake_epoch_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('flexlake_epoch_to_timestamp', 'flexlake')(expression)) }}
{%- endmacro %}

{% macro default__flexlake_epoch_to_timestamp(expression) -%}
    cast(to_timestamp({{ expression }}) as timestamp)
{%- endmacro %}

{#- to_timestamp() gives a timestamptz shown in the session time zone: pin it to UTC before dropping it. -#}
{% macro postgres__flexlake_epoch_to_timestamp(expression) -%}
    (to_timestamp({{ expression }}) at time zone 'UTC')
{%- endmacro %}

{% macro redshift__flexlake_epoch_to_timestamp(expression) -%}
    dateadd(second, cast({{ expression }} as bigint), cast('1970-01-01' as timestamp))
{%- endmacro %}

{#- make_timestamp(microseconds) is naive UTC whatever the session's TimeZone. -#}
{% macro duckdb__flexlake_epoch_to_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro snowflake__flexlake_epoch_to_timestamp(expression) -%}
    to_timestamp_ntz(cast({{ expression }} as bigint))
{%- endmacro %}

{% macro sqlserver__flexlake_epoch_to_timestamp(expression) -%}
    dateadd(second, cast({{ expression }} as bigint), cast('1970-01-01' as datetime2))
{%- endmacro %}

{#-
    A naive UTC timestamp from milliseconds since 1970-01-01 UTC. Airbyte's SQL Server destination stores
    `_airbyte_extracted_at` as BIGINT epoch milliseconds (the others as a timestamp); flexlake_raw_value uses
    this for any column declared a timestamp that a warehouse holds as an integer.
-#}
{% macro flexlake_epoch_millis_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('flexlake_epoch_millis_to_timestamp', 'flexlake')(expression)) }}
{%- endmacro %}

{% macro default__flexlake_epoch_millis_to_timestamp(expression) -%}
    (to_timestamp({{ expression }} / 1000.0) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__flexlake_epoch_millis_to_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000)
{%- endmacro %}

{% macro snowflake__flexlake_epoch_millis_to_timestamp(expression) -%}
    to_timestamp_ntz(cast({{ expression }} as bigint), 3)
{%- endmacro %}

{#- dateadd takes an int: whole seconds first (an int until 2038), then the milliseconds. -#}
{% macro redshift__flexlake_epoch_millis_to_timestamp(expression) -%}
    dateadd(millisecond, cast({{ expression }} % 1000 as integer),
        dateadd(second, cast({{ expression }} / 1000 as integer), cast('1970-01-01' as timestamp)))
{%- endmacro %}

{% macro sqlserver__flexlake_epoch_millis_to_timestamp(expression) -%}
    dateadd(millisecond, cast({{ expression }} % 1000 as int),
        dateadd(second, cast({{ expression }} / 1000 as int), cast('1970-01-01' as datetime2(6))))
{%- endmacro %}
