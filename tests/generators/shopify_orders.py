"""One Shopify order's life (lines, discount, tax, shipping, payment flow, refunds) and its records as of a time.

An `Order` is planned once; `order_record(order, as_of)` renders what source-shopify's orders stream would
emit if it synced at `as_of` (refunds, cancellation and fulfilment that happened by then), so a late refund
yields a second version with a later `updated_at`. Nested shapes follow orders.json / order_refunds.json
of source-shopify (see shopify_layout.py): numbers where the schema says number, strings where it says
string, one currency per order (shop money = presentment money, a simplification).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.generators.money import quantize

TAX_RATES = {"USD": Decimal("0.08"), "EUR": Decimal("0.19"), "JPY": Decimal("0.10")}
MINUTE = dt.timedelta(minutes=1)


@dataclass
class Line:
    """One order line: the variant bought, its unit price in the order currency, discount and tax shares."""

    line_id: int
    product: dict[str, Any]
    variant: dict[str, Any]
    quantity: int
    price: Decimal
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.price - self.discount


@dataclass
class Refund:
    """A refund: refunded units per line, a shipping refund, one refund transaction for the total."""

    refund_id: int
    transaction_id: int
    created_at: dt.datetime
    lines: list[tuple[Line, int, Decimal, Decimal]]  # line, quantity, subtotal, tax
    shipping: Decimal
    note: str

    @property
    def amount(self) -> Decimal:
        return sum((subtotal + tax for _, _, subtotal, tax in self.lines), self.shipping)


@dataclass
class Order:
    """The plan of one order; `flow` is paid, pending or voided (cancelled before capture)."""

    order_id: int
    number: int
    store: str
    currency: str
    created_at: dt.datetime
    customer: dict[str, Any] | None
    lines: list[Line]
    shipping: Decimal
    discount_code: str | None = None
    test: bool = False
    source_name: str = "web"
    flow: str = "paid"
    failed_attempt: bool = False
    cancelled_at: dt.datetime | None = None
    fulfilled_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    duplicate: bool = False
    refunds: list[Refund] = field(default_factory=list)
    sale_id: int = 0

    @property
    def discount_total(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal(0))

    @property
    def tax_total(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax_total

    def events(self, as_of: dt.datetime) -> list[dt.datetime]:
        """Times of the changes made to the order by `as_of` (creation included)."""
        times = [self.created_at + 5 * MINUTE, self.cancelled_at, self.fulfilled_at]
        times += [refund.created_at for refund in self.refunds]
        return [time for time in times if time is not None and time <= as_of]


def price_lines(lines: list[Line], currency: str, discount_rate: Decimal) -> None:
    """Allocate an order-level percentage discount across lines (remainder on the last) and tax each line."""
    gross = [line.quantity * line.price for line in lines]
    total_discount = quantize(sum(gross, Decimal(0)) * discount_rate, currency)
    shares = [quantize(amount * discount_rate, currency) for amount in gross[:-1]]
    shares.append(total_discount - sum(shares, Decimal(0)))
    for line, share in zip(lines, shares, strict=True):
        line.discount = share
        line.tax = quantize(line.amount * TAX_RATES[currency], currency)


def refund_units(order: Order, line: Line, quantity: int) -> tuple[Line, int, Decimal, Decimal]:
    """Refund `quantity` units of a line: its share of the discounted amount and of the line's tax."""
    if quantity == line.quantity:
        return line, quantity, line.amount, line.tax
    subtotal = quantize(line.amount * quantity / line.quantity, order.currency)
    return line, quantity, subtotal, quantize(subtotal * TAX_RATES[order.currency], order.currency)


def financial_status(order: Order, as_of: dt.datetime) -> str:
    """Shopify's financial_status as of a time: voided / pending, else paid / partially_refunded / refunded."""
    if order.flow != "paid":
        return order.flow
    refunded = sum((r.amount for r in order.refunds if r.created_at <= as_of), Decimal(0))
    if refunded == 0:
        return "paid"
    return "refunded" if refunded == order.total else "partially_refunded"


def order_record(order: Order, as_of: dt.datetime) -> dict[str, Any]:
    """The orders-stream record of the order as source-shopify would read it at `as_of`."""
    cur = order.currency
    refunds = [refund for refund in order.refunds if refund.created_at <= as_of]
    refunded = sum((refund.amount for refund in refunds), Decimal(0))
    cancelled = order.cancelled_at if order.cancelled_at and order.cancelled_at <= as_of else None
    customer = order.customer
    return {
        "id": order.order_id,
        "name": f"#{order.number}",
        "number": order.number - 1000,
        "order_number": order.number,
        "email": customer["email"] if customer else f"guest{order.number}@example.net",
        "currency": cur,
        "presentment_currency": cur,
        "financial_status": financial_status(order, as_of),
        "fulfillment_status": "fulfilled" if order.fulfilled_at and order.fulfilled_at <= as_of else None,
        "cancelled_at": cancelled,
        "cancel_reason": "customer" if cancelled else None,
        "test": order.test,
        "source_name": order.source_name,
        "taxes_included": False,
        "total_line_items_price": sum((line.quantity * line.price for line in order.lines), Decimal(0)),
        "total_discounts": order.discount_total,
        "subtotal_price": order.subtotal,
        "total_tax": order.tax_total,
        "total_price": order.total,
        "current_total_price": order.total - refunded,
        "total_shipping_price_set": money_set(order.shipping, cur),
        "discount_codes": _discount_codes(order),
        "discount_applications": _discount_applications(order),
        "tax_lines": [{"price": order.tax_total, "rate": TAX_RATES[cur], "title": "Tax"}],
        "line_items": [_line_item(order, line) for line in order.lines],
        "shipping_lines": _shipping_lines(order),
        "refunds": [refund_record(order, refund) for refund in refunds],
        "customer": _nested_customer(customer),
        "billing_address": customer["default_address"] if customer else _GUEST_ADDRESS,
        "shipping_address": customer["default_address"] if customer else _GUEST_ADDRESS,
        "payment_gateway_names": ["shopify_payments"],
        "tags": "",
        "processed_at": _shop_time_text(order.created_at),
        "created_at": order.created_at,
        "updated_at": max(order.events(as_of)),
        "closed_at": None,
        "deleted_at": None,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.order_id}",
        "shop_url": order.store,
    }


