-- depends_on: {{ ref('pass_through__customers') }}
with customers as (

    select * from {{ ref('input__customers') }}

),

countries as (

    select * from {{ ref('countries') }}

)

select
    {{ flexlake_surrogate_key(['customers.source_relation', 'customers.customer_id']) }} as customer_key,
    customers.customer_id,
    customers.email,
    customers.first_name,
    customers.last_name,
    customers.phone,
    customers.city,
    customers.region,
    customers.postal_code,
    customers.country_code,
    countries.country_name,
    customers.created_at as signed_up_at,
    customers.updated_at,
    customers.is_deleted,
    customers.loaded_at,
    customers.source_system,
    customers.source_relation
    {{- flexlake_pass_through_projection('customers', 'pass_through') }}
from customers
left join countries
    on customers.country_code = countries.country_code
{{- flexlake_pass_through_join('customers', 'customers', 'customer_id') }}
