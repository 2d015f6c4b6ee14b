{#-
    A SQL string literal of `value`: quoted, every single quote doubled, so a tenant var pasted into a model
    (faker_currency_code, shopify_shop_currency_code) stays data whatever it holds and can never end the
    literal and add SQL of its own. The tenant-file loader validates those vars too; this is the second line
    of defence. Standard SQL escaping, valid on every warehouse the product targets.
-#}
{% macro flexlake_string_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
