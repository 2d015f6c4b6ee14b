{#
    The filter of an incremental fact: on an incremental run, keep the input rows loaded at or after the
    latest loaded_at already in the target minus var incremental_lookback_hours. Rows that arrive late
    (an old order synced today) have a new loaded_at, so they are picked up whatever their business date;
    the lookback covers rows committed out of order by concurrent or retried syncs. The unique_key of the
    model (delete+insert) makes re-reading a row idempotent. An empty target re-reads everything. On a full
    refresh it renders `1 = 1`. In an offline compile (`dbt compile --no-introspect`, no query possible) an
    incremental model renders the incremental branch, so the compiled SQL shows (and linters check) it.
    Pass the column as the model names it, e.g. 'order_lines.loaded_at'.
#}
{% macro flexlake_incremental_window(column, target_column='loaded_at') -%}
    {%- set offline_incremental = execute and flexlake_offline_compile()
        and model.config.materialized == 'incremental' and not should_full_refresh() -%}
    {%- if offline_incremental or is_incremental() -%}
        {%- set hours = var('incremental_lookback_hours', 72) | string | trim -%}
        {%- if not hours.isdigit() -%}
            {{ exceptions.raise_compiler_error(
                "var incremental_lookback_hours must be a whole number of hours, got '" ~ hours ~ "'") }}
        {%- endif -%}
        {{ column }} >= (
            select coalesce(
                {{ flexlake_dateadd('hour', '-' ~ hours, 'max(' ~ target_column ~ ')') }},
                cast('1900-01-01' as {{ flexlake_type_timestamp() }})
            )
            from {{ this }}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
