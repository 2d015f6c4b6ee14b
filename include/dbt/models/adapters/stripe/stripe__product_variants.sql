{#-
    Stripe adapter for the contract's product variants: prices (one per product, currency and interval),
    named by their nickname; price = unit_amount in major units.
-#}
with stripe_prices as (

    select * from {{ ref('stg_stripe__prices') }}

)

select
    cast(price_id as {{ flexlake_type_string() }}) as variant_id,
    cast(product_id as {{ flexlake_type_string() }}) as product_id,
    cast(null as {{ flexlake_type_string() }}) as sku,
    cast(coalesce(nickname, price_id) as {{ flexlake_type_string() }}) as variant_name,
    {{ flexlake_money('unit_amount') }} as price,
    cast(currency_code as {{ flexlake_type_string() }}) as currency_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from stripe_prices
