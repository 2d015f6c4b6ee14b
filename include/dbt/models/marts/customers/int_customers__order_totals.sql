{#-
    Per customer with a counted order: the lifetime order and refund figures mart_customer_lifetime and
    mart_customer_rfm are made of, unrounded (each order at its currency's rate on its order date, from
    int_orders__counted_in_reporting_currency; each refund at
    its refund date's; money summed exactly, rounded once by the marts). Both marts are thin over it: their
    as-of date, quintiles and active flags depend on every customer and are rebuilt each run from these rows
    (100 k customers, not the 1 M orders).

    Incremental (delete+insert on customer_key): a run recomputes only the customers whose counted orders,
    refunds or FX rates changed since the last build, before and after the change (macros/mart_ledger.sql: an
    order moved to another customer recomputes both); a customer left without counted orders gets a marker row
    (orders null) that the post-hook deletes. A full refresh builds every customer.
-#}
{{ config(
    materialized='incremental',
    schema='core',
    unique_key='customer_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_marker_rows('orders') }}",
) }}
-- depends_on: {{ ref('int_customers__contribution_changes') }}
{#- fct_orders: read only by the incremental branch (flexlake_customer_every_key), so named here for dbt. #}
-- depends_on: {{ ref('fct_orders') }}
{%- set incremental = flexlake_is_incremental_run() %}
with
{%- if incremental %}

affected_customers as (

    {{ flexlake_affected_keys(ref('int_customers__contribution_changes'), 'int_customers__contributions',
        'customer_key', flexlake_customer_every_key()) | indent(4) }}

),
{%- endif %}

orders as (

    select
        order_key,
        customer_key,
        source_relation,
        customer_id,
        ordered_at,
        order_date,
        fx_rate,
        amount_in_reporting_currency
    from {{ ref('int_orders__counted_in_reporting_currency') }}
    where customer_key is not null
    {%- if incremental %}
        and customer_key in (select grain_key from affected_customers)
    {%- endif %}

),

customer_orders as (

    select
        customer_key,
        source_relation,
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        max(order_date) as last_order_date,
        count(*) as orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_orders,
        sum(amount_in_reporting_currency) as gross_revenue
    from orders
    group by customer_key, source_relation, customer_id

),

customer_refunds as (

    select
        orders.customer_key,
        count(distinct fct_refunds.order_key) as returned_orders,
        sum({{ flexlake_fx_multiply('fct_refunds.amount', 'fx.rate') }}) as refunds
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join orders
        on fct_refunds.order_key = orders.order_key
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_refunds.currency_code', 'fct_refunds.refund_date') }}
    group by orders.customer_key

),

totals as (

    select
        customer_orders.customer_key,
        customer_orders.source_relation,
        customer_orders.customer_id,
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        customer_orders.last_order_date,
        customer_orders.orders,
        customer_orders.unconverted_orders,
        customer_orders.gross_revenue,
        coalesce(customer_refunds.returned_orders, 0) as returned_orders,
        customer_refunds.refunds
    from customer_orders
    left join customer_refunds
        on customer_orders.customer_key = customer_refunds.customer_key

)

select
    customer_key,
    source_relation,
    customer_id,
    first_order_at,
    last_order_at,
    last_order_date,
    orders,
    unconverted_orders,
    gross_revenue,
    returned_orders,
    refunds
from totals
{%- if incremental %}

union all

{{ flexlake_marker_rows('affected_customers', 'totals', 'customer_key', 10, 'grain_key') }}
{%- endif %}
