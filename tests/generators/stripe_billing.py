"""Stripe billing simulation behind generate_stripe: catalog, customers, subscription cycles, invoices, charges.

Each method appends (record, sync) pairs per stream; a record's sync is the first one after its `updated`
(full refresh in SYNC_1 gives the latest state, SYNC_2 only what changed since, as source-stripe's events
flow would). Amounts are integer minor units; timestamps epoch seconds.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.generators.raw_tables import Sync

DAY = 86_400
_INTERVAL_DAYS = {"month": 30, "year": 365, "week": 7}
# kind, price id, quantity, (period start, end), subscription, subscription item
LineSpec = tuple[str, str, int, tuple[int, int], str | None, str | None]


@dataclass
class Subscriber:
    """A Stripe customer as the simulation needs it."""

    customer_id: str
    currency: str
    created: int


class Billing:
    """Builds every stream's records; `rows()` hands them out by stream."""

    def __init__(self, rng: random.Random, start: int, cutoff: int, sync_1: Sync, sync_2: Sync) -> None:
        self.rng, self.start, self.cutoff, self.sync_1, self.sync_2 = rng, start, cutoff, sync_1, sync_2
        self.t1 = int(sync_1.extracted_at.timestamp())
        self.records: dict[str, list[tuple[dict[str, Any], Sync]]] = defaultdict(list)
        self.prices: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.counter = 0
        self.paid_invoices = 0

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter:08d}"

    def _put(self, stream: str, record: dict[str, Any], moment: int | None = None) -> None:
        moment = record.get("updated", record.get("created", 0)) if moment is None else moment
        self.records[stream].append((record, self.sync_1 if moment <= self.t1 else self.sync_2))

    def rows(self) -> dict[str, list[tuple[dict[str, Any], Sync]]]:
        """Records per stream, SYNC_1's before SYNC_2's (the order two append syncs land them)."""
        return {name: sorted(pairs, key=lambda pair: pair[1].sync_id) for name, pairs in self.records.items()}

    # --- catalog and customers ---------------------------------------------------------------------

    def add_catalog(self, plans: dict[str, tuple[str, dict[str, int]]], currencies: tuple[str, ...]) -> None:
        """Products and prices: monthly per plan and currency, plus weekly basic, yearly pro, one-time setup."""
        created = self.start - 100 * DAY
        for key, (name, amounts) in plans.items():
            product: dict[str, Any] = {
                "id": f"prod_{key}",
                "object": "product",
                "name": name,
                "description": f"{name} plan",
            }
            product |= {"active": True, "type": "service", "created": created, "updated": created}
            product |= {"livemode": True, "metadata": {}, "is_deleted": None}
            self._put("products", product)
            if key == "legacy":
                self._put("products", product | {"is_deleted": True, "active": False, "updated": self.t1 + DAY})
            for currency in currencies:
                variants = [("one_time", amounts[currency])] if key == "setup" else [("month", amounts[currency])]
                variants += [("week", amounts[currency] * 12 // 52)] if key == "basic" else []
                variants += [("year", amounts[currency] * 10)] if key == "pro" else []
                for interval, amount in variants:
                    self._price(key, name, currency, interval, amount, created=created)

    def _price(self, key: str, name: str, currency: str, interval: str, amount: int, *, created: int) -> None:
        price_id = f"price_{key}_{currency}_{interval}"
        recurring = None if interval == "one_time" else {"interval": interval, "interval_count": 1}
        price: dict[str, Any] = {
            "id": price_id,
            "object": "price",
            "product": f"prod_{key}",
            "nickname": f"{name} {interval}",
        }
        price |= {"currency": currency, "unit_amount": amount, "unit_amount_decimal": str(amount)}
        price |= {"type": "one_time" if recurring is None else "recurring", "recurring": recurring}
        price |= {"billing_scheme": "per_unit", "active": True, "created": created, "updated": created}
        price |= {"livemode": True, "metadata": {}, "is_deleted": None}
        self.prices[price_id], self.names[price_id] = price, name
        self._put("prices", price)

    def add_customer(self, subscriber: Subscriber, *, deleted: bool = False) -> None:
        """A customer in SYNC_1; deleted ones get an is_deleted version in SYNC_2, every 9th a duplicate."""
        number = int(subscriber.customer_id[-5:])
        country = {"usd": "US", "eur": "FR", "jpy": "JP"}[subscriber.currency]
        customer: dict[str, Any] = {
            "id": subscriber.customer_id,
            "object": "customer",
            "email": f"billing{number}@example.org",
        }
        customer |= {"name": f"Company {number}", "phone": None, "currency": subscriber.currency}
        customer |= {"address": {"country": country, "city": None, "postal_code": f"{10000 + number}"}}
        customer |= {"delinquent": False, "created": subscriber.created, "updated": subscriber.created}
        customer |= {"livemode": True, "metadata": {}, "is_deleted": None}
        self._put("customers", customer)
        if deleted:
            self._put("customers", customer | {"is_deleted": True, "updated": self.t1 + 2 * DAY})
        elif number % 9 == 4:
            self._put("customers", customer, self.t1 + 1)

    # --- subscriptions -----------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber, scenario: str) -> None:
        """One lifecycle: segments of (cycles, price, quantity); churn cancels at the end of the last one."""
        cur, rng = subscriber.currency, self.rng
        change = rng.randint(3, 6)
        basic, pro = f"price_basic_{cur}_month", f"price_pro_{cur}_month"
        segments: dict[str, list[tuple[int | None, str, int]]] = {
            "steady": [(None, basic, 1)],
            "upgrade": [(change, basic, 1), (None, pro, 1)],
            "downgrade": [(change, pro, 1), (None, basic, 1)],
            "quantity_up": [(change, basic, 1), (None, basic, 3)],
            "churn": [(change, rng.choice((basic, pro)), 1)],
            "churn_reactivate": [(change, basic, 2)],
            "annual": [(None, f"price_pro_{cur}_year", 1)],
            "weekly": [(8, f"price_basic_{cur}_week", 1)],
        }
        begin = max(subscriber.created, self.start) + rng.randint(1, 120) * DAY + rng.randint(3600, DAY - 3600)
        ended = self._subscription(subscriber, segments[scenario], begin)
        if scenario == "churn_reactivate" and ended is not None:
            self._subscription(subscriber, [(None, basic, 1)], ended + rng.randint(60, 90) * DAY)

    def _subscription(
        self, subscriber: Subscriber, segments: list[tuple[int | None, str, int]], begin: int
    ) -> int | None:
        """Bill every cycle up to the cutoff; returns ended_at if the last segment has a cycle count."""
        sub_id, item_id = self._id("sub"), self._id("si")
        period_start, invoice_id, ended = begin, None, None
        price_id, quantity, changed = segments[0][1], segments[0][2], begin
        for cycles, price_id, quantity in segments:
            changed = period_start
            done = 0
            while (cycles is None or done < cycles) and period_start <= self.cutoff:
                length = _INTERVAL_DAYS[self.prices[price_id]["recurring"]["interval"]] * DAY
                reason = "subscription_create" if period_start == begin else "subscription_cycle"
                lines: list[LineSpec] = [
                    ("subscription", price_id, quantity, (period_start, period_start + length), sub_id, item_id)
                ]
                invoice_id = self.invoice(subscriber, lines, period_start, reason, sub_id=sub_id)
                period_start, done = period_start + length, done + 1
        if segments[-1][0] is not None and period_start <= self.cutoff:
            ended = period_start
        price = self.prices[price_id]
        item: dict[str, Any] = {"id": item_id, "object": "subscription_item", "subscription": sub_id, "price": price}
        item |= {"plan": _plan(price), "quantity": quantity, "created": begin, "metadata": {}}
        updated = min(ended or changed, self.t1)
        sub: dict[str, Any] = {"id": sub_id, "object": "subscription", "customer": subscriber.customer_id}
        sub |= {"status": "canceled" if ended else "active", "currency": subscriber.currency}
        sub |= {"items": {"object": "list", "data": [item]}, "plan": _plan(price), "quantity": quantity}
        sub |= {"start_date": begin, "current_period_start": period_start - length, "current_period_end": period_start}
        sub |= {"cancel_at_period_end": bool(ended), "canceled_at": ended - 10 * DAY if ended else None}
        sub |= {"ended_at": ended, "latest_invoice": invoice_id, "created": begin, "updated": updated}
        sub |= {"livemode": True, "metadata": {}, "is_deleted": None}
        self._put("subscriptions", sub)
        self._put("subscription_items", item | {"subscription_updated": updated}, updated)
        return ended

    # --- invoices, charges, refunds ------------------------------------------------------------------

    def invoice(
        self,
        subscriber: Subscriber,
        lines: Sequence[LineSpec],
        created: int,
        reason: str,
        *,
        sub_id: str | None = None,
        status: str = "paid",
        livemode: bool = True,
    ) -> str:
        """An invoice with its lines, and for a paid one a charge (every 11th partly refunded 5 days later)."""
        invoice_id, cur = self._id("in"), subscriber.currency
        subtotal = sum(self.prices[price]["unit_amount"] * qty for _, price, qty, _, _, _ in lines)
        tax = (subtotal * 19 + 50) // 100 if cur == "eur" else 0
        late = status == "paid" and created > self.t1 - 5 * DAY
        paid_at = self.t1 + DAY if late else created + 3600
        for kind, price_id, qty, (start, end), line_sub, line_item in lines:
            line: dict[str, Any] = {"id": self._id("il"), "object": "line_item", "invoice_id": invoice_id, "type": kind}
            line |= {"subscription": line_sub, "subscription_item": line_item, "price": self.prices[price_id]}
            line |= {"quantity": qty, "amount": self.prices[price_id]["unit_amount"] * qty, "currency": cur}
            line |= {"description": f"{qty} x {self.names[price_id]}", "period": {"start": start, "end": end}}
            line |= {"proration": False, "livemode": livemode}
            self._put("invoice_line_items", line, created)
        charge_id = self._id("ch") if status in {"paid", "uncollectible"} else None
        invoice: dict[str, Any] = {"id": invoice_id, "object": "invoice", "number": f"INV-{self.counter:06d}"}
        invoice |= {"customer": subscriber.customer_id, "subscription": sub_id, "charge": charge_id}
        invoice |= {"status": status, "billing_reason": reason, "currency": cur, "subtotal": subtotal, "tax": tax}
        invoice |= {"total": subtotal + tax, "amount_due": subtotal + tax, "amount_paid": 0}
        invoice |= {"amount_remaining": subtotal + tax, "period_start": created, "period_end": created}
        invoice |= {"due_date": None, "status_transitions": {"finalized_at": created, "paid_at": None}}
        invoice |= {"created": created, "updated": created, "livemode": livemode, "metadata": {}, "is_deleted": None}
        if status == "paid":
            paid: dict[str, Any] = {"amount_paid": subtotal + tax, "amount_remaining": 0, "updated": paid_at}
            paid |= {"status_transitions": {"finalized_at": created, "paid_at": paid_at}}
            if late:
                self._put("invoices", invoice | {"status": "open", "charge": None}, created)
            invoice |= paid
            self.paid_invoices += 1
            refund = (subtotal + tax) // 2 if self.paid_invoices % 11 == 3 and paid_at < self.cutoff else 0
            self.charge(subscriber, subtotal + tax, paid_at, charge_id, invoice_id, refund=refund, livemode=livemode)
        elif status == "uncollectible":
            self.charge(subscriber, subtotal + tax, created + 3600, charge_id, invoice_id, failed=True)
        self._put("invoices", invoice)
        if self.paid_invoices % 13 == 7 and status == "paid":
            self._put("invoices", invoice, self.t1 + 1)  # an append duplicate, identical version
        return invoice_id

    def charge(
        self,
        subscriber: Subscriber,
        amount: int,
        created: int,
        charge_id: str | None = None,
        invoice_id: str | None = None,
        *,
        refund: int = 0,
        refund_at: int | None = None,
        failed: bool = False,
        livemode: bool = True,
    ) -> str:
        """A charge; a refund makes a second charge version at the refund time (in SYNC_2 if after SYNC_1)."""
        charge_id = charge_id or self._id("ch")
        charge: dict[str, Any] = {
            "id": charge_id,
            "object": "charge",
            "customer": subscriber.customer_id,
            "invoice": invoice_id,
        }
        charge |= {"amount": amount, "amount_captured": 0 if failed else amount, "amount_refunded": 0}
        charge |= {"currency": subscriber.currency, "status": "failed" if failed else "succeeded", "paid": not failed}
        charge |= {"captured": not failed, "refunded": False, "failure_code": "card_declined" if failed else None}
        charge |= {"description": None if invoice_id else "Setup service", "created": created, "updated": created}
        charge |= {"payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}}}
        charge |= {"livemode": livemode, "metadata": {}}
        if not refund:
            self._put("charges", charge)
            return charge_id
        when = refund_at or created + 5 * DAY
        if when > self.t1:
            self._put("charges", charge)
        final = charge | {"amount_refunded": refund, "refunded": refund == amount, "updated": when}
        self._put("charges", final)
        record: dict[str, Any] = {"id": self._id("re"), "object": "refund", "charge": charge_id, "amount": refund}
        record |= {"currency": subscriber.currency, "status": "succeeded", "reason": "requested_by_customer"}
        record |= {"created": when, "updated": when, "livemode": livemode, "metadata": {}}
        self._put("refunds", record)
        return charge_id


def _plan(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` view of a price that Stripe still sends on subscriptions and items."""
    recurring = price["recurring"] or {}
    return {"id": price["id"], "object": "plan", "amount": price["unit_amount"], "currency": price["currency"]} | {
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "product": price["product"],
    }
