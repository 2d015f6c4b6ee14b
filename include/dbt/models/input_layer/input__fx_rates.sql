{#-
    Contract: FX rates, as the tenant keeps them: read from the table var fx_rates_relation names (columns
    rate_date, from_currency, to_currency, rate; "1 from_currency = rate to_currency"). Not a source system:
    the tenant syncs or maintains the table (an ECB feed, its finance system's rates). With the var null the
    model builds empty with its declared columns: only the reporting currency has a rate then (dim_fx_rates).
    Currency codes are trimmed and upper-cased; the rate becomes an exact numeric(28,10).
-#}
{#- A table rebuilt every run: the tenant's rate table has no extraction time to window on, and it is small. -#}
{{ config(materialized='table', contract={'enforced': flexlake_contract_enforced()}) }}
{%- set relation = flexlake_fx_rates_relation() %}
{%- if relation is none %}
select
{%- for name, column in model.columns.items() %}
    cast(null as {{ flexlake_contract_type(column.data_type) }}) as {{ name }}{{ ',' if not loop.last }} -- noqa: LT02
{%- endfor %}
where 1 = 0
{%- else %}
select
    cast(rate_date as date) as rate_date,
    cast(upper(trim(from_currency)) as {{ flexlake_type_string() }}) as from_currency,
    cast(upper(trim(to_currency)) as {{ flexlake_type_string() }}) as to_currency,
    cast(rate as {{ flexlake_fx_rate_type() }}) as rate,
    cast('tenant' as {{ flexlake_type_string() }}) as source_system,
    cast('{{ relation }}' as {{ flexlake_type_string() }}) as source_relation
from {{ relation }}
{%- endif %}
