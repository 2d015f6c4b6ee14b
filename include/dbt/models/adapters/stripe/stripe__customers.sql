{#-
    Stripe adapter for the contract's customers: customers. Stripe has one `name` (often a company): it is
    the first_name, last_name is null. A deleted customer keeps its row with is_deleted = 1.
-#}
with stripe_customers as (

    select * from {{ ref('stg_stripe__customers') }}

)

select
    cast(customer_id as varchar) as customer_id,
    cast(email as varchar) as email,
    cast(customer_name as varchar) as first_name,
    cast(null as varchar) as last_name,
    cast(phone as varchar) as phone,
    cast(address_city as varchar) as city,
    cast(address_state as varchar) as region,
    cast(address_postal_code as varchar) as postal_code,
    cast(address_country_code as varchar) as country_code,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from stripe_customers
