with users as (

    select * from {{ ref('stg_faker__users') }}

)

select
    {{ flexlake_surrogate_key(['source_relation', 'user_id']) }} as customer_key,
    user_id as customer_id,
    first_name,
    title,
    email,
    telephone,
    gender,
    age,
    language,
    nationality,
    occupation,
    address_city,
    address_state,
    address_postal_code,
    address_country_code,
    created_at as signed_up_at,
    updated_at,
    loaded_at,
    source_system,
    source_relation
from users