def refund_record(order: Order, refund: Refund) -> dict[str, Any]:
    """An order_refunds record (also nested in orders.refunds): line items, shipping adjustment, transaction."""
    cur = order.currency
    adjustments = []
    if refund.shipping:
        adjustments.append(
            {
                "id": refund.refund_id * 10 + 1,
                "order_id": order.order_id,
                "refund_id": refund.refund_id,
                "kind": "shipping_refund",
                "reason": "Shipping refund",
                "amount": str(-refund.shipping),
                "tax_amount": str(quantize(Decimal(0), cur)),
            }
        )
    return {
        "id": refund.refund_id,
        "order_id": order.order_id,
        "note": refund.note,
        "restock": bool(refund.lines),
        "user_id": None,
        "created_at": refund.created_at,
        "processed_at": _shop_time_text(refund.created_at),
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund.refund_id}",
        "refund_line_items": [
            {
                "id": refund.refund_id * 100 + position,
                "line_item_id": line.line_id,
                "quantity": quantity,
                "restock_type": "return",
                "subtotal": subtotal,
                "subtotal_set": money_set(subtotal, cur, text=True),
                "total_tax": tax,
                "total_tax_set": money_set(tax, cur, text=True),
            }
            for position, (line, quantity, subtotal, tax) in enumerate(refund.lines)
        ],
        "transactions": [refund_transaction(order, refund, text=True)],
        "order_adjustments": adjustments,
        "shop_url": order.store,
    }


def refund_transaction(order: Order, refund: Refund, *, text: bool = False) -> dict[str, Any]:
    """The refund's transaction; nested in order_refunds its amount is a string (the schema says string)."""
    return {
        "id": refund.transaction_id,
        "order_id": order.order_id,
        "parent_id": order.sale_id,
        "kind": "refund",
        "status": "success",
        "amount": str(refund.amount) if text else refund.amount,
        "currency": order.currency,
        "gateway": "shopify_payments",
        "test": order.test,
        "created_at": refund.created_at,
        "processed_at": refund.created_at,
    }


def money_set(amount: Decimal, currency: str, *, text: bool = False) -> dict[str, Any]:
    """Shopify's MoneyBag: the same amount in shop and presentment money (one currency per order here)."""
    money = {"amount": str(amount) if text else amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _line_item(order: Order, line: Line) -> dict[str, Any]:
    cur = order.currency
    allocations = []
    if line.discount:
        allocations.append(
            {
                "amount": str(line.discount),
                "amount_set": money_set(line.discount, cur, text=True),
                "discount_application_index": 0,
            }
        )
    return {
        "id": line.line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line.line_id}",
        "product_id": line.product["id"],
        "variant_id": line.variant["id"],
        "title": line.product["title"],
        "variant_title": line.variant["title"],
        "name": f"{line.product['title']} - {line.variant['title']}",
        "sku": line.variant["sku"],
        "vendor": line.product["vendor"],
        "quantity": line.quantity,
        "price": line.price,
        "price_set": money_set(line.price, cur),
        "total_discount": quantize(Decimal(0), cur),
        "discount_allocations": allocations,
        "tax_lines": [
            {"price": line.tax, "rate": TAX_RATES[cur], "title": "Tax", "price_set": money_set(line.tax, cur)}
        ],
        "taxable": True,
        "requires_shipping": True,
        "gift_card": False,
        "fulfillment_status": "fulfilled" if order.fulfilled_at else None,
    }


def _shipping_lines(order: Order) -> list[dict[str, Any]]:
    if not order.shipping:
        return []
    return [
        {
            "id": order.order_id * 10 + 7,
            "title": "Standard",
            "code": "STANDARD",
            "source": "shopify",
            "price": order.shipping,
            "price_set": money_set(order.shipping, order.currency),
            "discounted_price": order.shipping,
            "tax_lines": [],
        }
    ]


def _discount_codes(order: Order) -> list[dict[str, Any]]:
    if not order.discount_code:
        return []
    return [{"code": order.discount_code, "amount": str(order.discount_total), "type": "percentage"}]


def _discount_applications(order: Order) -> list[dict[str, Any]]:
    if not order.discount_code:
        return []
    return [
        {
            "type": "discount_code",
            "title": order.discount_code,
            "value": "10.0",
            "value_type": "percentage",
            "allocation_method": "across",
            "target_selection": "all",
            "target_type": "line_item",
        }
    ]


def _nested_customer(customer: dict[str, Any] | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    keys = ("id", "email", "first_name", "last_name", "state", "currency", "created_at", "updated_at")
    return {key: customer[key] for key in keys} | {"default_address": customer["default_address"]}


def _shop_time_text(moment: dt.datetime) -> str:
    """Shopify's text timestamps carry the shop's offset (here UTC-05:00); the instant is the same."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()


_GUEST_ADDRESS = {"city": "Reno", "province": "Nevada", "province_code": "NV", "zip": "89501", "country_code": "US"}
