{#-
    Shopify payment transactions: the latest version of each record per raw schema (cursor created_at; never
    updated).
-#}
{{ config(
    unique_key=['source_relation', 'transaction_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'transactions') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('order_id', 'integer'),
    ('parent_id', 'integer'),
    ('kind', 'string'),
    ('status', 'string'),
    ('amount', 'number'),
    ('currency', 'string'),
    ('gateway', 'string'),
    ('test', 'boolean'),
    ('error_code', 'string'),
    ('created_at', 'timestamp'),
    ('processed_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'transactions') }}
with {{ flexlake_airbyte_latest_ctes('shopify', 'transactions', columns, cursor='created_at') }}

select
    cast(id as bigint) as transaction_id,
    cast(order_id as bigint) as order_id,
    cast(parent_id as bigint) as parent_transaction_id,
    lower(kind) as transaction_kind,
    lower(status) as transaction_status,
    {{ flexlake_money('amount') }} as amount,
    upper(currency) as currency_code,
    gateway,
    case when cast(test as integer) = 1 then 1 else 0 end as is_test,
    error_code,
    created_at,
    processed_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
