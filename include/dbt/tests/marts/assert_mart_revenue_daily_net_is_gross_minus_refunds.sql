-- Every day's net revenue is its gross revenue minus its refunds, and revenue follows revenue_basis.
select
    revenue_date,
    gross_revenue,
    refunds,
    net_revenue,
    revenue
from {{ ref('mart_revenue_daily') }}
where net_revenue <> gross_revenue - refunds
    or revenue <> {{ flexlake_revenue_column('gross_revenue', 'net_revenue') }}
