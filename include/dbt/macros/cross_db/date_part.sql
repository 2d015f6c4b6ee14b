{#-
    An integer part of a date or timestamp: year, quarter, month, day, isodow (1 = Monday .. 7 = Sunday),
    doy (day of year).
-#}
{% macro flexlake_date_part(part, expression) -%}
    {%- if part not in ['year', 'quarter', 'month', 'day', 'isodow', 'doy'] -%}
        {{ exceptions.raise_compiler_error("flexlake_date_part: unsupported part '" ~ part ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('flexlake_date_part', 'flexlake')(part, expression)) }}
{%- endmacro %}

{% macro default__flexlake_date_part(part, expression) -%}
    cast(extract({{ part }} from {{ expression }}) as integer)
{%- endmacro %}

{% macro snowflake__flexlake_date_part(part, expression) -%}
    {%- set snowflake_part = {'isodow': 'dayofweekiso', 'doy': 'dayofyear'}.get(part, part) -%}
    cast(date_part({{ snowflake_part }}, {{ expression }}) as integer)
{%- endmacro %}

{#- Redshift's date parts have no isodow: dow is 0 (Sunday) .. 6, moved to ISO (Sunday = 7). -#}
{% macro redshift__flexlake_date_part(part, expression) -%}
    {%- if part == 'isodow' -%}
    cast((extract(dow from {{ expression }}) + 6) % 7 + 1 as integer)
    {%- else -%}
    {{ default__flexlake_date_part(part, expression) }}
    {%- endif -%}
{%- endmacro %}

{#- datepart(weekday) depends on SET DATEFIRST: normalise it to ISO (Monday = 1). -#}
{% macro sqlserver__flexlake_date_part(part, expression) -%}
    {%- if part == 'isodow' -%}
    ((datepart(weekday, {{ expression }}) + @@datefirst - 2) % 7 + 1)
    {%- else -%}
    datepart({{ {'doy': 'dayofyear'}.get(part, part) }}, {{ expression }})
    {%- endif -%}
{%- endmacro %}
