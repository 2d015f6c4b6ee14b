"""Column layouts of the source-stripe streams the data product reads, as Airbyte's destinations type them.

Read from airbytehq/airbyte, airbyte-integrations/connectors/source-stripe: manifest.yaml (a manifest-only
connector now) and source_stripe/schemas/*.json (field names and types are Stripe API objects'). What the
connector adds or changes:

- Amounts are integers in minor units (JPY has none), currencies lower case (`usd`, `eur`, `jpy`).
- Timestamps are epoch seconds as integers (`created`, `period_start`, `canceled_at`, ...), never ISO text.
- `updated` (integer) is the cursor of every entity stream: the manifest's AddFields sets it to the
  object's `updated`, else its `created` (full refresh) or the event's `created` (incremental via events).
- `is_deleted: true` is added to objects read from a `*.deleted` event (customer.deleted, product.deleted,
  price.deleted, invoice.deleted for drafts, and customer.subscription.deleted, which is a cancellation).
- subscription_items carry `subscription_updated` (their parent's updated); invoice_line_items carry
  `invoice_id`. Nested objects (price, recurring, period, items, address, ...) are JSON columns.
"""

from tests.generators.raw_tables import Columns

_ENTITY: Columns = (("created", "integer"), ("updated", "integer"), ("livemode", "boolean"), ("metadata", "json"))

CUSTOMERS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("email", "string"),
    ("name", "string"),
    ("phone", "string"),
    ("currency", "string"),
    ("address", "json"),
    ("delinquent", "boolean"),
    *_ENTITY,
    ("is_deleted", "boolean"),
)
PRODUCTS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("name", "string"),
    ("description", "string"),
    ("active", "boolean"),
    ("type", "string"),
    *_ENTITY,
    ("is_deleted", "boolean"),
)
PRICES: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("product", "string"),
    ("nickname", "string"),
    ("currency", "string"),
    ("unit_amount", "integer"),
    ("unit_amount_decimal", "string"),
    ("type", "string"),
    ("recurring", "json"),
    ("billing_scheme", "string"),
    ("active", "boolean"),
    *_ENTITY,
    ("is_deleted", "boolean"),
)
SUBSCRIPTIONS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("customer", "string"),
    ("status", "string"),
    ("currency", "string"),
    ("items", "json"),
    ("plan", "json"),
    ("quantity", "integer"),
    ("start_date", "integer"),
    ("current_period_start", "integer"),
    ("current_period_end", "integer"),
    ("cancel_at_period_end", "boolean"),
    ("canceled_at", "integer"),
    ("ended_at", "integer"),
    ("latest_invoice", "string"),
    *_ENTITY,
    ("is_deleted", "boolean"),
)
SUBSCRIPTION_ITEMS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("subscription", "string"),
    ("price", "json"),
    ("plan", "json"),
    ("quantity", "integer"),
    ("created", "integer"),
    ("metadata", "json"),
    ("subscription_updated", "integer"),
)
INVOICES: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("number", "string"),
    ("customer", "string"),
    ("subscription", "string"),
    ("charge", "string"),
    ("status", "string"),
    ("billing_reason", "string"),
    ("currency", "string"),
    ("subtotal", "integer"),
    ("tax", "integer"),
    ("total", "integer"),
    ("amount_due", "integer"),
    ("amount_paid", "integer"),
    ("amount_remaining", "integer"),
    ("period_start", "integer"),
    ("period_end", "integer"),
    ("due_date", "integer"),
    ("status_transitions", "json"),
    *_ENTITY,
    ("is_deleted", "boolean"),
)
INVOICE_LINE_ITEMS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("invoice_id", "string"),
    ("type", "string"),
    ("subscription", "string"),
    ("subscription_item", "string"),
    ("price", "json"),
    ("quantity", "integer"),
    ("amount", "integer"),
    ("currency", "string"),
    ("description", "string"),
    ("period", "json"),
    ("proration", "boolean"),
    ("livemode", "boolean"),
)
CHARGES: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("customer", "string"),
    ("invoice", "string"),
    ("amount", "integer"),
    ("amount_captured", "integer"),
    ("amount_refunded", "integer"),
    ("currency", "string"),
    ("status", "string"),
    ("paid", "boolean"),
    ("captured", "boolean"),
    ("refunded", "boolean"),
    ("failure_code", "string"),
    ("description", "string"),
    ("payment_method_details", "json"),
    *_ENTITY,
)
REFUNDS: Columns = (
    ("id", "string"),
    ("object", "string"),
    ("charge", "string"),
    ("amount", "integer"),
    ("currency", "string"),
    ("status", "string"),
    ("reason", "string"),
    *_ENTITY,
)
