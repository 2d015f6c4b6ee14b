{#-
    One row per customer (deleted ones kept, flagged). Incremental (delete+insert on customer_key): a run re-reads
    the input customers loaded within the window (macros/incremental.sql); their pass-through columns come from
    the same raw rows, so they change with them. Customers no longer in input__customers are deleted by the
    post-hook. The countries seed is read in full: a changed seed needs the tenant's full_refresh run.
-#}
{{ config(
    materialized='incremental',
    unique_key='customer_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    post_hook="{{ flexlake_delete_vanished_rows('customer_key', 'customer_id', ref('input__customers'), keep_deleted=true) }}",
) }}
-- depends_on: {{ ref('pass_through__customers') }}
with customers as (

    select * from {{ ref('input__customers') }}
    where {{ flexlake_incremental_window('loaded_at') }}

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
{{ flexlake_pass_through_projection('customers', 'pass_through') }}
from customers
left join countries
    on customers.country_code = countries.country_code
{{- flexlake_pass_through_join('customers', 'customers', 'customer_id') }}
