{#
    JSON array explode: a join clause that turns one row per JSON array into one row per element.
    Use it right after the FROM item that holds the array:

        from orders
        {{ flexlake_json_array_elements('orders.line_items', 'line_items') }}

    adds `line_items.element` (the element, as the warehouse's JSON type, ready for
    flexlake_json_extract_string) and `line_items.element_index` (its 0-based position in the array).
    The array may be a JSON column or JSON text (e.g. a nested array read with flexlake_json_extract_string).
    A row whose value is null, JSON null, an object or a scalar adds no element and is dropped (an inner
    lateral join), like an empty array. Emits no CTE, so callers can put it inside one.
#}
{% macro flexlake_json_array_elements(json_expression, alias) -%}
    {{ return(adapter.dispatch('flexlake_json_array_elements', 'flexlake')(json_expression, alias)) }}
{%- endmacro %}

{% macro default__flexlake_json_array_elements(json_expression, alias) -%}
    {{ exceptions.raise_compiler_error(
        "flexlake_json_array_elements has no implementation for adapter " ~ adapter.type()
        ~ ": add a " ~ adapter.type() ~ "__flexlake_json_array_elements macro (macros/cross_db/json_array.sql)") }}
{%- endmacro %}

{#- json_each keys an array's elements by position ('0', '1', ...); it also walks objects and yields a row
    for a scalar or JSON null, hence the json_type filter. -#}
{% macro duckdb__flexlake_json_array_elements(json_expression, alias) -%}
cross join lateral (
        select
            json_elements.value as element,
            cast(json_elements.key as integer) as element_index
        from json_each(cast({{ json_expression }} as json)) as json_elements
        where json_type(cast({{ json_expression }} as json)) = 'ARRAY'
    ) as {{ alias }}
{%- endmacro %}

{#- jsonb_array_elements fails on a non-array, so anything else becomes null (no rows). -#}
{% macro postgres__flexlake_json_array_elements(json_expression, alias) -%}
cross join lateral (
        select
            json_elements.value as element,
            cast(json_elements.ordinality as integer) - 1 as element_index
        from jsonb_array_elements(
            case
                when jsonb_typeof(cast({{ json_expression }} as jsonb)) = 'array'
                    then cast({{ json_expression }} as jsonb)
            end
        ) with ordinality as json_elements (value, ordinality)
    ) as {{ alias }}
{%- endmacro %}

{#- OPENJSON keys an array's elements by position ('0', '1', ...) but also walks an object's keys, so only
    a value that starts with '[' is read. -#}
{% macro sqlserver__flexlake_json_array_elements(json_expression, alias) -%}
cross apply (
        select
            json_elements.[value] as element,
            cast(json_elements.[key] as int) as element_index
        from openjson({{ json_expression }}) as json_elements
        where left(ltrim({{ json_expression }}), 1) = '['
    ) as {{ alias }}
{%- endmacro %}

{#- FLATTEN yields INDEX for array elements (null for object keys). JSON text (a nested array read with
    flexlake_json_extract_string is a VARCHAR) would reach FLATTEN as a VARIANT *string*, not an array, so the
    value is parsed first: to_varchar gives a VARIANT's JSON text and leaves a VARCHAR as is; try_parse_json
    makes text that is not JSON null (no rows). -#}
{% macro snowflake__flexlake_json_array_elements(json_expression, alias) -%}
cross join lateral (
        select
            json_elements.value as element,
            json_elements.index as element_index
        from table(flatten(input => try_parse_json(to_varchar({{ json_expression }})))) as json_elements
        where is_array(try_parse_json(to_varchar({{ json_expression }})))
    ) as {{ alias }}
{%- endmacro %}
