{#
    The latest version of each Airbyte record: the one definition of "newest" and the CTEs every staging model
    starts with.

    Airbyte appends a new row per record per sync, so a primary key can appear many times (per raw schema: the
    same id in two stores is two records). A key's rows are ordered newest first by
        the stream's cursor (nulls last on every warehouse), _airbyte_extracted_at, _airbyte_raw_id
    so ties are broken the same way on every run (flexlake_airbyte_version_order). flexlake_airbyte_latest
    (macros/airbyte_latest.sql, CDC tables and deletion records) puts the CDC commit order in front of the same
    terms.
    CDC: the product's sources (faker, Shopify, Stripe) are API sources, which Airbyte syncs without CDC, and
    flexlake_raw_stream projects only declared columns, so no _ab_cdc_* column reaches the staging models.
#}

{#-
    The order-by terms, newest first: the cursor (an expression; none: the extraction time alone decides), then
    the extraction time and the raw id. Returned as a list so flexlake_airbyte_latest can prepend CDC terms.
-#}
{% macro flexlake_airbyte_version_order(cursor, extracted_at='_airbyte_extracted_at', raw_id='_airbyte_raw_id') -%}
    {%- set order_by = [] -%}
    {%- if cursor -%}
        {%- do order_by.extend(['case when ' ~ cursor ~ ' is null then 1 else 0 end', cursor ~ ' desc']) -%}
    {%- endif -%}
    {%- do order_by.extend([extracted_at ~ ' desc', raw_id ~ ' desc']) -%}
    {{ return(order_by) }}
{%- endmacro %}

{#- A key's rank, 1 = its latest version (flexlake_airbyte_version_order), per source_relation + primary_key. -#}
{% macro flexlake_airbyte_version_rank(primary_key, cursor='updated_at') -%}
    row_number() over (
            partition by source_relation, {{ primary_key }}
            order by
                {{ flexlake.flexlake_airbyte_version_order(cursor) | join(',\n                ') }}
        )
{%- endmacro %}

{#-
    flexlake_airbyte_latest_ctes(system, stream, columns, cursor, deleted_at): the CTEs a staging model starts with,
    `raw_<stream>` (the stream's rows from every raw schema, flexlake_staging_raw: all of them, or on an
    incremental run every version of the keys changed in the window) and `latest` (the kept version of each
    source_relation + id, every raw column). The caller writes `with {{ flexlake_airbyte_latest_ctes(...) }}` and
    selects from `latest`.

    cursor: the stream's update time (faker and Shopify `updated_at`; Shopify transactions and refunds, which never
    change, `created_at`; Stripe `updated`, `subscription_updated` for subscription_items); a stream without one
    (Stripe's invoice_line_items) passes none: the extraction time alone decides.
    deleted_at: a stream whose deletions arrive as records of their own ({id, deleted_at}: Shopify orders and
    products) names that column; then `latest` is flexlake_airbyte_latest's result: the last full version with
    is_deleted, latest_deleted_at and loaded_at, and a key known only by its deletion record is left out.
-#}
{% macro flexlake_airbyte_latest_ctes(system, stream, columns, cursor='updated_at', deleted_at=none) -%}
raw_{{ stream }} as (

    {{ flexlake_staging_raw(system, stream, columns) | indent(4) }}

),
{%- if deleted_at %}

latest as (

    {{ flexlake_airbyte_latest(
        'raw_' ~ stream, ['source_relation', 'id'], cursor=cursor, deleted_at=deleted_at,
        columns=flexlake_raw_stream_column_names(columns), deleted_at_as='latest_deleted_at'
    ) | indent(4) }}

)
{%- else %}

ranked as (

    select
        raw_{{ stream }}.*,
        {{ flexlake_airbyte_version_rank('id', cursor) }} as version_rank
    from raw_{{ stream }}

),

latest as (

    select * from ranked where version_rank = 1

)
{%- endif %}
{%- endmacro %}
