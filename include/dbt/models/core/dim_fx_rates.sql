{#-
    The rate of every currency into the reporting currency (var reporting_currency), with validity ranges.
    Per day of input__fx_rates and currency, the first that exists:
      1 direct   a row currency -> reporting currency;
      2 inverse  a row reporting currency -> currency: 1 / rate;
      3 cross    via a base currency with rates of both on the same day (ECB tables give EUR -> X only):
                 rate(currency -> base) * rate(base -> reporting), each leg direct, else inverse; with several
                 bases, the first by code.
    Derived rates are rounded to 10 decimal places (numeric(28,10)). Each rate is valid from its day until the
    next day the currency has one (valid_to, exclusive, by lead(); null = still valid), so an order on a
    weekend or holiday uses the latest rate on or before its day. Before a currency's first rate there is none:
    the marts leave such amounts out of converted sums and count them (mart_revenue_daily.unconverted_orders).
    The reporting currency itself always has rate 1, so a single-currency tenant needs no rate table.
-#}
{%- set reporting = flexlake_reporting_currency() -%}
with rates as (

    select
        rate_date,
        from_currency,
        to_currency,
        rate
    from {{ ref('input__fx_rates') }}
    where from_currency <> to_currency
        and rate > 0

),

legs as (

    select
        rate_date,
        from_currency,
        to_currency,
        rate,
        1 as leg_priority
    from rates

    union all

    select
        rate_date,
        to_currency as from_currency,
        from_currency as to_currency,
        cast(cast(1 as {{ flexlake_fx_rate_type() }}) / rate as {{ flexlake_fx_rate_type() }}) as rate,
        2 as leg_priority
    from rates

),

ranked_legs as (

    select
        rate_date,
        from_currency,
        to_currency,
        rate,
        leg_priority,
        row_number() over (
            partition by rate_date, from_currency, to_currency
            order by leg_priority
        ) as leg_rank
    from legs

),

best_legs as (

    select
        rate_date,
        from_currency,
        to_currency,
        rate,
        leg_priority
    from ranked_legs
    where leg_rank = 1

),

candidates as (

    select
        rate_date,
        from_currency as currency_code,
        rate,
        leg_priority as method_priority,
        cast(null as {{ flexlake_type_string() }}) as base_currency
    from best_legs
    where to_currency = '{{ reporting }}'

    union all

    select
        to_base.rate_date,
        to_base.from_currency as currency_code,
        cast({{ flexlake_fx_multiply('to_base.rate', 'from_base.rate') }} as {{ flexlake_fx_rate_type() }}) as rate,
        3 as method_priority,
        to_base.to_currency as base_currency
    from best_legs as to_base
    inner join best_legs as from_base
        on to_base.rate_date = from_base.rate_date
        and to_base.to_currency = from_base.from_currency
    where from_base.to_currency = '{{ reporting }}'
        and to_base.from_currency <> '{{ reporting }}'

),

ranked_candidates as (

    select
        rate_date,
        currency_code,
        rate,
        method_priority,
        base_currency,
        row_number() over (
            partition by currency_code, rate_date
            order by method_priority, base_currency
        ) as candidate_rank
    from candidates

),

daily_rates as (

    select
        currency_code,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency_code order by rate_date) as valid_to,
        rate,
        case method_priority
            when 1 then 'direct'
            when 2 then 'inverse'
            else 'cross'
        end as rate_method,
        base_currency
    from ranked_candidates
    where candidate_rank = 1
        and currency_code <> '{{ reporting }}'

)

select
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    valid_from,
    valid_to,
    rate,
    cast(rate_method as {{ flexlake_type_string() }}) as rate_method,
    base_currency
from daily_rates

union all

select
    cast('{{ reporting }}' as {{ flexlake_type_string() }}) as currency_code,
    cast('1900-01-01' as date) as valid_from,
    cast(null as date) as valid_to,
    cast(1 as {{ flexlake_fx_rate_type() }}) as rate,
    cast('identity' as {{ flexlake_type_string() }}) as rate_method,
    cast(null as {{ flexlake_type_string() }}) as base_currency
