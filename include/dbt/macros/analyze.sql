{#-
    A post-hook on every model (dbt_project.yml): on PostgreSQL, `analyze` each table right after it is built.
    A table made by `create table as` has no planner statistics until autovacuum gets to it, so the next
    model's query may be planned blind: fct_orders once took 4.5 min instead of seconds at 20k input rows
    (nested loops chosen on an unanalyzed input table). Sampling a table takes milliseconds.
    An incremental run that changed few rows keeps the statistics it has: analyzing the 19 incremental tables of
    a 1 M-line tenant took 4 s of every hourly run for 1% new rows (benchmarks/README.md, seventh run). It
    analyzes when this run's inserts, updates and deletes of the table (pg_stat_xact_user_tables: the model's own
    transaction, where dbt runs its post-hooks) exceed the server's own autovacuum analyze threshold (by default 50
    rows + 10% of the rows at the last analyze), so a small table that receives a large batch is planned on fresh statistics before
    the next model reads it, as after a full build; a table never analyzed is analyzed.
    Views have nothing to analyze; other warehouses keep their own statistics. Redshift (whose dispatch falls back
    to postgres__) keeps a plain `analyze`: its ANALYZE itself skips a table less than analyze_threshold_percent
    (10%) changed since the last one, and it has neither DO blocks nor pg_stat_xact_user_tables.
-#}
{% macro flexlake_analyze_table() -%}
    {{ return(adapter.dispatch('flexlake_analyze_table', 'flexlake')()) }}
{%- endmacro %}

{% macro default__flexlake_analyze_table() -%}
{%- endmacro %}

{% macro redshift__flexlake_analyze_table() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__flexlake_analyze_table() -%}
    {%- if config.get('materialized') == 'incremental' and flexlake_is_incremental_run() -%}
        {{ flexlake_analyze_if_changed_much(this) }}
    {%- elif config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- `analyze` the table when this transaction changed more of it than autovacuum waits for (macro above). -#}
{% macro flexlake_analyze_if_changed_much(relation) -%}
do $flexlake_analyze$
begin
    if (
        select changes.n_tup_ins + changes.n_tup_upd + changes.n_tup_del
            > current_setting('autovacuum_analyze_threshold')::float
                + current_setting('autovacuum_analyze_scale_factor')::float * greatest(stats.reltuples, 0)
            or stats.reltuples < 0
        from pg_class as stats
        inner join pg_stat_xact_user_tables as changes
            on stats.oid = changes.relid
        where stats.oid = {{ flexlake_string_literal(relation | string) }}::regclass
    ) then
        analyze {{ relation }};
    end if;
end
$flexlake_analyze$
{%- endmacro %}
