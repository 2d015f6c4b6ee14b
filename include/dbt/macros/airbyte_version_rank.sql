{#
    Airbyte appends a new row per record per sync, so a primary key can appear many times (per raw
    schema: the same id in two stores is two records). This ranks a key's rows newest first: by updated_at (nulls last on every warehouse), then by
    _airbyte_extracted_at, then _airbyte_raw_id so ties are broken the same way on every run.
    Keep the rows where it equals 1.
    CDC: the product's sources (faker, Shopify, Stripe) are API sources, which Airbyte syncs without CDC, and
    flexlake_raw_stream projects only declared columns, so no _ab_cdc_* column reaches this rank. Tables of a
    database source synced with CDC (an overlay's application database) are read with flexlake_airbyte_latest
    (macros/airbyte_latest.sql), which ranks by commit time and log position first and flags deletes.
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
