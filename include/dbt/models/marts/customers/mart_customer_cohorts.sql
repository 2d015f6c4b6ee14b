{#-
    Monthly cohort retention. A customer's cohort is the calendar month of their first counted order (status
    in var counted_order_statuses; guest checkouts have no customer and are left out). For every cohort, one
    row per month from the cohort month (months_since_first = 0) through the latest month with a counted
    order of any customer, with the distinct customers of the cohort who placed a counted order in that
    month (0 when none). Months come from dim_calendar (month_start_date), so orders must fall within
    vars calendar_start_date .. calendar_end_date.
    retention_rate = customers_active / cohort_size rounded half up to 4 places, computed as
    floor((20000 * active + size) / (2 * size)) / 10000: exact on every warehouse (DuckDB divides in
    double precision, and the floor of that quotient is still exact for these magnitudes).
-#}
with orders as (

    select * from {{ ref('fct_orders') }}
    where order_status in {{ flexlake_counted_order_statuses() }}
        and customer_key is not null

),

calendar as (

    select
        date_day,
        month_start_date,
        calendar_year * 12 + calendar_month - 1 as month_number
    from {{ ref('dim_calendar') }}

),

customer_months as (

    select distinct
        orders.customer_key,
        calendar.month_start_date as activity_month,
        calendar.month_number
    from orders
    inner join calendar
        on orders.order_date = calendar.date_day

),

first_months as (

    select
        customer_key,
        min(month_number) as cohort_month_number
    from customer_months
    group by customer_key

),

cohorts as (

    select
        cohort_month_number,
        count(*) as cohort_size
    from first_months
    group by cohort_month_number

),

months as (

    select
        month_start_date,
        month_number
    from calendar
    where date_day = month_start_date

),

last_month as (

    select max(month_number) as last_month_number
    from customer_months

),

activity as (

    select
        first_months.cohort_month_number,
        customer_months.month_number,
        count(distinct customer_months.customer_key) as customers_active
    from customer_months
    inner join first_months
        on customer_months.customer_key = first_months.customer_key
    group by first_months.cohort_month_number, customer_months.month_number

),

cohort_grid as (

    select
        cohort_months.month_start_date as cohort_month,
        cohorts.cohort_month_number,
        activity_months.month_number,
        activity_months.month_number - cohorts.cohort_month_number as months_since_first,
        cohorts.cohort_size
    from cohorts
    inner join months as cohort_months
        on cohorts.cohort_month_number = cohort_months.month_number
    cross join last_month
    inner join months as activity_months
        on cohorts.cohort_month_number <= activity_months.month_number
        and last_month.last_month_number >= activity_months.month_number

),

retention as (

    select
        cohort_grid.cohort_month,
        cohort_grid.months_since_first,
        cohort_grid.cohort_size,
        coalesce(activity.customers_active, 0) as customers_active
    from cohort_grid
    left join activity
        on cohort_grid.cohort_month_number = activity.cohort_month_number
        and cohort_grid.month_number = activity.month_number

)

select
    cohort_month,
    cast(months_since_first as integer) as months_since_first,
    cast(cohort_size as integer) as cohort_size,
    cast(customers_active as integer) as customers_active,
    cast(
        floor(cast(20000 * customers_active + cohort_size as numeric(18, 4)) / (2 * cohort_size)) / 10000
        as numeric(18, 4)
    ) as retention_rate
from retention
