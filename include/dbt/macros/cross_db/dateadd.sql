{#- expression + amount * part, part one of day, hour, month, year; amount an integer SQL expression. -#}
{% macro flexlake_dateadd(part, amount, expression) -%}
    {%- if part not in ['year', 'month', 'day', 'hour', 'minute', 'second'] -%}
        {{ exceptions.raise_compiler_error("flexlake_dateadd: unsupported date part '" ~ part ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('flexlake_dateadd', 'flexlake')(part, amount, expression)) }}
{%- endmacro %}

{% macro default__flexlake_dateadd(part, amount, expression) -%}
    dateadd({{ part }}, {{ amount }}, {{ expression }})
{%- endmacro %}

{% macro postgres__flexlake_dateadd(part, amount, expression) -%}
    ({{ expression }} + ({{ amount }}) * interval '1 {{ part }}')
{%- endmacro %}

{% macro duckdb__flexlake_dateadd(part, amount, expression) -%}
    ({{ expression }} + cast({{ amount }} as integer) * interval '1 {{ part }}')
{%- endmacro %}

{#- Redshift has dateadd (the PostgreSQL variant's interval arithmetic is not Redshift's). -#}
{% macro redshift__flexlake_dateadd(part, amount, expression) -%}
    {{ default__flexlake_dateadd(part, amount, expression) }}
{%- endmacro %}

{#- Whole days from start_date to end_date (dates), negative when end_date is earlier. -#}
{% macro flexlake_datediff_days(start_date, end_date) -%}
    {{ return(adapter.dispatch('flexlake_datediff_days', 'flexlake')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__flexlake_datediff_days(start_date, end_date) -%}
    datediff(day, {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro postgres__flexlake_datediff_days(start_date, end_date) -%}
    (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{% macro duckdb__flexlake_datediff_days(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}
