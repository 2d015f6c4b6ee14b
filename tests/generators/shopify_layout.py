"""Column layouts of the source-shopify streams the data product reads, as Airbyte's destinations type them.

Read from airbytehq/airbyte, airbyte-integrations/connectors/source-shopify/source_shopify/schemas/
(orders.json, customers.json, products.json, product_variants.json, transactions.json, order_refunds.json)
and streams/{streams,base_streams}.py. Only the fields a commerce data product needs plus a few realistic
extras; names and JSON-schema types are the connector's:

- `number` in the schema → a number column; the connector's DataTypeEnforcer turns Shopify's decimal strings
  into numbers for those fields (orders.total_price, line_items[].price, transactions.amount), while fields
  the schema types `string` stay strings even inside JSON (discount_allocations[].amount,
  order_refunds.transactions[].amount, order_adjustments[].amount).
- `string` + `format: date-time` → timestamp column; `string` without a format stays text
  (orders.processed_at, order_refunds.processed_at).
- objects and arrays → one JSON column each, nested exactly as the connector emits them.
- every record gets `shop_url` (the store name) from the connector.
- Deletions: orders and products are `IncrementalShopifyStreamWithDeletedEvents` / carry `deleted_at`:
  a deleted object is emitted as a separate record `{id, deleted_at, deleted_message, deleted_description,
  shop_url}` with every other column null (orders.json has no deleted_message/description columns, so
  only id, deleted_at and shop_url survive there). Customers have no deletion events.
- Cursors: orders, customers, products, product_variants `updated_at`; order_refunds and transactions
  `created_at` (they are never updated).
"""

from tests.generators.raw_tables import Columns

CUSTOMERS: Columns = (
    ("id", "integer"),
    ("email", "string"),
    ("first_name", "string"),
    ("last_name", "string"),
    ("phone", "string"),
    ("state", "string"),
    ("currency", "string"),
    ("orders_count", "integer"),
    ("total_spent", "number"),
    ("verified_email", "boolean"),
    ("accepts_marketing", "boolean"),
    ("tags", "string"),
    ("default_address", "json"),
    ("addresses", "json"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
PRODUCTS: Columns = (
    ("id", "integer"),
    ("title", "string"),
    ("handle", "string"),
    ("product_type", "string"),
    ("vendor", "string"),
    ("status", "string"),
    ("tags", "string"),
    ("options", "json"),
    ("variants", "json"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("published_at", "timestamp"),
    ("deleted_at", "timestamp"),
    ("deleted_message", "string"),
    ("deleted_description", "string"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
PRODUCT_VARIANTS: Columns = (
    ("id", "integer"),
    ("product_id", "integer"),
    ("title", "string"),
    ("sku", "string"),
    ("price", "number"),
    ("compare_at_price", "string"),
    ("position", "integer"),
    ("option1", "string"),
    ("taxable", "boolean"),
    ("inventory_quantity", "integer"),
    ("presentment_prices", "json"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
ORDERS: Columns = (
    ("id", "integer"),
    ("name", "string"),
    ("number", "integer"),
    ("order_number", "integer"),
    ("email", "string"),
    ("currency", "string"),
    ("presentment_currency", "string"),
    ("financial_status", "string"),
    ("fulfillment_status", "string"),
    ("cancelled_at", "timestamp"),
    ("cancel_reason", "string"),
    ("test", "boolean"),
    ("source_name", "string"),
    ("taxes_included", "boolean"),
    ("total_line_items_price", "number"),
    ("total_discounts", "number"),
    ("subtotal_price", "number"),
    ("total_tax", "number"),
    ("total_price", "number"),
    ("current_total_price", "number"),
    ("total_shipping_price_set", "json"),
    ("discount_codes", "json"),
    ("discount_applications", "json"),
    ("tax_lines", "json"),
    ("line_items", "json"),
    ("shipping_lines", "json"),
    ("refunds", "json"),
    ("customer", "json"),
    ("billing_address", "json"),
    ("shipping_address", "json"),
    ("payment_gateway_names", "json"),
    ("tags", "string"),
    ("processed_at", "string"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("closed_at", "timestamp"),
    ("deleted_at", "timestamp"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
TRANSACTIONS: Columns = (
    ("id", "integer"),
    ("order_id", "integer"),
    ("parent_id", "integer"),
    ("kind", "string"),
    ("status", "string"),
    ("amount", "number"),
    ("currency", "string"),
    ("gateway", "string"),
    ("test", "boolean"),
    ("error_code", "string"),
    ("payment_details", "json"),
    ("created_at", "timestamp"),
    ("processed_at", "timestamp"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
ORDER_REFUNDS: Columns = (
    ("id", "integer"),
    ("order_id", "integer"),
    ("note", "string"),
    ("restock", "boolean"),
    ("user_id", "integer"),
    ("refund_line_items", "json"),
    ("transactions", "json"),
    ("order_adjustments", "json"),
    ("processed_at", "string"),
    ("created_at", "timestamp"),
    ("admin_graphql_api_id", "string"),
    ("shop_url", "string"),
)
