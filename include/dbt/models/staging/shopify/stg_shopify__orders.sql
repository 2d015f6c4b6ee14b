{#-
    Shopify orders: the latest version of each record per raw schema (cursor updated_at; a deletion record's
    cursor is its deleted_at). A deleted order keeps its last full version with is_deleted = 1 and the
    deletion's loaded_at, so incremental facts built from it are removed; an order known only by its deletion
    record is left out (macro flexlake_airbyte_latest). The nested arrays stay JSON here (line_items,
    shipping_lines) and are exploded by stg_shopify__order_lines and the adapters.
-#}
{{ config(
    unique_key=['source_relation', 'order_id'],
    post_hook="{{ flexlake_delete_vanished_locations('shopify', 'orders') }}",
) }}
{%- set columns = [
    ('id', 'integer'),
    ('name', 'string'),
    ('order_number', 'integer'),
    ('email', 'string'),
    ('currency', 'string'),
    ('financial_status', 'string'),
    ('fulfillment_status', 'string'),
    ('cancelled_at', 'timestamp'),
    ('cancel_reason', 'string'),
    ('test', 'boolean'),
    ('source_name', 'string'),
    ('taxes_included', 'boolean'),
    ('total_line_items_price', 'number'),
    ('total_discounts', 'number'),
    ('subtotal_price', 'number'),
    ('total_tax', 'number'),
    ('total_price', 'number'),
    ('line_items', 'json'),
    ('shipping_lines', 'json'),
    ('customer', 'json'),
    ('created_at', 'timestamp'),
    ('updated_at', 'timestamp'),
    ('closed_at', 'timestamp'),
    ('deleted_at', 'timestamp'),
] -%}
-- depends_on: {{ source('shopify', 'orders') }}
with {{ flexlake_airbyte_latest_ctes('shopify', 'orders', columns, deleted_at='deleted_at') }}

select
    cast(id as bigint) as order_id,
    name as order_name,
    cast(order_number as bigint) as order_number,
    cast({{ flexlake_json_extract_string('customer', 'id') }} as bigint) as customer_id,
    email,
    upper(currency) as currency_code,
    financial_status,
    fulfillment_status,
    cancelled_at,
    cancel_reason,
    case when cast(test as integer) = 1 then 1 else 0 end as is_test,
    source_name,
    case when cast(taxes_included as integer) = 1 then 1 else 0 end as is_taxes_included,
    {{ flexlake_money('total_line_items_price') }} as total_line_items_price,
    {{ flexlake_money('total_discounts') }} as total_discounts,
    {{ flexlake_money('subtotal_price') }} as subtotal_price,
    {{ flexlake_money('total_tax') }} as total_tax,
    {{ flexlake_money('total_price') }} as total_price,
    line_items,
    shipping_lines,
    created_at,
    updated_at,
    closed_at,
    latest_deleted_at as deleted_at,
    is_deleted,
    loaded_at,
    source_system,
    source_relation
from latest
