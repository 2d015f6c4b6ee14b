{#-
    Shopify orders: the latest version of each record per raw schema (cursor updated_at; a deletion record's
    cursor is its deleted_at). A deleted order keeps its last full version with is_deleted = 1 and the
    deletion's loaded_at, so incremental facts built from it are removed; an order known only by its deletion
    record is left out. The nested arrays stay JSON here (line_items, shipping_lines) and are exploded by
    stg_shopify__order_lines and the adapters.
-#}
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
with raw_orders as (

    {{ flexlake_raw_stream('shopify', 'orders', columns) | indent(4) }}

),

ranked as (

    select
        raw_orders.*,
        {{ flexlake_airbyte_version_rank('id', 'coalesce(updated_at, deleted_at)') }} as version_rank,
        {{ flexlake_airbyte_version_rank('id', 'case when deleted_at is null then updated_at end') }}
            as content_rank
    from raw_orders

),

latest_state as (

    select * from ranked where version_rank = 1

),

latest_content as (

    select * from ranked where content_rank = 1 and deleted_at is null

)

select
    cast(latest_content.id as bigint) as order_id,
    latest_content.name as order_name,
    cast(latest_content.order_number as bigint) as order_number,
    cast({{ flexlake_json_extract_string('latest_content.customer', 'id') }} as bigint) as customer_id,
    latest_content.email,
    upper(latest_content.currency) as currency_code,
    latest_content.financial_status,
    latest_content.fulfillment_status,
    latest_content.cancelled_at,
    latest_content.cancel_reason,
    case when cast(latest_content.test as integer) = 1 then 1 else 0 end as is_test,
    latest_content.source_name,
    case when cast(latest_content.taxes_included as integer) = 1 then 1 else 0 end as is_taxes_included,
    {{ flexlake_money('latest_content.total_line_items_price') }} as total_line_items_price,
    {{ flexlake_money('latest_content.total_discounts') }} as total_discounts,
    {{ flexlake_money('latest_content.subtotal_price') }} as subtotal_price,
    {{ flexlake_money('latest_content.total_tax') }} as total_tax,
    {{ flexlake_money('latest_content.total_price') }} as total_price,
    latest_content.line_items,
    latest_content.shipping_lines,
    latest_content.created_at,
    latest_content.updated_at,
    latest_content.closed_at,
    latest_state.deleted_at,
    case when latest_state.deleted_at is null then 0 else 1 end as is_deleted,
    latest_state._airbyte_extracted_at as loaded_at,
    latest_content.source_system,
    latest_content.source_relation
from latest_content
inner join latest_state
    on latest_content.source_relation = latest_state.source_relation
    and latest_content.id = latest_state.id
