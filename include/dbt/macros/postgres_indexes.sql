{#-
    A post-hook on every model (dbt_project.yml): on PostgreSQL, each incremental table has a b-tree index on its
    unique_key and on loaded_at. An incremental run of such a model otherwise scans its whole table several times
    for the few rows it changes: the window's max(loaded_at) (macros/incremental.sql), dbt's delete+insert (rows
    of the keys it replaces), and every data test that reads only the window (macros/data_test_window.sql).

    Idempotent, and for every table whatever its age: it looks the table's indexes up (pg_indexes, one catalog
    query) and creates only the missing ones, unnamed (PostgreSQL picks a free name: during a full refresh dbt's
    backup of the old table still holds the old names). So a tenant upgraded from a release without these indexes
    gets them on its next ordinary run, once (at 1 M order lines, seconds), with no full refresh; dbt's own
    `indexes` config (the facts' loaded_at) creates them only with a new table. Indexes change no result.
    Other warehouses have no such indexes (DuckDB, Snowflake, Redshift, SQL Server: zone maps, micro-partitions,
    sort keys, columnstores).
-#}
{% macro flexlake_ensure_indexes() -%}
    {{ return(adapter.dispatch('flexlake_ensure_indexes', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_ensure_indexes() -%}
{%- endmacro %}

{#- Redshift dispatches to postgres__ after redshift__, and has no CREATE INDEX (sort and dist keys instead). -#}
{% macro redshift__flexlake_ensure_indexes() -%}
{%- endmacro %}

{% macro postgres__flexlake_ensure_indexes() -%}
    {%- if not execute or config.get('materialized') != 'incremental' or flexlake.flexlake_offline_compile() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set existing = flexlake.flexlake_indexed_column_lists(this) -%}
    {%- for columns in flexlake.flexlake_wanted_index_column_lists() if columns | join(', ') not in existing %}
create index on {{ this }} ({{ columns | join(', ') }});
    {%- endfor -%}
{%- endmacro %}

{#- The column lists to index on an incremental model: its unique_key (one name or a list) and loaded_at. -#}
{% macro flexlake_wanted_index_column_lists() -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set wanted = [] -%}
    {%- if unique_key -%}
        {%- do wanted.append([unique_key] if unique_key is string else unique_key | list) -%}
    {%- endif -%}
    {%- if 'loaded_at' in model.columns and ['loaded_at'] not in wanted -%}
        {%- do wanted.append(['loaded_at']) -%}
    {%- endif -%}
    {{ return(wanted) }}
{%- endmacro %}

{#- The column lists of a PostgreSQL table's indexes, as 'a, b' (from pg_indexes' definitions, unquoted). -#}
{% macro flexlake_indexed_column_lists(relation) -%}
    {%- set query -%}
        select indexdef from pg_indexes
        where schemaname = '{{ relation.schema }}' and tablename = '{{ relation.identifier }}'
    {%- endset -%}
    {%- set lists = [] -%}
    {%- for definition in run_query(query).columns[0].values() -%}
        {%- do lists.append(definition.rsplit('(', 1)[-1].rstrip(')').replace('"', '') | lower) -%}
    {%- endfor -%}
    {{ return(lists) }}
{%- endmacro %}
