{#- Shopify adapter for the contract's customers: customers with their default address. -#}
with shopify_customers as (

    select * from {{ ref('stg_shopify__customers') }}

)

select
    cast(customer_id as varchar) as customer_id,
    cast(email as varchar) as email,
    cast(first_name as varchar) as first_name,
    cast(last_name as varchar) as last_name,
    cast(phone as varchar) as phone,
    cast(address_city as varchar) as city,
    cast(address_province as varchar) as region,
    cast(address_zip as varchar) as postal_code,
    cast(address_country_code as varchar) as country_code,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from shopify_customers
