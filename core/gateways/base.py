"""What every payment gateway speaks: card details, a charge, a hosted checkout, an event.

Two kinds of gateway sit behind this: a card gateway takes the card here and charges it at once
(the sandbox), a hosted one sends the contact to the provider's own page and reports the outcome
later through signed events (Stripe Checkout). Each provider is one module beside this one.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from core.errors import ValidationError
from core.i18n import N_


@dataclass(frozen=True)
class Card:
    """Card details as typed; never stored beyond the last four digits."""

    number: str
    expiry: str  # MM/YY
    cvc: str
    name: str = ""


@dataclass(frozen=True)
class Charge:
    """A successful charge."""

    reference: str
    last4: str


@dataclass(frozen=True)
class CheckoutLine:
    """One line the contact sees on the provider's page: an invoice and what is paid on it."""

    description: str
    amount: Decimal


@dataclass(frozen=True)
class CheckoutRequest:
    """What a hosted checkout is opened for; the amounts are checked by core beforehand."""

    payment_id: int
    currency: str
    lines: tuple[CheckoutLine, ...]
    idempotency_key: str
    success_url: str
    cancel_url: str
    email: str = ""
    language: str = "en"
    expires_at: datetime.datetime | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class HostedCheckout:
    """A checkout opened at the provider: its id and the page to send the contact to."""

    session_id: str
    url: str


@dataclass(frozen=True)
class GatewayEvent:
    """A verified event from a hosted gateway, reduced to what core acts on.

    kind: "paid" (money taken), "awaiting" (completed, bank payment still on its way),
    "failed" (the delayed payment failed), "expired" (the checkout was abandoned),
    "refunded" (refunded_total is the cumulative refund), or "ignored".
    """

    id: str
    type: str
    kind: str
    session_id: str = ""
    payment_reference: str = ""  # the provider's id of the money movement (a PaymentIntent)
    payment_id: str = ""  # ours, as we gave it to the checkout
    amount: Decimal = Decimal("0.00")
    currency: str = ""
    refunded_total: Decimal = Decimal("0.00")
    live_mode: bool = False


@runtime_checkable
class CardGateway(Protocol):
    """Charges a card typed into the portal."""

    name: str
    is_sandbox: bool
    hosted: bool

    def charge(self, amount: Decimal, currency: str, card: Card,
               idempotency_key: str) -> Charge: ...


@runtime_checkable
class HostedGateway(Protocol):
    """Takes the payment on the provider's page and reports it by signed events."""

    name: str
    is_sandbox: bool
    hosted: bool
    test_mode: bool

    def start_checkout(self, request: CheckoutRequest) -> HostedCheckout: ...

    def read_event(self, body: bytes, signature: str) -> GatewayEvent: ...


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def check_card(card: Card, today: datetime.date | None = None) -> Card:
    """Validate the card's form (number, expiry, CVC); raise ValidationError per field."""
    number = re.sub(r"[\s-]", "", card.number or "")
    if not number.isdigit() or not 12 <= len(number) <= 19 or not _luhn_ok(number):
        raise ValidationError(N_("Enter a valid card number."), field="card_number")
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", card.expiry or "")
    if not match or not 1 <= int(match.group(1)) <= 12:
        raise ValidationError(N_("Enter the expiry date as MM/YY."), field="card_expiry")
    month, year = int(match.group(1)), int(match.group(2))
    year = year + 2000 if year < 100 else year
    today = today or datetime.date.today()
    if (year, month) < (today.year, today.month):
        raise ValidationError(N_("This card has expired."), field="card_expiry")
    if not re.fullmatch(r"\d{3,4}", card.cvc or ""):
        raise ValidationError(N_("Enter the 3 or 4 digit security code."), field="card_cvc")
    return Card(number, f"{month:02d}/{year % 100:02d}", card.cvc, card.name)
