{#
    A select statement with one row per day from start_date to end_date inclusive, in a column
    `date_day` (date). Both dates are ISO literals ('2000-01-01'), so the day count is computed here.
    The statement has no CTE of its own: callers put it inside one (T-SQL allows no nested CTEs).
    Default: a cross join of digit tables (every warehouse, up to 1,000,000 days); PostgreSQL and DuckDB
    use generate_series.
#}
{% macro flexlake_date_spine(start_date, end_date) -%}
    {%- set start = modules.datetime.date.fromisoformat(start_date | string) -%}
    {%- set end = modules.datetime.date.fromisoformat(end_date | string) -%}
    {%- set days = (end - start).days + 1 -%}
    {%- if days < 1 or days > 1000000 -%}
        {{ exceptions.raise_compiler_error(
            "flexlake_date_spine: need 1 to 1,000,000 days from " ~ start ~ " to " ~ end ~ ", got " ~ days) }}
    {%- endif -%}
    {{ return(adapter.dispatch('flexlake_date_spine', 'flexlake')(start, end, days)) }}
{%- endmacro %}

{% macro default__flexlake_date_spine(start, end, days) -%}
    {%- set digits = "(values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))" -%}
    select cast({{ flexlake_dateadd('day', 'numbers.day_number', "cast('" ~ start ~ "' as date)") }} as date) as date_day
    from (
        select
            d0.n + 10 * d1.n + 100 * d2.n + 1000 * d3.n + 10000 * d4.n + 100000 * d5.n as day_number
        from {{ digits }} as d0 (n)
        cross join {{ digits }} as d1 (n)
        cross join {{ digits }} as d2 (n)
        cross join {{ digits }} as d3 (n)
        cross join {{ digits }} as d4 (n)
        cross join {{ digits }} as d5 (n)
    ) as numbers
    where numbers.day_number < {{ days }}
{%- endmacro %}

{% macro postgres__flexlake_date_spine(start, end, days) -%}
    select cast(days.day_value as date) as date_day
    from generate_series(cast('{{ start }}' as timestamp), cast('{{ end }}' as timestamp), interval '1 day')
        as days (day_value)
{%- endmacro %}

{% macro duckdb__flexlake_date_spine(start, end, days) -%}
    {{ postgres__flexlake_date_spine(start, end, days) }}
{%- endmacro %}

{#- Redshift: generate_series runs on the leader node only (a CREATE TABLE AS over it fails) and a VALUES
    list is no FROM item there, so the digits are a union. -#}
{% macro redshift__flexlake_date_spine(start, end, days) -%}
    {%- set digits = "(select 0 as n union all select 1 union all select 2 union all select 3 union all select 4"
        ~ " union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)" -%}
    select cast({{ flexlake_dateadd('day', 'numbers.day_number', "cast('" ~ start ~ "' as date)") }} as date) as date_day
    from (
        select
            d0.n + 10 * d1.n + 100 * d2.n + 1000 * d3.n + 10000 * d4.n + 100000 * d5.n as day_number
        from {{ digits }} as d0
        cross join {{ digits }} as d1
        cross join {{ digits }} as d2
        cross join {{ digits }} as d3
        cross join {{ digits }} as d4
        cross join {{ digits }} as d5
    ) as numbers
    where numbers.day_number < {{ days }}
{%- endmacro %}
