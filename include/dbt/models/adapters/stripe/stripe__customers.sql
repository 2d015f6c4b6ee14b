{#-
    Stripe adapter for the contract's customers: customers. Stripe has one `name` (often a company): it is
    the first_name, last_name is null. A deleted customer keeps its row with is_deleted = 1.
-#}
with stripe_customers as (

    select * from {{ ref('stg_stripe__customers') }}

)

select
    cast(customer_id as {{ flexlake_type_string() }}) as customer_id,
    cast(email as {{ flexlake_type_string() }}) as email,
    cast(customer_name as {{ flexlake_type_string() }}) as first_name,
    cast(null as {{ flexlake_type_string() }}) as last_name,
    cast(phone as {{ flexlake_type_string() }}) as phone,
    cast(address_city as {{ flexlake_type_string() }}) as city,
    cast(address_state as {{ flexlake_type_string() }}) as region,
    cast(address_postal_code as {{ flexlake_type_string() }}) as postal_code,
    cast(address_country_code as {{ flexlake_type_string() }}) as country_code,
    cast(created_at as {{ flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake_type_timestamp() }}) as loaded_at,
    cast(source_system as {{ flexlake_type_string() }}) as source_system,
    cast(source_relation as {{ flexlake_type_string() }}) as source_relation
from stripe_customers
