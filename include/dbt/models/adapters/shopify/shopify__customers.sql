{#- Shopify adapter for the contract's customers: customers with their default address. -#}
with shopify_customers as (

    select * from {{ ref('stg_shopify__customers') }}

)

select
    cast(customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(email as {{ flexlake_type_string() }}) as email,
    cast(first_name as {{ flexlake_type_string() }}) as first_name,
    cast(last_name as {{ flexlake_type_string() }}) as last_name,
    cast(phone as {{ flexlake_type_string() }}) as phone,
    cast(address_city as {{ flexlake_type_string() }}) as city,
    cast(address_province as {{ flexlake_type_string() }}) as region,
    cast(address_zip as {{ flexlake_type_string() }}) as postal_code,
    cast(address_country_code as {{ flexlake_type_string() }}) as country_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from shopify_customers
