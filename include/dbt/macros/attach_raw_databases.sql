{#
    on-run-start hook. On DuckDB every source's raw data lives in its own file, so ingestion of one
    source never waits for another's lock; this attaches each file read-only under its alias, which
    is then the source's raw_database__<system> var. On other warehouses raw schemas are already in
    the target database and this does nothing.

    var flexlake_duckdb_attach: [{"path": "/data/acme/raw_shop.duckdb", "alias": "raw_shop"}, ...]
#}
{% macro flexlake_attach_raw_databases() -%}
    {{ return(adapter.dispatch('flexlake_attach_raw_databases', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_attach_raw_databases() -%}
{%- endmacro %}

{% macro duckdb__flexlake_attach_raw_databases() -%}
    {%- set attachments = var('flexlake_duckdb_attach', []) -%}
    {%- if attachments is string or attachments is mapping -%}
        {{ exceptions.raise_compiler_error(
            "var flexlake_duckdb_attach must be a list of {path, alias} mappings, got: " ~ attachments) }}
    {%- endif -%}
    {%- for attachment in attachments -%}
        {%- set path = attachment.get('path') if attachment is mapping else none -%}
        {%- set alias = attachment.get('alias') if attachment is mapping else none -%}
        {%- if not path or not alias or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', alias | string) -%}
            {{ exceptions.raise_compiler_error(
                "flexlake_duckdb_attach[" ~ loop.index0 ~ "] needs a 'path' and an identifier 'alias' "
                ~ "(letters, digits, underscores), got: " ~ attachment) }}
        {%- endif -%}
        {%- do run_query(
            "attach if not exists '" ~ (path | string | replace("'", "''")) ~ "' as " ~ alias ~ " (read_only)") -%}
        {%- do log("flexlake: attached " ~ path ~ " as " ~ alias ~ " (read only)") -%}
    {%- endfor -%}
{%- endmacro %}
