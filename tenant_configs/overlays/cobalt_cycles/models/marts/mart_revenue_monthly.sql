{#-
    Added by Cobalt Cycles' overlay: revenue per calendar month, rolled up from mart_revenue_daily, which in this
    overlay is Cobalt's own replacement (a ref resolves to the enabled model of that name).
-#}
with daily as (

    select * from {{ ref('mart_revenue_daily') }}

),

calendar as (

    select date_day, month_start_date from {{ ref('dim_calendar') }}

)

select
    calendar.month_start_date,
    sum(daily.orders) as orders,
    sum(daily.returned_orders) as returned_orders,
    {{ flexlake.flexlake_money('sum(daily.gross_revenue)') }} as gross_revenue,
    {{ flexlake.flexlake_money('sum(daily.refunds)') }} as refunds,
    {{ flexlake.flexlake_money('sum(daily.net_revenue)') }} as net_revenue
from daily
inner join calendar
    on daily.revenue_date = calendar.date_day
group by calendar.month_start_date
