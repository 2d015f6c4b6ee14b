{#-
    faker adapter for the contract's customers: users; the given name is faker's `name`, there is no last name.
-#}
with faker_users as (

    select * from {{ ref('stg_faker__users') }}

)

select
    cast(user_id as {{ flexlake_type_string() }}) as customer_id,
    cast(email as {{ flexlake_type_string() }}) as email,
    cast(first_name as {{ flexlake_type_string() }}) as first_name,
    cast(null as {{ flexlake_type_string() }}) as last_name,
    cast(telephone as {{ flexlake_type_string() }}) as phone,
    cast(address_city as {{ flexlake_type_string() }}) as city,
    cast(address_state as {{ flexlake_type_string() }}) as region,
    cast(address_postal_code as {{ flexlake_type_string() }}) as postal_code,
    cast(upper(address_country_code) as {{ flexlake_type_string() }}) as country_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from faker_users
