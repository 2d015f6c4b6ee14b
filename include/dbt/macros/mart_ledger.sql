{#
    Marts recomputed only for what changed (issue 14), exact.

    An incremental fact replaces a changed row and deletes a vanished one (delete+insert, post-hooks), so after it
    has run nothing says which day (or customer) a changed row counted for before: an order moved to another day
    or customer, a refund that failed, an order that left the counted statuses. A mart that recomputes only the
    days of the rows loaded in the window would keep their old figures. So a mart family keeps a ledger: one row
    per contribution (an order, a refund, an FX rate) with the grain values it counted under and a hash of every
    value the family's marts read from it, as of the family's last successful build:

      int_<family>__contribution_changes (table, before the marts): today's contributions from the facts, full
          outer joined with the ledger on contribution_key; a row per contribution that is new, gone or whose hash
          changed, with the grain values before (previous_*) and now. Reads narrow columns only, no FX join.
      the marts (incremental, delete+insert on their grain): recompute the grain values of those rows, both the
          previous and the current ones (and, for an FX rate that changed, every day of its validity before and
          after); a grain value left without rows gets a marker row that the post-hook deletes.
      int_<family>__contributions (the ledger, incremental, after the marts: it depends on them): takes the
          changed rows' new values and deletes the gone ones.

    Why that stays exact when something fails: the ledger depends on every mart of its family, so when one fails
    (or is skipped) the ledger keeps its older state and the next run's changes are a superset of what is left to
    do. Recomputing a grain value from the facts is always right, so doing too much costs time, never exactness.
    A mart built alone (a task's retry: `dbt build --select <mart>`) reads the changes of its run. A missing ledger
    (the first build, or a warehouse that had these marts as tables) recomputes every grain value. A mart that a
    tenant excludes by name (exclude_models) and takes back later needs its full refresh: the ledger went on
    without it (disabled_marts excludes a family's ledger with its marts).
#}

{#-
    The ledger (a model of the project, by name) as a relation to read, or none when this run recomputes
    everything: a full refresh, or no ledger table yet. Looked up by name, not ref(): the ledger is built after
    the marts that read it (it depends on them). In an offline compile (no lookup possible) the relation is
    assumed to exist, so the compiled SQL shows the incremental branch.
-#}
{% macro flexlake_ledger_relation(ledger_name) -%}
    {%- if not execute or should_full_refresh() -%}{{ return(none) }}{%- endif -%}
    {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', ledger_name) | list -%}
    {%- if not nodes -%}
        {{ exceptions.raise_compiler_error("flexlake_ledger_relation: no model named '" ~ ledger_name ~ "'") }}
    {%- endif -%}
    {%- set node = nodes[0] -%}
    {%- if flexlake_offline_compile() -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{#-
    The body of a contribution_changes model: `contributions` is the select of today's contributions (columns
    contribution_key, contribution_kind, contribution_date, range_end, grain_key, contribution_hash); the ledger
    is compared with it. No ledger: no rows (the marts then recompute everything).
-#}
{% macro flexlake_contribution_changes(contributions, ledger_name) -%}
    {%- set ledger = flexlake_ledger_relation(ledger_name) -%}
with current_contributions as (

    {{ contributions | indent(4) }}

)

{%- if ledger is none %}

select
    contribution_key,
    contribution_kind,
    cast(null as date) as previous_date,
    cast(null as date) as previous_range_end,
    cast(null as {{ flexlake_type_string() }}) as previous_grain_key,
    contribution_date,
    range_end,
    grain_key,
    contribution_hash
from current_contributions
where 1 = 0
{%- else %}

select
    coalesce(current_contributions.contribution_key, ledger.contribution_key) as contribution_key,
    coalesce(current_contributions.contribution_kind, ledger.contribution_kind) as contribution_kind,
    ledger.contribution_date as previous_date,
    ledger.range_end as previous_range_end,
    ledger.grain_key as previous_grain_key,
    current_contributions.contribution_date,
    current_contributions.range_end,
    current_contributions.grain_key,
    current_contributions.contribution_hash
from current_contributions
full outer join {{ ledger }} as ledger
    on current_contributions.contribution_key = ledger.contribution_key
where current_contributions.contribution_key is null
    or ledger.contribution_key is null
    or current_contributions.contribution_hash <> ledger.contribution_hash
{%- endif %}
{%- endmacro %}

{#-
    The body of a ledger model: on an incremental run the new values of the changed contributions (the gone ones
    are deleted by flexlake_delete_gone_contributions); otherwise every contribution of today.
-#}
{% macro flexlake_contribution_ledger(contributions, changes) -%}
    {%- if flexlake_is_incremental_run() %}
select
    contribution_key,
    contribution_kind,
    contribution_date,
    range_end,
    grain_key,
    contribution_hash
from {{ changes }}
where contribution_hash is not null
    {%- else %}
{{ contributions }}
    {%- endif %}
{%- endmacro %}

{#- Post-hook of a ledger: delete the contributions that are gone (no statement on a full build). -#}
{% macro flexlake_delete_gone_contributions(changes) -%}
    {%- if flexlake_is_incremental_run() -%}
delete from {{ this }}
where contribution_key in (
    select contribution_key from {{ changes }}
    where contribution_hash is null
)
    {%- endif -%}
{%- endmacro %}

{#-
    The grain values (days) a date-grained mart recomputes on an incremental run, as a select of one column
    `grain_date`: the days of the changed contributions, before and now; with `fx`, also every day of the mart
    inside the validity of an FX rate that changed, before and now (its rows convert at that rate). Without a
    ledger: every day of the mart and of the facts.
-#}
{% macro flexlake_affected_days(changes, ledger_name, date_column, every_day_sql, fx=false) -%}
    {%- if flexlake_ledger_relation(ledger_name) is none -%}
select {{ date_column }} as grain_date from {{ this }}
union
{{ every_day_sql }}
    {%- else -%}
select previous_date as grain_date from {{ changes }}
where contribution_kind <> 'fx' and previous_date is not null
union
select contribution_date as grain_date from {{ changes }}
where contribution_kind <> 'fx' and contribution_date is not null
        {%- if fx %}
union
select mart.{{ date_column }} as grain_date
from {{ this }} as mart
inner join {{ changes }} as fx_changes
    on fx_changes.contribution_kind = 'fx'
    and (
        (mart.{{ date_column }} >= fx_changes.previous_date
            and (fx_changes.previous_range_end is null or mart.{{ date_column }} < fx_changes.previous_range_end))
        or (mart.{{ date_column }} >= fx_changes.contribution_date
            and (fx_changes.range_end is null or mart.{{ date_column }} < fx_changes.range_end))
    )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of a mart recomputed by grain value: delete the marker rows of values left without rows. -#}
{% macro flexlake_delete_marker_rows(marker_column) -%}
    {%- if flexlake_is_incremental_run() -%}
delete from {{ this }} where {{ marker_column }} is null
    {%- endif -%}
{%- endmacro %}

{#-
    Marker rows of a model recomputed by grain value: one per affected value (CTE `affected`, column
    `affected_column`) that the recomputed rows (CTE `rows_cte`) do not have, with `nulls` null columns after it:
    delete+insert then removes the value's old rows, and the post-hook (flexlake_delete_marker_rows) the marker.
-#}
{% macro flexlake_marker_rows(affected, rows_cte, grain_column, nulls, affected_column='grain_date') -%}
select
    {{ affected }}.{{ affected_column }} as {{ grain_column }}
    {%- for _ in range(nulls) %},
    null
    {%- endfor %}
from {{ affected }}
where {{ affected }}.{{ affected_column }} is not null
    and {{ affected }}.{{ affected_column }} not in (select {{ grain_column }} from {{ rows_cte }})
{%- endmacro %}

{#-
    The grain values (keys, e.g. customers) a key-grained model recomputes on an incremental run, as a select of one
    column `grain_key`: the keys of the changed contributions, before and now, and the keys of every contribution in
    the ledger inside the validity of an FX rate that changed, before and now. Without a ledger: every key of the
    model (`key_column`) and `every_key_sql`.
-#}
{% macro flexlake_affected_keys(changes, ledger_name, key_column, every_key_sql) -%}
    {%- set ledger = flexlake_ledger_relation(ledger_name) -%}
    {%- if ledger is none -%}
select {{ key_column }} as grain_key from {{ this }}
union
{{ every_key_sql }}
    {%- else -%}
select previous_grain_key as grain_key from {{ changes }}
where contribution_kind <> 'fx' and previous_grain_key is not null
union
select grain_key from {{ changes }}
where contribution_kind <> 'fx' and grain_key is not null
union
select ledger.grain_key
from {{ ledger }} as ledger
inner join {{ changes }} as fx_changes
    on fx_changes.contribution_kind = 'fx'
    and ledger.contribution_kind <> 'fx'
    and (
        (ledger.contribution_date >= fx_changes.previous_date
            and (fx_changes.previous_range_end is null or ledger.contribution_date < fx_changes.previous_range_end))
        or (ledger.contribution_date >= fx_changes.contribution_date
            and (fx_changes.range_end is null or ledger.contribution_date < fx_changes.range_end))
    )
    {%- endif -%}
{%- endmacro %}

{#- Every FX rate into the reporting currency with its validity, as contributions (grain_key null). -#}
{% macro flexlake_fx_contributions() -%}
select
    {{ flexlake_concat(["'fx|'", 'currency_code', "'|'", 'cast(valid_from as ' ~ flexlake_type_string() ~ ')']) }}
        as contribution_key,
    cast('fx' as {{ flexlake_type_string() }}) as contribution_kind,
    valid_from as contribution_date,
    valid_to as range_end,
    cast(null as {{ flexlake_type_string() }}) as grain_key,
    {{ flexlake_surrogate_key(['valid_to', 'rate']) }} as contribution_hash
from {{ ref('dim_fx_rates') }}
{%- endmacro %}
