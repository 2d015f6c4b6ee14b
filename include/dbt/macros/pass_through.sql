{#
    Pass-through columns: raw source fields a tenant declares in its file (dbt.pass_through_columns) and gets
    in core and marts next to the product's own columns, without forking a model.

    var flexlake_pass_through_columns:
        {"customers": [{"system": "shopify", "column": "tags", "name": "customer_tags", "type": "string"}], ...}
    entities and where their columns appear:
        customers -> dim_customers, mart_customer_lifetime
        orders    -> fct_orders
        products  -> dim_products, mart_product_performance
    type: string, integer, number, boolean, timestamp (as flexlake_raw_stream reads them).

    The values come from model pass_through__<entity>, which reads the entity's raw streams directly (the
    input contract stays the product's): the latest version of each record, keyed like the contract
    (source_relation + <entity>_id). A column a system does not declare is null for that system's rows.
    Core and marts join it only when the tenant declares columns for the entity, so a tenant without
    pass-through columns reads nothing more (and its DAG leaves pass_through__<entity> out).
#}

{#- The raw streams an entity's records come from, per system, with the type of their `id` column. -#}
{% macro flexlake_pass_through_streams(entity, system) -%}
    {%- set streams = {
        'customers': {'faker': [('users', 'integer')], 'shopify': [('customers', 'integer')],
                      'stripe': [('customers', 'string')]},
        'orders': {'faker': [('purchases', 'integer')], 'shopify': [('orders', 'integer')],
                   'stripe': [('invoices', 'string'), ('charges', 'string')]},
        'products': {'faker': [('products', 'integer')], 'shopify': [('products', 'integer')],
                     'stripe': [('products', 'string')]},
    } -%}
    {{ return(streams.get(entity, {}).get(system, [])) }}
{%- endmacro %}

{#- The tenant's pass-through columns of an entity (systems it does not sync left out), validated. -#}
{% macro flexlake_pass_through_columns(entity) -%}
    {%- set declared = var('flexlake_pass_through_columns', {}) or {} -%}
    {%- if declared is not mapping -%}
        {{ exceptions.raise_compiler_error("var flexlake_pass_through_columns must map an entity to a list, got: " ~ declared) }}
    {%- endif -%}
    {%- set systems = var('flexlake_source_systems', []) -%}
    {%- set columns = [] -%}
    {%- for column in declared.get(entity, []) -%}
        {%- if column.type not in ['string', 'integer', 'number', 'boolean', 'timestamp'] -%}
            {{ exceptions.raise_compiler_error("pass-through column " ~ column.name ~ ": type must be one of string, integer, number, boolean, timestamp, got: " ~ column.type) }}
        {%- endif -%}
        {%- if column.system in systems -%}
            {%- do columns.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The body of pass_through__<entity>: one select per stream of each system with declared columns. -#}
{% macro flexlake_pass_through_model(entity, key) -%}
    {%- set columns = flexlake.flexlake_pass_through_columns(entity) -%}
    {%- set selects = [] -%}
    {%- for system in columns | map(attribute='system') | unique -%}
        {%- set own = columns | selectattr('system', 'equalto', system) | list -%}
        {%- for stream, id_type in flexlake.flexlake_pass_through_streams(entity, system) -%}
            {%- set raw_columns = [('id', id_type), ('updated_at', 'timestamp')] -%}
            {%- for column in own -%}
                {%- do raw_columns.append((column.column, column.type)) -%}
            {%- endfor -%}
            {%- do selects.append(flexlake.flexlake_pass_through_select(system, stream, raw_columns, columns, key)) -%}
        {%- endfor -%}
    {%- endfor -%}
with raw_records as (

    {% if selects -%}
    {{ selects | join('\n    union all\n    ') }}
    {%- else -%}
    select
        cast(null as {{ flexlake.flexlake_type_string() }}) as source_relation,
        cast(null as {{ flexlake.flexlake_type_string() }}) as {{ key }},
        cast(null as {{ flexlake.flexlake_type_timestamp() }}) as updated_at,
        cast(null as {{ flexlake.flexlake_type_timestamp() }}) as _airbyte_extracted_at,
        cast(null as {{ flexlake.flexlake_type_string() }}) as _airbyte_raw_id
    where 1 = 0
    {%- endif %}

),

ranked as (

    select
        raw_records.*,
        {{ flexlake.flexlake_airbyte_version_rank(key) }} as version_rank
    from raw_records

)

select
    source_relation,
    {{ key }}
    {%- for column in columns %},
    {{ column.name }}
    {%- endfor %}
from ranked
where version_rank = 1
{%- endmacro %}

{% macro flexlake_pass_through_select(system, stream, raw_columns, columns, key) -%}
    select
        source_relation,
        cast(cast(id as {{ 'bigint' if raw_columns[0][1] == 'integer' else flexlake.flexlake_type_string() }}) as {{ flexlake.flexlake_type_string() }}) as {{ key }},
        updated_at,
        _airbyte_extracted_at,
        _airbyte_raw_id
        {%- for column in columns %},
        {% if column.system == system -%}
        {{ column.column }}
        {%- else -%}
        cast(null as {{ flexlake.flexlake_raw_type(column.type) }})
        {%- endif %} as {{ column.name }}
        {%- endfor %}
    from (
        {{ flexlake.flexlake_raw_stream(system, stream, raw_columns) | indent(8) }}
    ) as {{ system }}_{{ stream }}
{%- endmacro %}

{#- In a core or mart select list: the entity's pass-through columns, read from `relation_alias`. -#}
{% macro flexlake_pass_through_projection(entity, relation_alias) -%}
    {%- for column in flexlake.flexlake_pass_through_columns(entity) %}
        {%- if column.name in model.columns -%}
            {{ exceptions.raise_compiler_error(
                "pass-through column '" ~ column.name ~ "' of " ~ entity ~ " has the name of a column of " ~ model.name
                ~ ": give it another `name:` in the tenant file's dbt.pass_through_columns") }}
        {%- endif -%},
    {{ relation_alias }}.{{ column.name }}
    {%- endfor %}
{%- endmacro %}

{#- In a core model's FROM: a left join of pass_through__<entity> on the contract key, only when declared. -#}
{% macro flexlake_pass_through_join(entity, relation_alias, key) -%}
    {%- if flexlake.flexlake_pass_through_columns(entity) %}
left join {{ ref('pass_through__' ~ entity) }} as pass_through
    on {{ relation_alias }}.source_relation = pass_through.source_relation
    and {{ relation_alias }}.{{ key }} = pass_through.{{ key }}
    {%- endif %}
{%- endmacro %}
