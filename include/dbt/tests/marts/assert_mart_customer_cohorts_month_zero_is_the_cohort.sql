-- Cohort retention is consistent with fct_orders: at months_since_first 0 every cohort customer is active
-- (customers_active = cohort_size), no month has more active customers than the cohort, the cohort sizes
-- add up to the customers with a counted order, and each cohort has exactly one row per month from its own
-- through the latest one (no gaps, no duplicates).
with counted_orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
        and customer_key is not null

),

customer_facts as (

    select count(distinct customer_key) as fact_customers
    from counted_orders

),

cohorts as (

    select
        cohort_month,
        max(cohort_size) as cohort_size,
        count(*) as months,
        max(months_since_first) as last_month_since_first,
        sum(case when months_since_first = 0 and customers_active <> cohort_size then 1 else 0 end)
            as month_zero_mismatches,
        sum(case when customers_active > cohort_size or customers_active < 0 then 1 else 0 end) as overflows
    from {{ ref('mart_customer_cohorts') }}
    group by cohort_month

),

mart as (

    select
        coalesce(sum(cohort_size), 0) as mart_customers,
        coalesce(sum(month_zero_mismatches), 0) as month_zero_mismatches,
        coalesce(sum(overflows), 0) as overflows,
        coalesce(sum(case when months <> last_month_since_first + 1 then 1 else 0 end), 0) as gapped_cohorts
    from cohorts

)

select
    customer_facts.fact_customers,
    mart.mart_customers,
    mart.month_zero_mismatches,
    mart.overflows,
    mart.gapped_cohorts
from customer_facts
cross join mart
where customer_facts.fact_customers <> mart.mart_customers
    or mart.month_zero_mismatches <> 0
    or mart.overflows <> 0
    or mart.gapped_cohorts <> 0
