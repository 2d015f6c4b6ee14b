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
#}
{% macro flexlake_union_adapters(adapter_relations) -%}
    {%- set systems = var('flexlake_source_systems', []) -%}
    {%- set column_names = model.columns.keys() | list -%}
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
    {%- for relation in used %}
select
    {{ column_names | join(',\n    ') }}
from {{ relation }}
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
