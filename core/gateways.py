"""Payment gateways behind one interface.

The sandbox gateway is a stand-in for a card network (no real one can exist here): it takes
documented test card numbers and never moves money. The UI and the README say so.
"""

import datetime
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from core.errors import PaymentDeclinedError, PaymentError, ValidationError
from core.i18n import N_

SANDBOX_CARDS = {
    "4242424242424242": "success",
    "4000000000000002": "decline",
    "4000000000000119": "error",
}


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


class SandboxGateway:
    """Test card gateway: 4242… succeeds, 4000 0000 0000 0002 declines, …0119 errors."""

    name = "sandbox"
    is_sandbox = True

    def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> Charge:
        """Charge a test card (no money moves)."""
        outcome = SANDBOX_CARDS.get(card.number, "success")
        if outcome == "decline":
            raise PaymentDeclinedError()
        if outcome == "error":
            raise PaymentError(N_("The payment provider had a problem. No money was taken; "
                                  "please try again later."))
        return Charge(reference=f"sbx_{uuid.uuid5(uuid.NAMESPACE_OID, idempotency_key).hex[:20]}",
                      last4=card.number[-4:])


_GATEWAY = SandboxGateway()


def get_gateway() -> SandboxGateway:
    """The configured card gateway (the sandbox is the only one this build ships)."""
    return _GATEWAY
