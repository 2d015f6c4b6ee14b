"""Deterministic source-stripe raw data: `generate_stripe(seed, customers)` → a RawDataset.

Streams customers, products, prices, subscriptions, subscription_items, invoices, invoice_line_items,
charges and refunds with the connector's layouts (stripe_layout.py), over the same two syncs as the
Shopify generator. Subscriptions bill in cycles; plan changes take effect at a renewal (no prorations),
cancellations at period end, so each cycle's invoice line says what was active. Lifecycles planted on the
first subscribers, then drawn: steady, upgrade (expansion), downgrade (contraction), quantity up, churn,
churn + reactivation (a new subscription months later), annual and weekly prices. Also: one-off charges
without invoice (some refunded in full or in part, one failed, one in test mode), partial refunds of
invoice charges, a refund after SYNC_1 (charge's second version in SYNC_2), an invoice open in SYNC_1 and
paid in SYNC_2, void and uncollectible invoices, a test-mode invoice, a deleted draft invoice, a deleted
customer and product (`is_deleted`), and records re-emitted unchanged in SYNC_2 (append duplicates).
"""

from __future__ import annotations

import datetime as dt
import random

from tests.generators import stripe_layout as layout
from tests.generators.raw_tables import RawDataset, RawStream, emit
from tests.generators.shopify import SYNC_1, SYNC_2
from tests.generators.stripe_billing import Billing, LineSpec, Subscriber

START = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
CUTOFF = int(dt.datetime(2025, 6, 30, tzinfo=dt.UTC).timestamp())
DAY = 86_400
CURRENCIES = ("usd", "eur", "jpy")
# product key → (name, unit amount per currency for the monthly price)
PLANS = {
    "basic": ("Basic", {"usd": 900, "eur": 900, "jpy": 1200}),
    "pro": ("Pro", {"usd": 2900, "eur": 2700, "jpy": 4000}),
    "setup": ("Setup service", {"usd": 15000, "eur": 14000, "jpy": 20000}),
    "legacy": ("Legacy plan", {"usd": 500, "eur": 500, "jpy": 700}),
}
FORCED = ("upgrade", "downgrade", "churn", "churn_reactivate", "quantity_up", "annual", "weekly", "steady")


def generate_stripe(seed: int, customers: int = 120) -> RawDataset:
    """Every source-stripe stream the data product reads, for `customers` customers; same seed → same rows."""
    rng = random.Random(f"stripe:{seed}")
    billing = Billing(rng, START, CUTOFF, SYNC_1, SYNC_2)
    billing.add_catalog(PLANS, CURRENCIES)
    subscribers: list[Subscriber] = []
    for index in range(customers):
        currency = CURRENCIES[index % 3] if index < 6 else rng.choice(("usd", "usd", "eur", "jpy"))
        subscriber = Subscriber(f"cus_{seed:x}{index:05d}", currency, START + rng.randint(0, 60) * DAY)
        billing.add_customer(subscriber, deleted=index == customers - 1)
        if index == customers - 1:
            continue  # the deleted customer has no billing history
        if index < len(FORCED) * 2 or rng.random() < 0.6:
            scenario = FORCED[index % len(FORCED)] if index < len(FORCED) * 2 else _draw(rng)
            billing.subscribe(subscriber, scenario)
            subscribers.append(subscriber)
        if index % 5 == 2:
            _one_off(billing, subscriber, ("partial", "full", None, "late")[index // 5 % 4])
    _special_cases(billing, subscribers[0], subscribers[3])
    streams = {name: RawStream(name, columns) for name, columns in _STREAMS}
    for name, rows in billing.rows().items():
        emit(streams[name], rows, seed=seed * 1_000_003)
    return RawDataset(system="stripe", streams=streams)


_STREAMS = (
    ("customers", layout.CUSTOMERS),
    ("products", layout.PRODUCTS),
    ("prices", layout.PRICES),
    ("subscriptions", layout.SUBSCRIPTIONS),
    ("subscription_items", layout.SUBSCRIPTION_ITEMS),
    ("invoices", layout.INVOICES),
    ("invoice_line_items", layout.INVOICE_LINE_ITEMS),
    ("charges", layout.CHARGES),
    ("refunds", layout.REFUNDS),
)


def _draw(rng: random.Random) -> str:
    return rng.choice(("steady", "steady", "steady", "upgrade", "downgrade", "churn", "churn_reactivate", "annual"))


def _one_off(billing: Billing, subscriber: Subscriber, refund: str | None) -> None:
    """A charge without invoice (setup service); refunded in part, in full, not at all, or after SYNC_1."""
    amount = billing.prices[f"price_setup_{subscriber.currency}_one_time"]["unit_amount"]
    created = billing.start + billing.rng.randint(30, 500) * DAY + billing.rng.randint(0, DAY - 1)
    if refund == "late":
        created = billing.t1 - 3 * DAY
        billing.charge(subscriber, amount, created, refund=amount // 4, refund_at=billing.t1 + 2 * DAY)
        return
    refunded = {"partial": amount // 2, "full": amount, None: 0}[refund]
    billing.charge(subscriber, amount, created, refund=refunded)


def _special_cases(billing: Billing, first: Subscriber, other: Subscriber) -> None:
    """Void, uncollectible, test-mode and deleted-draft invoices; a failed and a test-mode one-off charge."""
    setup = f"price_setup_{first.currency}_one_time"
    moment = billing.start + 200 * DAY + 4321
    one_line: list[LineSpec] = [("invoiceitem", setup, 1, (moment, moment), None, None)]
    billing.invoice(first, one_line, moment, "manual", status="void")
    billing.invoice(first, one_line, moment + DAY, "manual", status="uncollectible")
    billing.invoice(first, one_line, moment + 2 * DAY, "manual", livemode=False)
    billing.invoice(first, one_line, billing.t1 - 2 * DAY, "manual")  # open in SYNC_1, paid in SYNC_2
    draft = billing.invoice(other, one_line, moment + 3 * DAY, "manual", status="draft")
    deleted = dict(next(r for r, _ in billing.records["invoices"] if r["id"] == draft))
    billing.records["invoices"].append((deleted | {"is_deleted": True, "updated": billing.t1 + DAY}, billing.sync_2))
    amount = billing.prices[f"price_setup_{other.currency}_one_time"]["unit_amount"]
    billing.charge(other, amount, moment + 5 * DAY, failed=True)
    billing.charge(other, amount, moment + 6 * DAY, livemode=False)
