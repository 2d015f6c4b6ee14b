{#
    The value of a staging model's source_relation column: the raw schema (one per connector
    connection) the rows were read from, e.g. 'acme_raw_shop'. The database is left out on purpose:
    on DuckDB it is an attach alias, an environment detail that must not change surrogate keys.
#}
{% macro flexlake_source_relation(relation) -%}
    '{{ relation.schema | replace("'", "''") }}'
{%- endmacro %}
