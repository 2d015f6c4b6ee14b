{#
    The body of an input-layer model: the union of its source adapters' models, for the source systems
    this tenant has (var flexlake_source_systems). Adapter models are named <system>__<entity> and
    return exactly the contract's columns; the column list comes from the calling model's yml (its
    enforced contract), so the union never depends on column order, and a tenant without any adapter
    for the entity still gets the table, empty, with every contract column.

    Every adapter is passed as ref() even when the tenant lacks its system: dbt records all of them at
    parse time (one manifest for every tenant), the tenant's selection leaves the unused ones out of its
    DAG, and only the used ones are read.

    A tenant overlay adds its own adapters (e.g. appdb__orders, mapping its application database to the
    contract) with var flexlake_extra_adapters in its dbt_project.yml: {orders: [appdb__orders]}, keyed by
    the entity (input__<entity>). They are always unioned. dbt renders these refs when it parses the overlay,
    so its manifest carries the dependency; unset (the product), nothing changes.

    Incremental (dbt_project.yml: delete+insert on the model's unique_key, source_relation + id). Every adapter's
    loaded_at is the latest extraction of the records its row is made of (a faker order's purchase or product,
    a Stripe order's invoice or charge), so a row whose value changed has a loaded_at within the window
    (flexlake_incremental_window on the model's own max(loaded_at), lookback var incremental_lookback_hours):
    an incremental run reads only those rows of each adapter and replaces them by key. What no longer comes
    out of the adapters at all (a faker purchase that is an abandoned cart again, a raw location removed) no
    row of the window names: the post-hook flexlake_delete_vanished_input_rows deletes it. A full refresh, an
    empty table and the first run read everything.

    With `changed_parent` (input__order_lines: order_id) a row's values depend on its siblings too (Stripe numbers
    an invoice's lines), so a run re-reads every row of each parent with a row in the window, and the model's
    unique_key is the parent (source_relation + order_id): delete+insert replaces a changed order's lines whole.
#}
{% macro flexlake_union_adapters(adapter_relations, changed_parent=none) -%}
    {%- set column_names = model.columns.keys() | list -%}
    {%- set incremental = flexlake_is_incremental_run() -%}
    {%- for relation in flexlake_used_adapters(adapter_relations) %}
select
    adapter_rows.{{ column_names | join(',\n    adapter_rows.') }}
from {{ relation }} as adapter_rows
{%- if incremental and changed_parent %}
inner join (
    select distinct source_relation, {{ changed_parent }}
    from {{ relation }}
    where {{ flexlake_incremental_window('loaded_at') }}
) as changed_parents
    on adapter_rows.source_relation = changed_parents.source_relation
    and adapter_rows.{{ changed_parent }} = changed_parents.{{ changed_parent }}
{%- elif incremental %}
where {{ flexlake_incremental_window('adapter_rows.loaded_at') }}
{%- endif %}
{% if not loop.last %}union all
{% endif -%}
    {%- else %}
select
    {%- for name, column in model.columns.items() %}
    cast(null as {{ flexlake.flexlake_contract_type(column.data_type) }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
where 1 = 0
    {%- endfor -%}
{%- endmacro %}


{#- The adapters an input model unions for this tenant: its systems' own, then the overlay's extra ones. -#}
{% macro flexlake_used_adapters(adapter_relations) -%}
    {%- set systems = var('flexlake_source_systems', []) -%}
    {%- set used = [] -%}
    {%- for relation in adapter_relations -%}
        {%- if relation.identifier.split('__')[0] in systems -%}
            {%- do used.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set extra_adapters = var('flexlake_extra_adapters', {}) or {} -%}
    {%- for name in extra_adapters.get(model.name.split('__', 1)[-1], []) -%}
        {%- do used.append(ref(name)) -%}
    {%- endfor -%}
    {{ return(used) }}
{%- endmacro %}

{#-
    Post-hook of an input model: delete the rows whose key (source_relation + `id_columns`, one name or a list)
    no longer comes out of any of its adapters (`adapter_relations`, as the model passes them to
    flexlake_union_adapters), over the whole adapters, not the window, reading their keys only. A NOT EXISTS
    anti-join on the key columns, not a surrogate key IN (...): the input layer stores no surrogate key, so that
    hashed every row of the table on each run (measured at 1 M on PostgreSQL: no faster either way, within the
    noise; benchmarks/README.md, fifth run). The target is named
    by its bare identifier inside the subquery (every warehouse resolves it to the DELETE's table; an alias on
    DELETE is not portable). A tenant without any of the adapters empties the table; a full refresh has nothing
    to delete (no statement).

    The anti-join runs only when the table has more rows than its adapters give: after the run's delete+insert
    every adapter row is in the table (a row of the window was just inserted; any other was there after the
    previous run and no key of the window replaced it, as the window's own rule assumes), so with unique keys
    (the contract's tests) the table's surplus is exactly what vanished, and equal counts mean nothing did. Both
    counts are uncorrelated scalars the warehouse evaluates once, before the join (PostgreSQL: a one-time filter;
    DuckDB likewise): 2.7 s -> 0.75 s for input__orders at 1 M orders on PostgreSQL (benchmarks/README.md, seventh
    run). A removed raw location or a record an adapter no longer gives makes the counts differ, and the
    anti-join finds the keys.
-#}
{% macro flexlake_delete_vanished_input_rows(id_columns, adapter_relations) -%}
    {%- if not flexlake_is_incremental_run() -%}{{ return('') }}{%- endif -%}
    {%- set used = flexlake_used_adapters(adapter_relations) -%}
    {%- set key = ['source_relation'] + ([id_columns] if id_columns is string else id_columns) -%}
    {%- set target = adapter.quote(this.identifier) if this.quote_policy.identifier else this.identifier -%}
delete from {{ this }}
    {%- if used %}
where (select count(*) from {{ this }}) <> (
    select count(*)
    from (
        {{- flexlake_adapter_keys(used, key) }}
    ) as adapter_keys
)
and not exists (
    select 1
    from (
        {{- flexlake_adapter_keys(used, key) }}
    ) as kept
    where {% for column in key %}kept.{{ column }} = {{ target }}.{{ column }}{% if not loop.last %}
        and {% endif %}{% endfor %}
)
    {%- endif %}
{%- endmacro %}

{#- The key columns of every used adapter's rows, one union all (flexlake_delete_vanished_input_rows). -#}
{% macro flexlake_adapter_keys(used, key) -%}
    {%- for relation in used %}
        select {{ key | join(', ') }} from {{ relation }}
        {%- if not loop.last %}
        union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}
