{#-
    RFM (recency, frequency, monetary) scores and segment per customer with at least one counted order.
    Orders count when their status is in var counted_order_statuses; guest checkouts (no customer) are left
    out. recency_days = days from the last counted order to the as-of date (var as_of_date, else the latest
    order date in fct_orders, as in mart_customer_lifetime); frequency = counted orders; monetary = their
    net (gross minus refunds of those orders) or gross revenue, per var revenue_basis, in the reporting currency
    (var reporting_currency): each order at its currency's rate on its order date, each refund on its refund
    date (dim_fx_rates), summed exactly, rounded once; orders without a rate count in frequency and
    unconverted_orders but add nothing to monetary. Built from int_customers__order_totals (incremental by
    changed customer), rebuilt each run: quintiles and the as-of date depend on every customer.
    Scores are quintiles 1-5 by ntile(5), 5 the best, with deterministic ties: rows are ordered by the value
    (recency_days descending, so the most recent customers score 5; frequency and monetary ascending),
    then by customer_key, so equal values may fall into neighbouring quintiles, always the same way.
    Segments, the first rule that matches (r = recency_score, f = frequency_score):
      new          r >= 4 and frequency = 1 (one recent order)
      champions    r >= 4 and f >= 4
      loyal        r >= 3 and f >= 3
      at_risk      r <= 2 and f >= 3
      hibernating  r <= 2 and f <= 2
      promising    everything else (r >= 3 and f <= 2, not new)
-#}
{%- set as_of_date = flexlake_as_of_date() -%}
with customer_totals as (

    {#- Per customer with a counted order, its order and refund sums (unrounded), recomputed incrementally. -#}
    select * from {{ ref('int_customers__order_totals') }}

),

as_of as (

    {%- if as_of_date %}
    select cast('{{ as_of_date }}' as date) as as_of_date
    {%- else %}
    select max(order_date) as as_of_date from {{ ref('fct_orders') }}
    {%- endif %}

),

measures as (

    select
        customer_totals.customer_key,
        customer_totals.source_relation,
        customer_totals.customer_id,
        customer_totals.last_order_date,
        as_of.as_of_date,
        {{ flexlake_datediff_days('customer_totals.last_order_date', 'as_of.as_of_date') }} as recency_days,
        customer_totals.orders as frequency,
        customer_totals.unconverted_orders,
        {{ flexlake_money('coalesce(customer_totals.gross_revenue, 0)') }} as gross_revenue,
        {{ flexlake_money(
            flexlake_money('coalesce(customer_totals.gross_revenue, 0)') ~ ' - '
            ~ flexlake_money('coalesce(customer_totals.refunds, 0)')) }} as net_revenue
    from customer_totals
    cross join as_of

),

scored as (

    select
        customer_key,
        source_relation,
        customer_id,
        last_order_date,
        as_of_date,
        recency_days,
        frequency,
        unconverted_orders,
        {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }} as monetary,
        ntile(5) over (order by recency_days desc, customer_key asc) as recency_score,
        ntile(5) over (order by frequency, customer_key) as frequency_score,
        ntile(5) over (order by {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }}, customer_key)
            as monetary_score
    from measures

)

select
    customer_key,
    source_relation,
    customer_id,
    last_order_date,
    as_of_date,
    recency_days,
    frequency,
    monetary,
    '{{ flexlake_revenue_basis() }}' as revenue_basis,
    '{{ flexlake_reporting_currency() }}' as reporting_currency,
    cast(unconverted_orders as integer) as unconverted_orders,
    recency_score,
    frequency_score,
    monetary_score,
    case
        when recency_score >= 4 and frequency = 1 then 'new'
        when recency_score >= 4 and frequency_score >= 4 then 'champions'
        when recency_score >= 3 and frequency_score >= 3 then 'loyal'
        when recency_score <= 2 and frequency_score >= 3 then 'at_risk'
        when recency_score <= 2 then 'hibernating'
        else 'promising'
    end as segment
from scored
