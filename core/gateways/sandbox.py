"""The sandbox gateway: a stand-in for a card network (no real one can exist here).

It takes documented test card numbers and never moves money; the UI and the README say so.
"""

import uuid
from decimal import Decimal

from core.errors import PaymentDeclinedError, PaymentError
from core.gateways.base import Card, Charge
from core.i18n import N_

SANDBOX_CARDS = {
    "4242424242424242": "success",
    "4000000000000002": "decline",
    "4000000000000119": "error",
}


class SandboxGateway:
    """Test card gateway: 4242… succeeds, 4000 0000 0000 0002 declines, …0119 errors."""

    name = "sandbox"
    is_sandbox = True
    hosted = False
    test_mode = True

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
