{#
    Airbyte appends a new row per record per sync, so a primary key can appear many times (per raw
    schema: the same id in two stores is two records). This ranks a key's rows newest first: by updated_at (nulls last on every warehouse), then by
    _airbyte_extracted_at, then _airbyte_raw_id so ties are broken the same way on every run.
    Keep the rows where it equals 1.
#}
{% macro flexlake_airbyte_version_rank(primary_key, updated_at='updated_at') -%}
    row_number() over (
            partition by source_relation, {{ primary_key }}
            order by
                case when {{ updated_at }} is null then 1 else 0 end,
                {{ updated_at }} desc,
                _airbyte_extracted_at desc,
                _airbyte_raw_id desc
        )
{%- endmacro %}
