{#
    flexlake_airbyte_latest: the latest version of every record of an Airbyte-synced table, with a portable
    deletion flag. For overlays mapping a database synced by Airbyte with CDC (`flexlake.flexlake_airbyte_latest(
    source('app', 'app_orders'), 'id', cursor='updated_at')`), and for a source's own deletion records (Shopify's
    {id, deleted_at}: `deleted_at='deleted_at'`).

    Airbyte syncs incremental_append: each change is a new row. Database sources in CDC mode add to every record
    (docs.airbyte.com, "Change Data Capture"; the sources' catalogs):
        _ab_cdc_updated_at  commit time of the change (ISO-8601 UTC text), on inserts, updates and deletes
        _ab_cdc_deleted_at  commit time of a DELETE, null otherwise
        _ab_cdc_lsn         Postgres: log sequence number (number); SQL Server: commit LSN (fixed-width hex text)
        _ab_cdc_log_file, _ab_cdc_log_pos   MySQL: binlog file and position
        _ab_cdc_cursor      MySQL, SQL Server: Airbyte's increasing cursor (integer), their default cursor
    A DELETE record carries the primary key only (Postgres' default REPLICA IDENTITY): every other column is
    null, so a ranking on the table's own updated_at (nulls last) would keep the version before the delete.

    Ranking (per primary key, newest first; each term descending, nulls last):
        _ab_cdc_updated_at, _ab_cdc_lsn, _ab_cdc_log_file, _ab_cdc_log_pos, _ab_cdc_cursor   (those present)
        the cursor (with `deleted_at`: coalesce(cursor, deleted_at), a deletion record's cursor is its deleted_at)
        _airbyte_extracted_at, _airbyte_raw_id
    so the commit order decides, then the log position (two changes in one millisecond), and a record extracted
    late (a re-sync) never beats a newer change. Without CDC columns this is the staging models' order: the terms after
    the CDC ones come from flexlake_airbyte_version_order (macros/airbyte_dedupe.sql), the one definition of it.

    Result: one row per key, every column of the relation (`*`, as found) taken from the latest full version (the
    newest record that is not a deletion), plus
        is_deleted  1 when the latest record is a deletion (_ab_cdc_deleted_at or `deleted_at` set), else 0
        deleted_at  when it was deleted (naive UTC), else null
        loaded_at   _airbyte_extracted_at (naive UTC) of the latest record, so incremental facts see the delete
    (names changeable with is_deleted_as / deleted_at_as / loaded_at_as; one equal to a column of the relation
    fails compilation naming the fix). A key known only by deletion records has no attributes and is left out.
    A deleted key inserted again is live again (its latest record is the insert).

    Columns are looked up with adapter.get_columns_in_relation and matched case-insensitively (Airbyte's Snowflake
    destination writes upper case), quoted as found. `relation` may also be the name of a CTE: then pass `columns`
    (its column names), which also overrides the lookup for a relation. Offline compile (flexlake_offline_compile())
    assumes the key, the cursor, Airbyte's columns and Postgres' CDC columns (`offline_cdc_columns`).

    The macro emits one select without a CTE (subqueries only: no nested WITH on SQL Server); wrap it in a CTE.
    primary_key: a column name or a list of them (e.g. ['source_relation', 'id'] after flexlake_raw_stream).
#}
{% macro flexlake_airbyte_latest(
    relation, primary_key, cursor=none, deleted_at=none, columns=none,
    is_deleted_as='is_deleted', deleted_at_as='deleted_at', loaded_at_as='loaded_at',
    offline_cdc_columns=['_ab_cdc_updated_at', '_ab_cdc_deleted_at', '_ab_cdc_lsn']
) -%}
    {%- set keys = [primary_key] if primary_key is string else primary_key -%}
    {%- set found = flexlake.flexlake_airbyte_latest_columns(relation, keys, cursor, deleted_at, columns, offline_cdc_columns) -%}
    {%- for required in keys + ['_airbyte_raw_id', '_airbyte_extracted_at'] -%}
        {%- if required | lower not in found -%}
            {{ exceptions.raise_compiler_error(
                "flexlake_airbyte_latest: " ~ relation ~ " has no column " ~ required ~ " (columns: "
                ~ (found.keys() | list | join(', ')) ~ "). Pass the primary key as the table names it.") }}
        {%- endif -%}
    {%- endfor -%}
    {%- for alias, argument in [(is_deleted_as, 'is_deleted_as'), (deleted_at_as, 'deleted_at_as'), (loaded_at_as, 'loaded_at_as')] -%}
        {%- if alias | lower in found -%}
            {{ exceptions.raise_compiler_error(
                "flexlake_airbyte_latest: " ~ relation ~ " already has a column " ~ alias
                ~ "; pass " ~ argument ~ "='<another name>'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set plan = flexlake.flexlake_airbyte_latest_plan(found, keys, cursor, deleted_at) -%}
    {%- set key_columns = plan.key_columns | join(', ') -%}
select
    latest_content.*,
    latest_state._flexlake_is_deleted as {{ is_deleted_as }},
    latest_state._flexlake_deleted_at as {{ deleted_at_as }},
    latest_state._flexlake_loaded_at as {{ loaded_at_as }}
from {{ relation }} as latest_content
inner join (
    select
        {{ key_columns }},
        {{ plan.raw_id }} as _flexlake_raw_id,
        row_number() over (
            partition by {{ key_columns }}
            order by {{ plan.order_by | join(',\n                ') }}
        ) as _flexlake_rank
    from {{ relation }}
    where {{ plan.is_deletion | join(' is null and ') }} is null
) as content_version
    on {%- for key in plan.key_columns %} latest_content.{{ key }} = content_version.{{ key }} and{% endfor %}
    latest_content.{{ plan.raw_id }} = content_version._flexlake_raw_id
    and content_version._flexlake_rank = 1
inner join (
    select
        {{ key_columns }},
        case when {{ plan.is_deletion | join(' is null and ') }} is null then 0 else 1 end as _flexlake_is_deleted,
        {{ plan.deleted_at }} as _flexlake_deleted_at,
        {{ plan.extracted_at }} as _flexlake_loaded_at,
        row_number() over (
            partition by {{ key_columns }}
            order by {{ plan.order_by | join(',\n                ') }}
        ) as _flexlake_rank
    from {{ relation }}
) as latest_state
    on {%- for key in plan.key_columns %} latest_content.{{ key }} = latest_state.{{ key }} and{% endfor %}
    latest_state._flexlake_rank = 1
{%- endmacro %}

{#-
    The relation's columns: lower-case name -> {name (as found, or as given), sql (quoted as found), dtype (none: as Airbyte declares it)}.
    Given `columns` (a CTE's, or a relation's as the caller knows them), offline compile, or the catalog online.
-#}
{% macro flexlake_airbyte_latest_columns(relation, keys, cursor, deleted_at, columns, offline_cdc_columns) -%}
    {%- set found = {} -%}
    {%- if columns is not none -%}
        {%- for name in columns -%}
            {%- do found.update({(name | lower): {'name': name, 'sql': name, 'dtype': none}}) -%}
        {%- endfor -%}
    {%- elif relation is string -%}
        {{ exceptions.raise_compiler_error(
            "flexlake_airbyte_latest: " ~ relation ~ " is a name, not a relation: pass its `columns`") }}
    {%- elif not execute or flexlake.flexlake_offline_compile() -%}
        {%- for name in keys + [cursor, deleted_at, '_airbyte_raw_id', '_airbyte_extracted_at'] + offline_cdc_columns -%}
            {%- if name -%}
                {%- do found.update({(name | lower): {'name': name, 'sql': name, 'dtype': none}}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do found.update({(column.name | lower): {'name': column.name, 'sql': adapter.quote(column.name), 'dtype': column.dtype}}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    What flexlake_airbyte_latest renders from the columns found (pure: no query, no adapter call except quoting
    done before): quoted keys, the order-by terms, the deletion expressions, deleted_at and loaded_at expressions.
-#}
{% macro flexlake_airbyte_latest_plan(found, keys, cursor, deleted_at) -%}
    {%- set order_by = [] -%}
    {%- set is_deletion = [] -%}
    {#- Commit time and log position of the change (CDC); text timestamps as Airbyte writes them. -#}
    {%- for name in ['_ab_cdc_updated_at', '_ab_cdc_lsn', '_ab_cdc_log_file', '_ab_cdc_log_pos', '_ab_cdc_cursor'] -%}
        {%- set column = found.get(name) -%}
        {%- if column is not none -%}
            {%- set value = flexlake.flexlake_airbyte_timestamp(column) if name == '_ab_cdc_updated_at' else column.sql -%}
            {%- do order_by.extend(['case when ' ~ value ~ ' is null then 1 else 0 end', value ~ ' desc']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set cdc_deleted = found.get('_ab_cdc_deleted_at') -%}
    {%- set deleted_values = [] -%}
    {%- if cdc_deleted is not none -%}
        {%- do is_deletion.append(cdc_deleted.sql) -%}
        {%- do deleted_values.append(flexlake.flexlake_airbyte_timestamp(cdc_deleted)) -%}
    {%- endif -%}
    {%- set own_deleted = found.get(deleted_at | lower) if deleted_at else none -%}
    {%- if own_deleted is not none -%}
        {%- do is_deletion.append(own_deleted.sql) -%}
        {%- do deleted_values.append(flexlake.flexlake_airbyte_timestamp(own_deleted)) -%}
    {%- endif -%}
    {#- The stream's cursor; a deletion record's cursor is its deleted_at (Shopify). -#}
    {%- set cursor_column = found.get(cursor | lower) if cursor else none -%}
    {%- set cursor_values = [] -%}
    {%- if cursor_column is not none -%}
        {%- do cursor_values.append(flexlake.flexlake_airbyte_timestamp(cursor_column)) -%}
    {%- endif -%}
    {%- if own_deleted is not none -%}
        {%- do cursor_values.append(flexlake.flexlake_airbyte_timestamp(own_deleted)) -%}
    {%- endif -%}
    {%- set cursor_value = none -%}
    {%- if cursor_values -%}
        {%- set cursor_value = cursor_values[0] if cursor_values | length == 1 else 'coalesce(' ~ (cursor_values | join(', ')) ~ ')' -%}
    {%- endif -%}
    {#- Then the product's order (macros/airbyte_dedupe.sql): cursor, extraction time, raw id. -#}
    {%- set extracted_at = found['_airbyte_extracted_at'] -%}
    {%- do order_by.extend(flexlake.flexlake_airbyte_version_order(cursor_value, extracted_at.sql, found['_airbyte_raw_id'].sql)) -%}
    {%- if not is_deletion -%}
        {#- No deletion column: nothing is ever deleted (`null is null`). -#}
        {%- do is_deletion.append('null') -%}
    {%- endif -%}
    {%- set key_columns = [] -%}
    {%- for key in keys -%}
        {%- do key_columns.append(found[key | lower].sql) -%}
    {%- endfor -%}
    {%- set timestamp_type = flexlake.flexlake_type_timestamp() -%}
    {{ return({
        'key_columns': key_columns,
        'raw_id': found['_airbyte_raw_id'].sql,
        'order_by': order_by,
        'is_deletion': is_deletion,
        'deleted_at': ('coalesce(' ~ (deleted_values | join(', ')) ~ ')') if deleted_values | length > 1
            else (deleted_values[0] if deleted_values else 'cast(null as ' ~ timestamp_type ~ ')'),
        'extracted_at': flexlake.flexlake_airbyte_timestamp(extracted_at),
    }) }}
{%- endmacro %}

{#-
    A column found by flexlake_airbyte_latest_columns as a naive UTC timestamp: zoned timestamps converted,
    timestamps as they are, text (Airbyte's CDC timestamps are ISO-8601 UTC strings, '2024-03-01T12:00:00.123Z')
    parsed; unknown types (a CTE's, offline) as Airbyte declares them: text for _ab_cdc_*, timestamps otherwise.
-#}
{% macro flexlake_airbyte_timestamp(column) -%}
    {%- set dtype = (column.dtype or ('text' if (column.name | lower).startswith('_ab_cdc_') else 'timestamp')) | lower -%}
    {%- if flexlake.flexlake_is_zoned_timestamp(dtype) -%}
        {{ return(flexlake.flexlake_zoned_to_naive_utc(column.sql)) }}
    {%- elif 'timestamp' in dtype or 'datetime' in dtype -%}
        {{ return(column.sql) }}
    {%- elif flexlake.flexlake_is_integer_type(dtype) -%}
        {{ return(flexlake.flexlake_epoch_millis_to_timestamp(column.sql)) }}
    {%- else -%}
        {{ return(flexlake.flexlake_iso_utc_to_timestamp(column.sql)) }}
    {%- endif -%}
{%- endmacro %}

{#- An ISO-8601 UTC text ('2024-03-01T12:00:00.123456Z') as a naive UTC timestamp. -#}
{% macro flexlake_iso_utc_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('flexlake_iso_utc_to_timestamp', 'flexlake')(expression)) }}
{%- endmacro %}

{% macro default__flexlake_iso_utc_to_timestamp(expression) -%}
    {{ return('cast(' ~ expression ~ ' as ' ~ flexlake.flexlake_type_timestamp() ~ ')') }}
{%- endmacro %}

{#- datetime2 does not take the 'Z' suffix; datetimeoffset does, and keeps UTC's wall time when cast down. -#}
{% macro sqlserver__flexlake_iso_utc_to_timestamp(expression) -%}
    {{ return('cast(cast(' ~ expression ~ ' as datetimeoffset) as datetime2)') }}
{%- endmacro %}
