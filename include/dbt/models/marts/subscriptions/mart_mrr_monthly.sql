{#-
    Monthly recurring revenue and its movements, per month and currency (currencies are never added up).
    A customer's MRR is taken at each month's end (the first instant of the next month): the sum of
    mrr_amount of the fct_subscriptions periods with period_start <= month end < period_end. Months run
    from the first billed one to the last whose end is not after the latest load. Movements compare a
    customer's MRR with the previous month end: new (0 → >0, never had MRR before), reactivation (0 → >0,
    had MRR before), expansion / contraction (the increase / decrease while >0 at both ends), churn
    (>0 → 0: the previous MRR). Full precision until the monthly sums, then rounded to numeric(18,2).
-#}
with subscriptions as (

    select * from {{ ref('fct_subscriptions') }}

),

bounds as (

    select
        min(period_start) as first_period_start,
        max(loaded_at) as latest_loaded_at
    from subscriptions

),

month_starts as (

    select
        date_day as mrr_month,
        cast({{ flexlake_dateadd('month', 1, 'date_day') }} as {{ flexlake_type_timestamp() }}) as month_end
    from {{ ref('dim_calendar') }}
    where day_of_month = 1

),

months as (

    select
        month_starts.mrr_month,
        month_starts.month_end
    from month_starts
    cross join bounds
    where month_starts.month_end > bounds.first_period_start
        and month_starts.month_end <= bounds.latest_loaded_at

),

subscribers as (

    select distinct
        source_relation,
        customer_id,
        currency_code
    from subscriptions

),

customer_mrr as (

    select
        months.mrr_month,
        subscriptions.source_relation,
        subscriptions.customer_id,
        subscriptions.currency_code,
        sum(subscriptions.mrr_amount) as mrr
    from months
    inner join subscriptions
        on months.month_end >= subscriptions.period_start
        and months.month_end < subscriptions.period_end
    group by months.mrr_month, subscriptions.source_relation, subscriptions.customer_id, subscriptions.currency_code

),

customer_months as (

    select
        months.mrr_month,
        subscribers.source_relation,
        subscribers.customer_id,
        subscribers.currency_code,
        coalesce(customer_mrr.mrr, 0) as mrr
    from months
    cross join subscribers
    left join customer_mrr
        on months.mrr_month = customer_mrr.mrr_month
        and subscribers.source_relation = customer_mrr.source_relation
        and subscribers.customer_id = customer_mrr.customer_id
        and subscribers.currency_code = customer_mrr.currency_code

),

customer_changes as (

    select
        mrr_month,
        currency_code,
        mrr,
        coalesce(
            lag(mrr) over (partition by source_relation, customer_id, currency_code order by mrr_month), 0
        ) as previous_mrr,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by source_relation, customer_id, currency_code
                order by mrr_month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as had_mrr_before
    from customer_months

),

movements as (

    select
        mrr_month,
        currency_code,
        mrr,
        previous_mrr,
        case when mrr > 0 then 1 else 0 end as is_subscriber,
        case when previous_mrr = 0 and mrr > 0 and had_mrr_before = 0 then mrr else 0 end as new_mrr,
        case when previous_mrr = 0 and mrr > 0 and had_mrr_before = 1 then mrr else 0 end as reactivation_mrr,
        case when previous_mrr > 0 and mrr > previous_mrr then mrr - previous_mrr else 0 end as expansion_mrr,
        case when mrr > 0 and previous_mrr > mrr then previous_mrr - mrr else 0 end as contraction_mrr,
        case when previous_mrr > 0 and mrr = 0 then previous_mrr else 0 end as churned_mrr
    from customer_changes

)

select
    mrr_month,
    currency_code,
    sum(is_subscriber) as subscribers,
    {{ flexlake_money('sum(previous_mrr)') }} as starting_mrr,
    {{ flexlake_money('sum(new_mrr)') }} as new_mrr,
    {{ flexlake_money('sum(expansion_mrr)') }} as expansion_mrr,
    {{ flexlake_money('sum(contraction_mrr)') }} as contraction_mrr,
    {{ flexlake_money('sum(churned_mrr)') }} as churned_mrr,
    {{ flexlake_money('sum(reactivation_mrr)') }} as reactivation_mrr,
    {{ flexlake_money('sum(mrr)') }} as ending_mrr,
    {{ flexlake_money(
        'sum(new_mrr) + sum(expansion_mrr) + sum(reactivation_mrr) - sum(contraction_mrr) - sum(churned_mrr)'
    ) }} as net_new_mrr
from movements
group by mrr_month, currency_code
