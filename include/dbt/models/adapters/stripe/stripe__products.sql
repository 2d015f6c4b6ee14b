{#-
    Stripe adapter for the contract's products: products. Prices live on the variants (Stripe prices), so
    list_price is null; a Stripe product has no currency of its own: currency_code is that of its prices
    (the first in code order if they differ), else var reporting_currency.
-#}
with stripe_products as (

    select * from {{ ref('stg_stripe__products') }}

),

price_currencies as (

    select
        source_relation,
        product_id,
        min(currency_code) as currency_code
    from {{ ref('stg_stripe__prices') }}
    group by source_relation, product_id

)

select
    cast(stripe_products.product_id as {{ flexlake_type_string() }}) as product_id,
    cast(stripe_products.product_name as {{ flexlake_type_string() }}) as product_name,
    cast(stripe_products.product_type as {{ flexlake_type_string() }}) as product_type,
    cast(null as {{ flexlake_type_string() }}) as vendor,
    {{ flexlake_money('null') }} as list_price,
    cast(
        coalesce(price_currencies.currency_code, '{{ flexlake_reporting_currency() }}') as {{ flexlake_type_string() }}
    ) as currency_code,
    cast(stripe_products.created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(stripe_products.updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(stripe_products.is_deleted as integer) as is_deleted,
    cast(stripe_products.loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(stripe_products.source_system as {{ flexlake_type_string() }}) as source_system,
    cast(stripe_products.source_relation as {{ flexlake_type_string() }}) as source_relation
from stripe_products
left join price_currencies
    on stripe_products.source_relation = price_currencies.source_relation
    and stripe_products.product_id = price_currencies.product_id
