{#-
    Shopify refunds: the latest version of each record per raw schema (cursor created_at; never updated).
    The refund's transactions stay JSON here and are exploded by stg_shopify__refund_transactions.
-#}
{{ config(
    unique_key=['source_relation', 'refund_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'order_refunds') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('order_id', 'integer'),
    ('note', 'string'),
    ('restock', 'boolean'),
    ('user_id', 'integer'),
    ('transactions', 'json'),
    ('created_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'order_refunds') }}
with {{ flexlake_airbyte_latest_ctes('shopify', 'order_refunds', columns, cursor='created_at') }}

select
    cast(id as bigint) as refund_id,
    cast(order_id as bigint) as order_id,
    note,
    case when cast(restock as integer) = 1 then 1 else 0 end as is_restocked,
    cast(user_id as bigint) as user_id,
    transactions,
    created_at,
    _airbyte_extracted_at as loaded_at,
    source_system,
    source_relation
from latest
