{#
    Staging models are incremental tables (dbt_project.yml): the latest version of each record, recomputed only
    for the records that have new raw rows. Before, every staging model was a view (a table on PostgreSQL) that
    deduplicated every raw row for every reader, on every run: most of an hourly run's cost for 1% new rows.

    Why this is exact: Airbyte, PyAirbyte and dlt only ever append to a raw table (incremental_append, one row per
    record per sync, each with its _airbyte_extracted_at). A record's latest version can only change when a row
    is appended for it, so a run re-ranks all raw rows (every version, old ones too) of the keys that got a row
    within the window, and delete+insert on the staging key replaces exactly those keys' rows. The window is
    flexlake_incremental_window on _airbyte_extracted_at: rows extracted at or after the newest loaded_at in the
    table minus var incremental_lookback_hours, the same rule and lookback as the incremental facts; an empty
    table, a --full-refresh and the first run read everything.

    What appending cannot say, the post-hooks below do:
      - a raw location removed from var flexlake_raw_relations (a store disconnected) or whose table is gone:
        its rows are deleted (flexlake_delete_vanished_locations), as the view dropped them;
      - a child exploded from its parent's JSON (Shopify order lines from orders.line_items, refund transactions
        from order_refunds.transactions) is recomputed for every parent that changed, delete+insert on the
        parent key; a parent whose new version has no children any more, or that is gone, leaves children that
        no insert replaces: flexlake_delete_orphaned_children removes them.
    Deletions inside a stream (Shopify's deletion records, CDC's _ab_cdc_deleted_at) are rows too: the key is
    re-ranked and keeps is_deleted = 1 (macros/airbyte_latest.sql), as the view did.

    A release that changes a staging model's columns fails the run (on_schema_change: fail) until the tenant's
    full_refresh run: docs/deploy.md, "Upgrading".
#}

{#-
    The raw rows a staging model ranks: every row of the stream on a full build; on an incremental run every row
    (all versions) of the keys (source_relation + `key`) with a row extracted within the window. The select of
    flexlake_raw_stream, so the model's CTE is unchanged: `with raw_x as ({{ flexlake_staging_raw(...) }})`.
-#}
{% macro flexlake_staging_raw(system, stream, columns, key='id') -%}
    {%- set raw = flexlake_raw_stream(system, stream, columns) -%}
    {%- if flexlake_is_incremental_run() -%}
select raw_rows.*
from (
    {{ raw | indent(4) }}
) as raw_rows
inner join (
    select distinct window_rows.source_relation, window_rows.{{ key }}
    from (
        {{ raw | indent(8) }}
    ) as window_rows
    where {{ flexlake_incremental_window('window_rows._airbyte_extracted_at') }}
) as changed_keys
    on raw_rows.source_relation = changed_keys.source_relation
    and raw_rows.{{ key }} = changed_keys.{{ key }}
    {%- else -%}
{{ raw }}
    {%- endif -%}
{%- endmacro %}

{#-
    Post-hook of a staging model read from raw: delete the rows of raw locations the model no longer reads (not
    in var flexlake_raw_relations for `system`, or the stream's table is gone there), as a view would have
    dropped them. No-op in an offline compile (no lookup possible) and while parsing.
-#}
{% macro flexlake_delete_vanished_locations(system, stream) -%}
    {%- if execute and not flexlake_offline_compile() -%}
        {%- set kept = [] -%}
        {%- for location in flexlake_raw_locations(system) -%}
            {%- if flexlake_find_raw_table(location, stream) is not none -%}
                {%- do kept.append(flexlake_string_literal(location.schema)) -%}
            {%- endif -%}
        {%- endfor -%}
delete from {{ this }}
where source_relation is null
    {%- if kept %}
    or source_relation not in ({{ kept | join(', ') }})
    {%- else %}
    or 1 = 1
    {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#-
    A child staging model's parents to explode again: on an incremental run the parent rows (one per key) loaded
    within the window of this model; the whole parent otherwise. `parent` is the ref.
-#}
{% macro flexlake_changed_parents(parent) -%}
select * from {{ parent }} as parent
where {{ flexlake_incremental_window('parent.loaded_at') }}
{%- endmacro %}

{#-
    Post-hook of a child staging model (delete+insert on source_relation + `parent_key`): delete the children
    whose parent no longer has the version they were exploded from (its loaded_at changed and the new version
    has no children, or the parent is gone). Children carry their parent's loaded_at; keys named by a single
    column IN, as flexlake_delete_vanished_rows does (portable to every warehouse).
-#}
{% macro flexlake_delete_orphaned_children(parent, parent_key) -%}
delete from {{ this }}
where {{ flexlake_surrogate_key(['source_relation', parent_key]) }} in (
    select {{ flexlake_surrogate_key(['orphaned.source_relation', 'orphaned.' ~ parent_key]) }}
    from (
        select source_relation, {{ parent_key }}, loaded_at from {{ this }}
        except
        select source_relation, {{ parent_key }}, loaded_at from {{ parent }}
    ) as orphaned
)
{%- endmacro %}
