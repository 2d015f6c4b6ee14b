{#-
    What the customer marts' totals (int_customers__order_totals) read, one row per contribution
    (macros/mart_ledger.sql): each counted order of a known customer, each refund of such an order, each FX rate
    with its validity; grain_key is the customer. contribution_hash covers every value the totals read from the
    row, so a change of any of them (an amount, a currency, a date, the customer) recomputes the customers
    before and after; a change they do not read (completed to returned, both counted) does not.
-#}
{% macro flexlake_customer_contributions() -%}
select
    {{ flexlake_concat(["'order|'", 'order_key']) }} as contribution_key,
    cast('order' as {{ flexlake_type_string() }}) as contribution_kind,
    order_date as contribution_date,
    cast(null as date) as range_end,
    customer_key as grain_key,
    {{ flexlake_surrogate_key(['customer_key', 'ordered_at', 'currency_code', 'amount']) }} as contribution_hash
from {{ ref('fct_orders') }}
where order_status in {{ flexlake_counted_order_statuses() }}
    and customer_key is not null

union all

select
    {{ flexlake_concat(["'refund|'", 'refunds.refund_key']) }} as contribution_key,
    cast('refund' as {{ flexlake_type_string() }}) as contribution_kind,
    refunds.refund_date as contribution_date,
    cast(null as date) as range_end,
    counted_orders.customer_key as grain_key,
    {{ flexlake_surrogate_key(['counted_orders.customer_key', 'refunds.order_key', 'refunds.refund_date',
        'refunds.currency_code', 'refunds.amount']) }} as contribution_hash
from {{ ref('fct_refunds') }} as refunds
inner join (
    select order_key, customer_key from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
        and customer_key is not null
) as counted_orders
    on refunds.order_key = counted_orders.order_key

union all

{{ flexlake_fx_contributions() }}
{%- endmacro %}

{#- Every customer with a counted order: what the totals recompute when there is no ledger yet. -#}
{% macro flexlake_customer_every_key() -%}
select customer_key as grain_key from {{ ref('fct_orders') }}
where order_status in {{ flexlake_counted_order_statuses() }}
    and customer_key is not null
{%- endmacro %}
