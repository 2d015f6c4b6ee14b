-- Every order's lines add up to its subtotal, and every order has at least one line.
with line_totals as (

    select
        order_key,
        sum(line_amount) as lines_amount
    from {{ ref('fct_order_lines') }}
    group by order_key

)

select
    fct_orders.order_key,
    fct_orders.subtotal_amount,
    line_totals.lines_amount
from {{ ref('fct_orders') }} as fct_orders
left join line_totals
    on fct_orders.order_key = line_totals.order_key
where line_totals.lines_amount is null
    or line_totals.lines_amount <> fct_orders.subtotal_amount
