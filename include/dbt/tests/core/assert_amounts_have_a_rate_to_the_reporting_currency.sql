{{ config(severity='warn') }}
-- Counted orders (on their order date) and their refunds (on their refund date) in a currency without a rate
-- into var reporting_currency on that day (dim_fx_rates): the marts leave them out of converted sums
-- (mart_revenue_daily.unconverted_orders / unconverted_refunds). Warns, does not fail, listing each currency
-- and the date range lacking a rate: no rate table at all (var fx_rates_relation null), a currency the table
-- does not cover, or days before the currency's first rate. The fix: add the rates to the tenant's table.
with counted_orders as (

    select
        order_key,
        order_date,
        currency_code
    from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}

),

amounts as (

    select
        counted_orders.currency_code,
        counted_orders.order_date as amount_date,
        1 as is_order
    from counted_orders

    union all

    select
        fct_refunds.currency_code,
        fct_refunds.refund_date as amount_date,
        0 as is_order
    from {{ ref('fct_refunds') }} as fct_refunds
    inner join counted_orders
        on fct_refunds.order_key = counted_orders.order_key

)

select
    amounts.currency_code,
    min(amounts.amount_date) as first_date_without_rate,
    max(amounts.amount_date) as last_date_without_rate,
    sum(amounts.is_order) as orders,
    sum(1 - amounts.is_order) as refunds
from amounts
left join {{ ref('dim_fx_rates') }} as fx
    on {{ flexlake_fx_rate_applies('fx', 'amounts.currency_code', 'amounts.amount_date') }}
where fx.currency_code is null
group by amounts.currency_code
