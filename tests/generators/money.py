"""Currency arithmetic shared by the generators and the oracle: exponents, rounding, minor units.

Decimal only (never float). Exponents are ISO 4217 minor units for the currencies the generators use;
JPY has none, which is the zero-decimal case both Shopify (major-unit amounts) and Stripe (integer
minor units) have to get right.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

EXPONENTS: dict[str, int] = {"USD": 2, "EUR": 2, "JPY": 0}
# Rough price conversion from the USD list price (generators only; the oracle never converts).
FX_FROM_USD: dict[str, Decimal] = {"USD": Decimal(1), "EUR": Decimal("0.92"), "JPY": Decimal(150)}


def exponent(currency: str) -> int:
    """Minor-unit exponent of an ISO 4217 code, either case (Stripe sends lower case)."""
    return EXPONENTS[currency.upper()]


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (2 places for USD/EUR, 0 for JPY)."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Major units → integer minor units (Stripe's representation)."""
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor(amount: int, currency: str) -> Decimal:
    """Integer minor units → Decimal major units: minor / 10**exponent, exact."""
    return Decimal(amount).scaleb(-exponent(currency))


def convert(usd: Decimal, currency: str) -> Decimal:
    """A USD list price in another currency, rounded to its minor unit."""
    return quantize(usd * FX_FROM_USD[currency.upper()], currency)
