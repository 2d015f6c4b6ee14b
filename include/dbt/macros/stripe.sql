{#- Stripe helpers shared by models/staging/stripe and models/adapters/stripe. -#}

{#-
    An amount in integer minor units (Stripe's representation) as numeric(18,2) major units: multiplied by
    an exact decimal 10^-minor_units (seed currencies: JPY 0, USD 2, BHD 3), never through a float.
    (Division and power() would give a double on DuckDB.)
-#}
{% macro flexlake_stripe_major_units(amount, minor_units) -%}
    {{ flexlake_money(
        'cast(' ~ amount ~ ' as numeric(18, 0)) * case ' ~ minor_units
        ~ ' when 0 then cast(1 as numeric(5, 4)) when 1 then cast(0.1 as numeric(5, 4))'
        ~ ' when 3 then cast(0.001 as numeric(5, 4)) when 4 then cast(0.0001 as numeric(5, 4))'
        ~ ' else cast(0.01 as numeric(5, 4)) end'
    ) }}
{%- endmacro %}

{#- A raw boolean as the product's 0/1 integer flag; null counts as 0. -#}
{% macro flexlake_stripe_flag(column) -%}
    {{ return(adapter.dispatch('flexlake_stripe_flag', 'flexlake')(column)) }}
{%- endmacro %}

{% macro default__flexlake_stripe_flag(column) -%}
    case when {{ column }} then 1 else 0 end
{%- endmacro %}

{#- SQL Server has no boolean: Airbyte writes bit. -#}
{% macro sqlserver__flexlake_stripe_flag(column) -%}
    case when {{ column }} = 1 then 1 else 0 end
{%- endmacro %}

{#- Epoch seconds held in a JSON key (status_transitions.paid_at, period.start, ...) as a naive UTC timestamp. -#}
{% macro flexlake_stripe_json_epoch(column, key) -%}
    {{ flexlake_epoch_to_timestamp('cast(' ~ flexlake_json_extract_string(column, key) ~ ' as bigint)') }}
{%- endmacro %}

{#-
    A recurring amount per month, at full precision (numeric(28,12)): amount * (month 1, year 1/12,
    week 52/12, day 365/12) / interval_count. Multiplication by decimal constants only (DuckDB divides
    decimals as doubles); interval counts 1-36 (Stripe's maximum for months), else null. Rounded to cents
    only where figures are reported.
-#}
{% macro flexlake_monthly_amount(amount, interval, interval_count) -%}
    cast(
        cast(
            cast({{ amount }} as numeric(18, 2)) * case {{ interval }}
                when 'month' then cast(1 as numeric(20, 18))
                when 'year' then cast(0.083333333333333333 as numeric(20, 18))
                when 'week' then cast(4.333333333333333333 as numeric(20, 18))
                when 'day' then cast(30.416666666666666667 as numeric(20, 18))
            end
            as numeric(30, 14)
        ) * case coalesce({{ interval_count }}, 1)
            {%- for count in range(1, 37) %}
            when {{ count }} then cast({{ '%.14f' | format(1 / count) }} as numeric(16, 14))
            {%- endfor %}
        end
        as numeric(28, 12)
    )
{%- endmacro %}
