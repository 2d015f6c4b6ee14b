{{ config(severity='warn') }}
-- No FX is modelled: the marts add amounts up as they are. This warns (it does not fail) when counted
-- orders are in another currency than var reporting_currency, listing each currency and its orders.
select
    currency_code,
    count(*) as orders
from {{ ref('fct_orders') }}
where order_status in {{ flexlake_counted_order_statuses() }}
    and currency_code <> '{{ flexlake_reporting_currency() }}'
group by currency_code
