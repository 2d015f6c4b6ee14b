{#-
    Subscription history: one row per billed period of a subscription item, with its monthly recurring
    revenue (MRR) at full precision. Test-mode and deleted periods are left out.

    The input contract has subscriptions in their latest state only, and MRR movements need the history,
    which Stripe keeps in invoice lines: this model reads the source adapters' `<system>__subscription_periods`
    (today Stripe's) for the tenant's systems, like an input-layer union. Every adapter is passed as ref()
    so the manifest is the same for every tenant; only the tenant's systems are read.
-#}
{%- set adapters = [ref('stripe__subscription_periods')] -%}
{%- set systems = var('flexlake_source_systems', []) -%}
{%- set used = [] -%}
{%- for relation in adapters -%}
    {%- if relation.identifier.split('__')[0] in systems -%}
        {%- do used.append(relation) -%}
    {%- endif -%}
{%- endfor -%}
with periods as (
{%- for relation in used %}

    select * from {{ relation }}
    where is_test = 0
        and is_deleted = 0
    {% if not loop.last %}union all{% endif %}
{%- else %}

    select
        cast(null as {{ flexlake_type_string() }}) as subscription_period_id,
        cast(null as {{ flexlake_type_string() }}) as subscription_id,
        cast(null as {{ flexlake_type_string() }}) as subscription_item_id,
        cast(null as {{ flexlake_type_string() }}) as customer_id,
        cast(null as {{ flexlake_type_string() }}) as invoice_id,
        cast(null as {{ flexlake_type_string() }}) as product_id,
        cast(null as {{ flexlake_type_string() }}) as variant_id,
        cast(null as {{ flexlake_type_timestamp() }}) as period_start,
        cast(null as {{ flexlake_type_timestamp() }}) as period_end,
        cast(null as integer) as quantity,
        {{ flexlake_money('null') }} as unit_amount,
        cast(null as {{ flexlake_type_string() }}) as billing_interval,
        cast(null as integer) as billing_interval_count,
        cast(null as {{ flexlake_type_string() }}) as currency_code,
        cast(null as integer) as is_test,
        cast(null as integer) as is_deleted,
        cast(null as {{ flexlake_type_timestamp() }}) as loaded_at,
        cast(null as {{ flexlake_type_string() }}) as source_system,
        cast(null as {{ flexlake_type_string() }}) as source_relation
    where 1 = 0
{%- endfor %}

)

select
    {{ flexlake_surrogate_key(['source_relation', 'subscription_period_id']) }} as subscription_period_key,
    subscription_period_id,
    {{ flexlake_surrogate_key(['source_relation', 'subscription_id']) }} as subscription_key,
    subscription_id,
    subscription_item_id,
    {{ flexlake_surrogate_key(['source_relation', 'customer_id']) }} as customer_key,
    customer_id,
    invoice_id,
    product_id,
    variant_id,
    period_start,
    period_end,
    quantity,
    unit_amount,
    billing_interval,
    billing_interval_count,
    {{ flexlake_monthly_amount('unit_amount * quantity', 'billing_interval', 'billing_interval_count') }}
        as mrr_amount,
    currency_code,
    loaded_at,
    source_system,
    source_relation
from periods
