{#-
    app adapter (the application database, synced by Airbyte with CDC), customers: the latest version of each
    app_users row -> input__customers' columns, in the contract's order and types. A deleted user keeps its last
    full version with is_deleted = 1; loaded_at is when Airbyte extracted the latest change.
-#}
with users as (

    {{ flexlake.flexlake_airbyte_latest(source('app', 'app_users'), 'id', cursor='updated_at') | indent(4) }}

)

select
    cast(id as {{ flexlake.flexlake_type_string() }}) as customer_id,
    cast(email as {{ flexlake.flexlake_type_string() }}) as email,
    cast(first_name as {{ flexlake.flexlake_type_string() }}) as first_name,
    cast(last_name as {{ flexlake.flexlake_type_string() }}) as last_name,
    cast(null as {{ flexlake.flexlake_type_string() }}) as phone,
    cast(city as {{ flexlake.flexlake_type_string() }}) as city,
    cast(null as {{ flexlake.flexlake_type_string() }}) as region,
    cast(null as {{ flexlake.flexlake_type_string() }}) as postal_code,
    cast(upper(country) as {{ flexlake.flexlake_type_string() }}) as country_code,
    cast(signed_up_at as {{ flexlake.flexlake_type_timestamp() }}) as created_at,
    cast(updated_at as {{ flexlake.flexlake_type_timestamp() }}) as updated_at,
    cast(is_deleted as integer) as is_deleted,
    cast(loaded_at as {{ flexlake.flexlake_type_timestamp() }}) as loaded_at,
    cast('app' as {{ flexlake.flexlake_type_string() }}) as source_system,
    cast('{{ source("app", "app_users").schema }}' as {{ flexlake.flexlake_type_string() }}) as source_relation
from users
