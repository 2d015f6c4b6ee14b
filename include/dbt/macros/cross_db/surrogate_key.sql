{#
    Surrogate key: md5 of the columns cast to strings, joined with '-', nulls as '_null_'.
    Always pass source_relation first so the same natural id from two connections never collides.
    Same recipe as dbt_utils.generate_surrogate_key, which cannot be installed here.
#}
{% macro flexlake_surrogate_key(columns) -%}
    {{ return(adapter.dispatch('flexlake_surrogate_key', 'flexlake')(columns)) }}
{%- endmacro %}

{% macro default__flexlake_surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last -%}{%- do parts.append("'-'") -%}{%- endif -%}
    {%- endfor -%}
    {{ flexlake_md5(flexlake_concat(parts)) }}
{%- endmacro %}
