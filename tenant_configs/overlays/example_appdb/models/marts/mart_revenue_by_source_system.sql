{#-
    Added by the example overlay: counted orders and gross revenue per source system and currency, so the
    tenant sees what its application database (source_system 'app') contributes next to its synced shops.
-#}
select
    source_system,
    currency_code,
    count(*) as orders,
    {{ flexlake.flexlake_money('sum(amount)') }} as gross_revenue
from {{ ref('fct_orders') }}
where order_status in {{ flexlake.flexlake_counted_order_statuses() }}
group by source_system, currency_code
