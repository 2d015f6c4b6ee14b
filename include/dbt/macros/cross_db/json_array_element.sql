{#
    The element of a JSON array exploded by flexlake_json_array_elements(json_expression, alias), for the
    select list: `{{ flexlake_json_array_element('orders.line_items', 'items') }}` rather than
    `items.element`, because Redshift cannot give the explode an `element` column (below). Elsewhere it is
    just `<alias>.element`. The element's position is always `<alias>.element_index`.
#}
{% macro flexlake_json_array_element(json_expression, alias) -%}
    {{ return(adapter.dispatch('flexlake_json_array_element', 'flexlake')(json_expression, alias)) }}
{%- endmacro %}

{% macro default__flexlake_json_array_element(json_expression, alias) -%}
    {{ alias }}.element
{%- endmacro %}

{#- JSON is text on Redshift: the element's text, read by position (null when the text is not JSON). -#}
{% macro redshift__flexlake_json_array_element(json_expression, alias) -%}
    json_extract_array_element_text({{ json_expression }}, {{ alias }}.element_index, true)
{%- endmacro %}

{#-
    Redshift has no LATERAL (and no jsonb), so a derived table cannot read the row it explodes: the explode
    joins the positions 0..999 below the array's length, and flexlake_json_array_element reads the element
    at each position. A value that is not a JSON array (null, an object, invalid text) has no length and
    adds no rows, as on the other warehouses. Arrays longer than 1,000 elements are cut at 1,000.
-#}
{% macro redshift__flexlake_json_array_elements(json_expression, alias) -%}
    {%- set digits = "(select 0 as n union all select 1 union all select 2 union all select 3 union all select 4"
        ~ " union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)" -%}
inner join (
        select p0.n + 10 * p1.n + 100 * p2.n as element_index
        from {{ digits }} as p0
        cross join {{ digits }} as p1
        cross join {{ digits }} as p2
    ) as {{ alias }}
        on {{ alias }}.element_index < json_array_length({{ json_expression }}, true)
{%- endmacro %}
