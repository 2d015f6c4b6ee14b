{#
    The rows of one Airbyte stream of one source system, from every raw schema the tenant syncs that
    system into (a tenant may run two Shopify stores: two connections, two raw schemas), as one select.

    var flexlake_raw_relations: {"shopify": [{"database": "raw_eu", "schema": "acme_raw_eu"}, ...], ...}
    (database null = the target database). Python sets it from the tenant file (warehouses/*.py).

    Per location the table is looked up at run time, so what Airbyte may or may not have written is
    handled here, once, for every adapter:
      - a stream never synced (optional stream, disabled in the connection): that location adds no rows;
        with no location at all the select is empty but has every declared column, so models build;
      - identifier case: tables and columns are matched case-insensitively (Airbyte's Snowflake
        destination writes upper case), and quoted as found;
      - a declared column the stream lacks (older connector version, field never set): null;
      - timestamps with a time zone become naive UTC, the one timestamp type of the product; a timestamp held
        as an integer (SQL Server's `_airbyte_extracted_at`: BIGINT epoch milliseconds) is converted too;
    Every row gets _airbyte_raw_id, _airbyte_extracted_at (naive UTC), source_system and
    source_relation (the raw schema: part of every surrogate key, so two stores never collide).

    Offline compile (`dbt compile --no-introspect`, flexlake_offline_compile()): no query can run, so every
    location is assumed to hold the stream, named as declared, with exactly the declared columns in their
    declared types; the SQL is the same projection as for a table found online.

    columns: [(name, type)] with type one of string, integer, number, boolean, timestamp, json.
#}
{% macro flexlake_raw_stream(system, stream, columns) -%}
    {%- set locations = flexlake_raw_locations(system) -%}
    {%- set selects = [] -%}
    {%- if execute and flexlake_offline_compile() -%}
        {%- for location in locations -%}
            {%- set relation = api.Relation.create(
                database=location.get('database') or target.database, schema=location.schema, identifier=stream) -%}
            {%- do selects.append(flexlake_raw_select(
                relation, location, system, columns, flexlake_declared_raw_columns(columns))) -%}
        {%- endfor -%}
    {%- elif execute -%}
        {%- for location in locations -%}
            {%- set relation = flexlake_find_raw_table(location, stream) -%}
            {%- if relation is not none -%}
                {%- do selects.append(flexlake_raw_select(
                    relation, location, system, columns, flexlake_found_raw_columns(relation))) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if selects -%}
        {{ selects | join('\nunion all\n') }}
    {%- else -%}
        {{ flexlake_empty_raw_select(system, columns) }}
    {%- endif -%}
{%- endmacro %}

{#- The column names of flexlake_raw_stream's select: the declared ones and the four it adds. -#}
{% macro flexlake_raw_stream_column_names(columns) -%}
    {{ return((columns | map('first') | list) + ['_airbyte_raw_id', '_airbyte_extracted_at', 'source_system', 'source_relation']) }}
{%- endmacro %}

{% macro flexlake_raw_locations(system) -%}
    {%- set all_locations = var('flexlake_raw_relations', {}) -%}
    {%- if all_locations is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var flexlake_raw_relations must map a source system to a list of {database, schema}, got: "
            ~ all_locations) }}
    {%- endif -%}
    {%- set locations = all_locations.get(system, []) -%}
    {%- for location in locations -%}
        {%- if location is not mapping or not location.get('schema') -%}
            {{ exceptions.raise_compiler_error(
                "flexlake_raw_relations['" ~ system ~ "'][" ~ loop.index0 ~ "] needs a 'schema', got: "
                ~ location) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(locations) }}
{%- endmacro %}

{#-
    The stream's table in a raw schema, matched case-insensitively; none when it does not exist.
    (adapter.get_relation refuses a match that differs only in case, so the schema is listed instead.)
-#}
{% macro flexlake_find_raw_table(location, stream) -%}
    {%- set database = location.get('database') or target.database -%}
    {%- for schema in [location.schema, location.schema | upper] | unique -%}
        {%- set schema_relation = api.Relation.create(database=database, schema=schema) -%}
        {%- for row in list_relations_without_caching(schema_relation) -%}
            {%- if row['name'] | lower == stream | lower -%}
                {{ return(api.Relation.create(database=database, schema=schema, identifier=row['name'])) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The columns of a raw table as found: lower-case name -> {name (as found), dtype}. -#}
{% macro flexlake_found_raw_columns(relation) -%}
    {%- set found = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do found.update({(column.name | lower): {'name': column.name, 'dtype': column.dtype}}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- Offline compile: the declared columns (and Airbyte's two) as if found, in their declared types. -#}
{% macro flexlake_declared_raw_columns(columns) -%}
    {%- set found = {} -%}
    {%- for name, type in columns + [('_airbyte_raw_id', 'string'), ('_airbyte_extracted_at', 'timestamp')] -%}
        {%- do found.update({(name | lower): {'name': name, 'dtype': flexlake_raw_type(type)}}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#-
    True when dbt runs without introspection (`dbt compile --no-introspect`, e.g. Redshift and SQL Server
    compiled where no warehouse is reachable): macros must not query, so they assume the declared shape.
    `sameas false`: a flags object without the flag (None) is an ordinary, online run.
-#}
{% macro flexlake_offline_compile() -%}
    {{ return(flags.INTROSPECT is sameas false) }}
{%- endmacro %}

{% macro flexlake_raw_select(relation, location, system, columns, found) -%}
    {%- set projections = [] -%}
    {%- for name, type in columns + [('_airbyte_raw_id', 'string'), ('_airbyte_extracted_at', 'timestamp')] -%}
        {%- set column = found.get(name | lower) -%}
        {%- if column is none -%}
            {%- do projections.append('cast(null as ' ~ flexlake_raw_type(type) ~ ') as ' ~ name) -%}
        {%- else -%}
            {%- do projections.append(
                flexlake_raw_value(adapter.quote(column['name']), column['dtype'], type) ~ ' as ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
    select
        {{ projections | join(',\n        ') }},
        cast('{{ system }}' as {{ dbt.type_string() }}) as source_system,
        cast('{{ location.schema | replace("'", "''") }}' as {{ dbt.type_string() }}) as source_relation
    from {{ relation }}
{%- endmacro %}

{% macro flexlake_empty_raw_select(system, columns) -%}
    select
        {%- for name, type in columns + [('_airbyte_raw_id', 'string'), ('_airbyte_extracted_at', 'timestamp')] %}
        cast(null as {{ flexlake_raw_type(type) }}) as {{ name }},
        {%- endfor %}
        cast('{{ system }}' as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as source_relation
    where 1 = 0
{%- endmacro %}

{#- A raw column's value in the declared type; zoned timestamps to naive UTC, JSON kept as JSON. -#}
{% macro flexlake_raw_value(quoted_column, source_dtype, type) -%}
    {%- if type == 'timestamp' and flexlake.flexlake_is_zoned_timestamp(source_dtype) -%}
        {{ flexlake.flexlake_zoned_to_naive_utc(quoted_column) }}
    {%- elif type == 'timestamp' and flexlake.flexlake_is_integer_type(source_dtype) -%}
        {{ flexlake.flexlake_epoch_millis_to_timestamp(quoted_column) }}
    {%- elif type == 'json' and 'json' in (source_dtype | lower) -%}
        {{ quoted_column }}
    {%- elif type == 'json' and (source_dtype | lower) == 'super' -%}
        json_serialize({{ quoted_column }})
    {%- else -%}
        cast({{ quoted_column }} as {{ flexlake_raw_type(type) }})
    {%- endif -%}
{%- endmacro %}

{#- An integer column type as warehouses report it (a timestamp stored as epoch milliseconds). -#}
{% macro flexlake_is_integer_type(source_dtype) -%}
    {{ return((source_dtype | lower) in ['bigint', 'int', 'integer', 'int8', 'int64']) }}
{%- endmacro %}

{% macro flexlake_is_zoned_timestamp(source_dtype) -%}
    {%- set dtype = source_dtype | lower -%}
    {{ return('with time zone' in dtype or dtype in ['timestamptz', 'timestamp_tz', 'datetimeoffset']) }}
{%- endmacro %}

{% macro flexlake_raw_type(type) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'integer': dbt.type_bigint(),
        'number': 'numeric(38, 9)',
        'boolean': dbt.type_boolean(),
        'timestamp': dbt.type_timestamp(),
        'json': flexlake_json_type(),
    } -%}
    {%- if type not in types -%}
        {{ exceptions.raise_compiler_error(
            "raw column type " ~ type ~ " is not one of " ~ (types.keys() | list | join(', '))) }}
    {%- endif -%}
    {{ return(types[type]) }}
{%- endmacro %}

{% macro flexlake_zoned_to_naive_utc(expression) -%}
    {{ return(adapter.dispatch('flexlake_zoned_to_naive_utc', 'flexlake')(expression)) }}
{%- endmacro %}

{% macro default__flexlake_zoned_to_naive_utc(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro postgres__flexlake_zoned_to_naive_utc(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__flexlake_zoned_to_naive_utc(expression) -%}
    timezone('UTC', {{ expression }})
{%- endmacro %}

{% macro snowflake__flexlake_zoned_to_naive_utc(expression) -%}
    cast(convert_timezone('UTC', {{ expression }}) as timestamp_ntz)
{%- endmacro %}

{% macro sqlserver__flexlake_zoned_to_naive_utc(expression) -%}
    cast(switchoffset({{ expression }}, '+00:00') as datetime2)
{%- endmacro %}

{% macro flexlake_json_type() -%}
    {{ return(adapter.dispatch('flexlake_json_type', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_json_type() -%}
    {{ return(dbt.type_string()) }}
{%- endmacro %}

{% macro duckdb__flexlake_json_type() -%}
    {{ return('json') }}
{%- endmacro %}

{% macro postgres__flexlake_json_type() -%}
    {{ return('jsonb') }}
{%- endmacro %}

{% macro snowflake__flexlake_json_type() -%}
    {{ return('variant') }}
{%- endmacro %}

{#- Redshift: JSON as text, which json_extract_path_text reads (Airbyte's SUPER columns are serialized). -#}
{% macro redshift__flexlake_json_type() -%}
    {{ return('varchar(65535)') }}
{%- endmacro %}
