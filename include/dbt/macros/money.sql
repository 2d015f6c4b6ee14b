{#- Money is numeric(18,2) everywhere, never a float. -#}
{% macro flexlake_money(expression) -%}
    cast({{ expression }} as numeric(18, 2))
{%- endmacro %}

{#- An amount divided by a count (an average order value), rounded half up to cents, exact on every warehouse:
    floor((200 * amount + count) / (2 * count)) / 100. A plain cast(amount / count as numeric(18, 2)) is not:
    DuckDB divides decimals in double, so 1177.34 / 4 = 294.335 became 294.33 there and 294.34 on PostgreSQL
    and Snowflake. Both operands stay below 2^53, where a double quotient floors correctly. -#}
{% macro flexlake_money_per(amount, count) -%}
    {{ flexlake.flexlake_money('floor((200 * ' ~ amount ~ ' + ' ~ count ~ ') / (2 * ' ~ count ~ ')) / 100') }}
{%- endmacro %}
