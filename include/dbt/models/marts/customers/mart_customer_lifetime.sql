{#-
    Lifetime figures per customer, including customers who never ordered (zero orders, null dates).
    Orders count when their status is in var counted_order_statuses; refunds are those of counted orders.
    var revenue_basis picks what lifetime_revenue reports: net (default) or gross.
    A customer is active when their last counted order is at most var active_customer_window_days days
    before the as-of date: var as_of_date, or else the latest order date in the data.
    Money is in the reporting currency (var reporting_currency): each order converted at its currency's rate
    on its order date, each refund at the rate on its refund date (dim_fx_rates), summed exactly and rounded
    once. Orders without a rate are counted in `orders` and unconverted_orders, never added to the money.
-#}
{%- set as_of_date = flexlake_as_of_date() -%}
with customers as (

    select * from {{ ref('dim_customers') }}

),

orders as (

    select
        fct_orders.order_key,
        fct_orders.customer_key,
        fct_orders.ordered_at,
        fct_orders.order_date,
        fct_orders.amount,
        fx.rate as fx_rate
    from {{ ref('fct_orders') }} as fct_orders
    left join {{ ref('dim_fx_rates') }} as fx
        on {{ flexlake_fx_rate_applies('fx', 'fct_orders.currency_code', 'fct_orders.order_date') }}
    where fct_orders.order_status in {{ flexlake_counted_order_statuses() }}

),

customer_orders as (

    select
        customer_key,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        max(order_date) as last_order_date,
        count(*) as orders,
        sum(case when fx_rate is null then 1 else 0 end) as unconverted_orders,
        sum({{ flexlake_fx_multiply('amount', 'fx_rate') }}) as gross_revenue
    from orders
    group by customer_key

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
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        customer_orders.last_order_date,
        coalesce(customer_orders.orders, 0) as orders,
        coalesce(customer_orders.unconverted_orders, 0) as unconverted_orders,
        coalesce(customer_refunds.returned_orders, 0) as returned_orders,
        {{ flexlake_money('coalesce(customer_orders.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money('coalesce(customer_refunds.refunds, 0)') }} as refunds,
        {#- from the rounded figures, so net = gross - refunds to the cent -#}
        {{ flexlake_money(
            flexlake_money('coalesce(customer_orders.gross_revenue, 0)') ~ ' - '
            ~ flexlake_money('coalesce(customer_refunds.refunds, 0)')) }} as net_revenue,
        as_of.as_of_date,
        customers.source_system,
        customers.source_relation
        {{- flexlake_pass_through_projection('customers', 'customers') | indent(4) }}
    from customers
    cross join as_of
    left join customer_orders
        on customers.customer_key = customer_orders.customer_key
    left join customer_refunds
        on customers.customer_key = customer_refunds.customer_key

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
            and last_order_date > {{ flexlake_dateadd('day', flexlake_active_customer_window_days() * -1, 'as_of_date') }}
            then 1
        else 0
    end as is_active,
    source_system,
    source_relation
    {{- flexlake_pass_through_projection('customers', 'lifetime') }}
from lifetime
