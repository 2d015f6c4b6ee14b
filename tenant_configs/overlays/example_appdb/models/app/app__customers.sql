{#- app adapter (the application database), customers: app_users -> input__customers' columns, in the contract's order and types. -#}
select
    cast(id as {{ dbt.type_string() }}) as customer_id,
    cast(email as {{ dbt.type_string() }}) as email,
    cast(first_name as {{ dbt.type_string() }}) as first_name,
    cast(last_name as {{ dbt.type_string() }}) as last_name,
    cast(null as {{ dbt.type_string() }}) as phone,
    cast(city as {{ dbt.type_string() }}) as city,
    cast(null as {{ dbt.type_string() }}) as region,
    cast(null as {{ dbt.type_string() }}) as postal_code,
    cast(upper(country) as {{ dbt.type_string() }}) as country_code,
    cast(signed_up_at as {{ dbt.type_timestamp() }}) as created_at,
    cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
    cast(0 as integer) as is_deleted,
    cast(updated_at as {{ dbt.type_timestamp() }}) as loaded_at,
    cast('app' as {{ dbt.type_string() }}) as source_system,
    cast('{{ source("app", "app_users").schema }}' as {{ dbt.type_string() }}) as source_relation
from {{ source('app', 'app_users') }}
