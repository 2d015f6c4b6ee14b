{#-
    faker adapter for the contract's customers: users; the given name is faker's `name`, there is no last name.
-#}
with faker_users as (

    select * from {{ ref('stg_faker__users') }}

)

select
    cast(user_id as varchar) as customer_id,
    cast(email as varchar) as email,
    cast(first_name as varchar) as first_name,
    cast(null as varchar) as last_name,
    cast(telephone as varchar) as phone,
    cast(address_city as varchar) as city,
    cast(address_state as varchar) as region,
    cast(address_postal_code as varchar) as postal_code,
    cast(upper(address_country_code) as varchar) as country_code,
    cast(created_at as timestamp) as created_at,
    cast(updated_at as timestamp) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as timestamp) as loaded_at,
    cast(source_system as varchar) as source_system,
    cast(source_relation as varchar) as source_relation
from faker_users
