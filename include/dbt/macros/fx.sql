{#
    FX conversion into the reporting currency (README.md, "Reporting currency").

    Rates come from the tenant: var fx_rates_relation names a table it syncs or maintains, with columns
    rate_date, from_currency, to_currency, rate ("1 from_currency = rate to_currency"). input__fx_rates reads
    it (empty when the var is null), dim_fx_rates turns it into one rate per currency into the reporting
    currency with validity ranges, and the marts join that with flexlake_fx_rate_applies.
#}

{#- The rate type: exact, 10 decimal places (a derived rate is rounded to it), never a float. -#}
{% macro flexlake_fx_rate_type() -%}
    numeric(28, 10)
{%- endmacro %}

{#-
    var fx_rates_relation as a relation, or none when it is null / empty (then only the reporting currency
    has a rate, 1). Accepts "schema.table" or "database.schema.table" (on DuckDB the database is the attach
    alias of a raw file, or the warehouse's catalog). Each part is a plain identifier, rendered unquoted,
    so the warehouse folds its case as it does for any unquoted name.
-#}
{% macro flexlake_fx_rates_relation() -%}
    {%- set value = var('fx_rates_relation', none) -%}
    {%- if value is none or (value | string | trim) == '' -%}{{ return(none) }}{%- endif -%}
    {%- set parts = (value | string | trim).split('.') -%}
    {%- set valid = parts | length in [2, 3] -%}
    {%- for part in parts -%}
        {%- if not modules.re.match('^[A-Za-z_][A-Za-z0-9_$]*$', part) -%}{%- set valid = false -%}{%- endif -%}
    {%- endfor -%}
    {%- if not valid -%}
        {{ exceptions.raise_compiler_error(
            "var fx_rates_relation must name the tenant's rate table as 'schema.table' or 'database.schema.table'"
            ~ " (plain identifiers: letters, digits, underscores), got '" ~ value ~ "'. Fix the tenant file's"
            ~ " dbt.vars.fx_rates_relation, or set it to null when every order is in var reporting_currency"
            ~ " (README.md, \"Reporting currency\").") }}
    {%- endif -%}
    {%- set database = parts[0] if parts | length == 3 else target.database -%}
    {%- set relation = api.Relation.create(database=database, schema=parts[-2], identifier=parts[-1]) -%}
    {{ return(relation.quote(database=false, schema=false, identifier=false)) }}
{%- endmacro %}

{#-
    Join condition: the dim_fx_rates row (alias `fx`) of a currency valid on a date - the latest rate on or
    before the date (valid_to is exclusive, null = still valid). No row: the amount has no rate.
-#}
{% macro flexlake_fx_rate_applies(fx, currency_code, date_expression) -%}
    {{ fx }}.currency_code = {{ currency_code }}
        and {{ fx }}.valid_from <= {{ date_expression }}
        and ({{ fx }}.valid_to is null or {{ fx }}.valid_to > {{ date_expression }})
{%- endmacro %}

{#-
    expression * rate, exact: the rate as numeric(20,10) (rates below 10^10) keeps SQL Server's product scale at
    11+ decimals (numeric(18,2) * numeric(28,10) would be cut to 6 there); other warehouses multiply decimals
    exactly either way. Sum the products and round once, at the end (flexlake_money).
-#}
{% macro flexlake_fx_multiply(expression, rate) -%}
    ({{ expression }}) * cast({{ rate }} as numeric(20, 10))
{%- endmacro %}
