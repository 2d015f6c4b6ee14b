{#-
    One row per day from var calendar_start_date to calendar_end_date. Fiscal year and quarter follow
    var fiscal_year_start_month: with 4 (April), 2024-04-01 .. 2025-03-31 is fiscal year 2025 (named for
    the calendar year it ends in); with 1 the fiscal year is the calendar year.
-#}
{%- set fiscal_start = flexlake_fiscal_year_start_month() -%}
with days as (

    {{ flexlake_date_spine(var('calendar_start_date'), var('calendar_end_date')) }}

),

parts as (

    select
        date_day,
        {{ flexlake_date_part('year', 'date_day') }} as calendar_year,
        {{ flexlake_date_part('quarter', 'date_day') }} as calendar_quarter,
        {{ flexlake_date_part('month', 'date_day') }} as calendar_month,
        {{ flexlake_date_part('day', 'date_day') }} as day_of_month,
        {{ flexlake_date_part('isodow', 'date_day') }} as day_of_week,
        {{ flexlake_date_part('doy', 'date_day') }} as day_of_year
    from days

),

fiscal as (

    select
        parts.*,
        {# with fiscal_start 1 the fiscal year is the calendar year -#}
        case
            when {{ fiscal_start }} > 1 and parts.calendar_month >= {{ fiscal_start }} then parts.calendar_year + 1
            else parts.calendar_year
        end as fiscal_year,
        case
            when parts.calendar_month >= {{ fiscal_start }} then parts.calendar_month - {{ fiscal_start }}
            else parts.calendar_month + {{ 12 - fiscal_start }}
        end as fiscal_month_index
    from parts

)

select
    date_day,
    calendar_year,
    calendar_quarter,
    calendar_month,
    day_of_month,
    day_of_week,
    day_of_year,
    case when day_of_week >= 6 then 1 else 0 end as is_weekend,
    cast({{ flexlake_dateadd('day', '1 - day_of_month', 'date_day') }} as date) as month_start_date,
    fiscal_year,
    fiscal_month_index + 1 as fiscal_month,
    case
        when fiscal_month_index < 3 then 1
        when fiscal_month_index < 6 then 2
        when fiscal_month_index < 9 then 3
        else 4
    end as fiscal_quarter
from fiscal
