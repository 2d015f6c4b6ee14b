{#
    The definitions a tenant may change through vars (README.md, "Vars"). Each macro validates its var
    and fails the compile with the allowed values, so a typo in a tenant file never builds silently.
#}

{#- The order_status vocabulary of the input layer (input__orders.order_status). -#}
{% macro flexlake_order_statuses() -%}
    {{ return(['pending', 'completed', 'partially_returned', 'returned', 'cancelled']) }}
{%- endmacro %}

{#- var counted_order_statuses as a SQL list literal: ('completed', 'returned'). -#}
{% macro flexlake_counted_order_statuses() -%}
    {%- set statuses = var('counted_order_statuses', ['completed', 'partially_returned', 'returned']) -%}
    {%- if statuses is string -%}{%- set statuses = statuses.split(',') -%}{%- endif -%}
    {%- set cleaned = [] -%}
    {%- for status in statuses -%}
        {%- set status = status | string | trim | lower -%}
        {%- if status not in flexlake.flexlake_order_statuses() -%}
            {{ exceptions.raise_compiler_error(
                "var counted_order_statuses: '" ~ status ~ "' is not one of " ~ flexlake.flexlake_order_statuses() | join(', ')) }}
        {%- endif -%}
        {%- do cleaned.append("'" ~ status ~ "'") -%}
    {%- endfor -%}
    {%- if not cleaned -%}
        {{ exceptions.raise_compiler_error("var counted_order_statuses must name at least one status") }}
    {%- endif -%}
    ({{ cleaned | join(', ') }})
{%- endmacro %}

{#- var fiscal_year_start_month as an integer 1..12. -#}
{% macro flexlake_fiscal_year_start_month() -%}
    {%- set month = var('fiscal_year_start_month', 1) | string | trim -%}
    {%- if not month.isdigit() or (month | int) < 1 or (month | int) > 12 -%}
        {{ exceptions.raise_compiler_error(
            "var fiscal_year_start_month must be a month number 1-12, got '" ~ var('fiscal_year_start_month') ~ "'") }}
    {%- endif -%}
    {{ return(month | int) }}
{%- endmacro %}

{#- var active_customer_window_days as a positive integer. -#}
{% macro flexlake_active_customer_window_days() -%}
    {%- set days = var('active_customer_window_days', 365) | string | trim -%}
    {%- if not days.isdigit() or (days | int) < 1 -%}
        {{ exceptions.raise_compiler_error(
            "var active_customer_window_days must be a positive number of days, got '"
            ~ var('active_customer_window_days') ~ "'") }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}

{#- var reporting_currency: a three-letter ISO 4217 code, upper case. -#}
{% macro flexlake_reporting_currency() -%}
    {%- set code = var('reporting_currency', 'USD') | string | trim | upper -%}
    {%- if not modules.re.match('^[A-Z]{3}$', code) -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency must be an ISO 4217 code such as 'USD', got '" ~ var('reporting_currency') ~ "'") }}
    {%- endif -%}
    {{ return(code) }}
{%- endmacro %}

{#- var as_of_date: an ISO date literal, or none (then models use the latest order date in the data). -#}
{% macro flexlake_as_of_date() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or (value | string | trim) == '' -%}{{ return(none) }}{%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string | trim) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be an ISO date such as '2024-12-31', got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | string | trim) }}
{%- endmacro %}

{#-
    The input layer's contracts are enforced everywhere but SQL Server and Redshift, where their ANSI types
    mean something else: on SQL Server `timestamp` is rowversion and a bare varchar is 30 characters, on
    Redshift a bare varchar is 256. There the models' own casts (flexlake_type_string / flexlake_type_timestamp)
    give the column types. Called from each input model's config(), which wins over the yml's
    `contract: enforced: true`.
-#}
{% macro flexlake_contract_enforced() -%}
    {{ return(target.type not in ['sqlserver', 'redshift']) }}
{%- endmacro %}
