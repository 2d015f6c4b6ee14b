{#-
    Lifetime figures per customer, including customers who never ordered (zero orders, null dates).
    Orders count when their status is in var counted_order_statuses; refunds are those of counted orders.
    var revenue_basis picks what lifetime_revenue reports: net (default) or gross.
    A customer is active when their last counted order is at most var active_customer_window_days days
    before the as-of date: var as_of_date, or else the latest order date in the data.
    Money is in the reporting currency (var reporting_currency): each order converted at its currency's rate
    on its order date, each refund at the rate on its refund date (dim_fx_rates), summed exactly and rounded
    once. Orders without a rate are counted in `orders` and unconverted_orders, never added to the money.
    Built from int_customers__order_totals (incremental by changed customer), rebuilt each run: the as-of date,
    and with it days_since_last_order and is_active, can change for every customer.
-#}
{%- set as_of_date = flexlake_as_of_date() -%}
with customers as (

    select * from {{ ref('dim_customers') }}

),

{# Per customer with a counted order, its order and refund sums (unrounded), recomputed incrementally. -#}
customer_totals as (

    select * from {{ ref('int_customers__order_totals') }}

),

as_of as (

    {%- if as_of_date %}
    select cast('{{ as_of_date }}' as date) as as_of_date
    {%- else %}
    select max(order_date) as as_of_date from {{ ref('fct_orders') }}
    {%- endif %}

),

lifetime as (

    select
        customers.customer_key,
        customers.customer_id,
        customers.signed_up_at,
        customer_totals.first_order_at,
        customer_totals.last_order_at,
        customer_totals.last_order_date,
        coalesce(customer_totals.orders, 0) as orders,
        coalesce(customer_totals.unconverted_orders, 0) as unconverted_orders,
        coalesce(customer_totals.returned_orders, 0) as returned_orders,
        {{ flexlake_money('coalesce(customer_totals.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(customer_totals.refunds, 0)') }} as refunds,
        {#- from the rounded figures, so net = gross - refunds to the cent -#}
        {{ flexlake_money(
            flexlake_money('coalesce(customer_totals.gross_revenue, 0)') ~ ' - '
            ~ flexlake_money('coalesce(customer_totals.refunds, 0)')) }} as net_revenue,
        as_of.as_of_date,
        customers.source_system,
        customers.source_relation
    {{ flexlake_pass_through_projection('customers', 'customers') | indent(4) }}
    from customers
    cross join as_of
    left join customer_totals
        on customers.customer_key = customer_totals.customer_key

)

select
    customer_key,
    customer_id,
    signed_up_at,
    first_order_at,
    last_order_at,
    orders,
    returned_orders,
    gross_revenue,
    refunds,
    net_revenue,
    {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }} as lifetime_revenue,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    '{{ flexlake_reporting_currency() }}' as reporting_currency,
    case
        when orders = unconverted_orders then null
        else {{ flexlake_money_per('gross_revenue', '(orders - unconverted_orders)') }}
    end as average_order_value,
    cast(unconverted_orders as integer) as unconverted_orders,
    as_of_date,
    case
        when last_order_date is null or as_of_date is null then null
        else {{ flexlake_datediff_days('last_order_date', 'as_of_date') }}
    end as days_since_last_order,
    case
        when last_order_date is not null
            and last_order_date <= as_of_date
            and last_order_date
            > {{ flexlake_dateadd('day', flexlake_active_customer_window_days() * -1, 'as_of_date') }}
            then 1
        else 0
    end as is_active,
    source_system,
    source_relation
{{ flexlake_pass_through_projection('customers', 'lifetime') }}
from lifetime
