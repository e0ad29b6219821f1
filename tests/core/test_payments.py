"""Paying invoices: by card, by bank-transfer notice, by staff; idempotent and never below zero."""

from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import (
    InvalidStateError,
    NotFoundError,
    PaymentDeclinedError,
    PaymentError,
    ValidationError,
)
from core.gateways import Card
from core.models import AuditEvent, Customer, Invoice, Notification, OutboxMessage, Payment
from core.queries.scoping import ContactScope
from core.services import payments
from core.services.organizations import update_portal_preferences
from tests.core.helpers import actions, run_in_threads, unchanged

GOOD_CARD = Card("4242 4242 4242 4242", "12/39", "123")
DECLINED_CARD = Card("4000000000000002", "12/39", "123")
ERROR_CARD = Card("4000000000000119", "12/39", "123")


@pytest.fixture
def payer(make_active_contact):
    """An active contact whose customer owes one sent invoice of 100.00."""
    contact = make_active_contact()
    return contact


@pytest.fixture
def invoice(payer, make_invoice):
    return make_invoice(payer.customer, "100.00")


def pay(contact, invoice_id, amount, key="key-1", card=GOOD_CARD, method="card"):
    return payments.pay_invoice(ContactScope.for_contact(contact.id), invoice_id, amount,
                                method=method, idempotency_key=key, card=card, ip="203.0.113.9")


def test_a_partial_card_payment_lowers_the_balance_and_the_customers_outstanding(payer, invoice):
    payment = pay(payer, invoice.id, "40.00")

    invoice = Invoice.get_by_id(invoice.id)
    assert payment.status == "succeeded" and payment.amount == Decimal("40.00")
    assert payment.number == f"PAY-{payment.id:06d}" and payment.card_last4 == "4242"
    assert payment.via_portal and payment.gateway == "sandbox"
    assert (invoice.balance, invoice.status) == (Decimal("60.00"), "partially_paid")
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("60.00")


def test_paying_the_rest_marks_the_invoice_paid(payer, invoice):
    pay(payer, invoice.id, "40.00", key="a")
    pay(payer, invoice.id, "60.00", key="b")

    invoice = Invoice.get_by_id(invoice.id)
    assert (invoice.balance, invoice.status) == (Decimal("0.00"), "paid")
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("0.00")


def test_a_payment_emails_a_receipt_notifies_staff_and_is_audited(payer, invoice, admin):
    payment = pay(payer, invoice.id, "25.50")

    receipt = OutboxMessage.get(OutboxMessage.kind == "payment_receipt")
    assert receipt.recipient == payer.email
    notification = Notification.get(Notification.staff == admin.id, Notification.kind == "payment")
    assert invoice.number in notification.message
    assert "25.50" in notification.message
    event = AuditEvent.get(AuditEvent.action == "payment_made")
    assert (event.actor_type, event.actor_id, event.target_id, event.ip) == (
        "contact", payer.id, payment.id, "203.0.113.9")
    # email_on_payment is on by default: the staff member is emailed too.
    assert OutboxMessage.select().where(OutboxMessage.kind == "staff_payment").count() == 1


def test_the_same_idempotency_key_twice_gives_one_payment(payer, invoice):
    first = pay(payer, invoice.id, "30.00", key="form-123")
    second = pay(payer, invoice.id, "30.00", key="form-123")

    assert first.id == second.id
    assert Payment.select().count() == 1
    assert Invoice.get_by_id(invoice.id).balance == Decimal("70.00")
    assert actions().count("payment_made") == 1


def test_a_key_reused_for_another_invoice_is_refused(payer, invoice, make_invoice):
    other = make_invoice(payer.customer, "50.00")
    pay(payer, invoice.id, "10.00", key="form-1")

    with unchanged(), pytest.raises(ValidationError, match="already used"):
        pay(payer, other.id, "10.00", key="form-1")


def test_twenty_concurrent_payments_never_take_the_balance_below_zero(payer, invoice):
    def attempt(i):
        return pay(payer, invoice.id, "7.00", key=f"concurrent-{i}")

    outcomes = run_in_threads(attempt, 20)

    unexpected = [o for o in outcomes
                  if isinstance(o, Exception) and not isinstance(o, ValidationError)]
    assert not unexpected, unexpected
    succeeded = [o for o in outcomes if isinstance(o, Payment)]
    invoice = Invoice.get_by_id(invoice.id)
    paid = sum((p.amount for p in Payment.select().where(Payment.status == "succeeded")),
               Decimal("0.00"))
    assert len(succeeded) == 14  # 14 x 7.00 = 98.00 fits; a 15th would overdraw
    assert invoice.balance == Decimal("2.00") >= 0
    assert paid == invoice.total - invoice.balance
    assert Customer.get_by_id(payer.customer_id).outstanding == invoice.balance


def test_concurrent_submissions_of_one_form_give_one_payment(payer, invoice):
    outcomes = run_in_threads(lambda i: pay(payer, invoice.id, "10.00", key="double-click"), 10)

    assert all(isinstance(o, Payment) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    assert Payment.select().count() == 1
    assert Invoice.get_by_id(invoice.id).balance == Decimal("90.00")


@pytest.mark.parametrize("amount, message", [
    ("100.01", r"at most \$100\.00"),
    ("0", "greater than zero"),
    ("-5", "greater than zero"),
    ("10.005", "at most 2 decimal places"),
    ("ten", "as digits"),
    ("NaN", "as digits"),
    ("10,5", "as digits"),  # a comma is no decimal point in English: never 10.50
    ("1_0", "as digits"),
])
def test_a_bad_amount_is_refused_and_nothing_is_paid(payer, invoice, amount, message):
    with unchanged(), pytest.raises(ValidationError, match=message) as caught:
        pay(payer, invoice.id, amount)
    assert caught.value.field == "amount"


def test_a_contact_pays_in_their_own_language_and_is_told_the_limit_in_it(make_active_contact,
                                                                        make_invoice):
    german = make_active_contact(language="de")
    invoice = make_invoice(german.customer, "2000.00")

    assert pay(german, invoice.id, "1.234,56").amount == Decimal("1234.56")
    assert Invoice.get_by_id(invoice.id).balance == Decimal("765.44")
    with unchanged(), pytest.raises(ValidationError) as caught:
        pay(german, invoice.id, "1.000,00", key="key-2")
    assert caught.value.params["amount"] == "765,44\xa0$"
    with unchanged(), pytest.raises(ValidationError) as caught:
        pay(german, invoice.id, "1.5", key="key-3")
    assert caught.value.params["example"] == "1.234,56"


@pytest.mark.parametrize("card, field", [
    (Card("4242 4242 4242 4241", "12/39", "123"), "card_number"),
    (Card("4242424242424242", "13/39", "123"), "card_expiry"),
    (Card("4242424242424242", "01/20", "123"), "card_expiry"),
    (Card("4242424242424242", "12/39", "12"), "card_cvc"),
    (None, "card_number"),
])
def test_a_bad_card_is_refused_before_charging(payer, invoice, card, field):
    with unchanged(), pytest.raises(ValidationError) as caught:
        pay(payer, invoice.id, "10.00", card=card)
    assert caught.value.field == field


def test_a_declined_card_pays_nothing_but_leaves_an_audit_event(payer, invoice):
    with pytest.raises(PaymentDeclinedError, match="declined"):
        pay(payer, invoice.id, "10.00", card=DECLINED_CARD)

    assert Payment.select().count() == 0
    assert Invoice.get_by_id(invoice.id).balance == Decimal("100.00")
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("100.00")
    assert OutboxMessage.select().where(OutboxMessage.kind == "payment_receipt").count() == 0
    failed = AuditEvent.get(AuditEvent.action == "payment_failed")
    assert failed.actor_id == payer.id and failed.target_id == invoice.id


def test_a_gateway_error_pays_nothing_and_says_to_try_later(payer, invoice):
    with pytest.raises(PaymentError, match="try again later"):
        pay(payer, invoice.id, "10.00", card=ERROR_CARD)

    assert Payment.select().count() == 0
    assert Invoice.get_by_id(invoice.id).balance == Decimal("100.00")
    assert "payment_failed" in actions()


def test_a_declined_key_can_be_retried_with_a_good_card(payer, invoice):
    with pytest.raises(PaymentDeclinedError):
        pay(payer, invoice.id, "10.00", key="retry", card=DECLINED_CARD)
    payment = pay(payer, invoice.id, "10.00", key="retry")

    assert payment.status == "succeeded"


def test_an_unknown_method_or_missing_key_is_refused(payer, invoice):
    with unchanged(), pytest.raises(ValidationError) as caught:
        pay(payer, invoice.id, "10.00", method="bitcoin")
    assert caught.value.field == "method"
    with unchanged(), pytest.raises(ValidationError) as caught:
        pay(payer, invoice.id, "10.00", key="  ")
    assert caught.value.field == "idempotency_key"


def test_a_paid_or_void_invoice_cannot_be_paid(payer, invoice, make_invoice):
    pay(payer, invoice.id, "100.00", key="all")
    with unchanged(), pytest.raises(InvalidStateError, match="nothing left to pay"):
        pay(payer, invoice.id, "1.00", key="more")
    void = make_invoice(payer.customer, "10.00", status="void")
    with unchanged(), pytest.raises(InvalidStateError):
        pay(payer, void.id, "1.00", key="void")


def test_payments_are_hidden_when_the_module_is_off(payer, invoice, admin):
    from core.audit import Actor

    update_portal_preferences(Actor.staff(admin.id), show_payments=False)
    with unchanged(), pytest.raises(NotFoundError):
        pay(payer, invoice.id, "10.00")


def test_a_bank_transfer_notice_is_pending_until_staff_confirm_it(payer, invoice, admin):
    notice = pay(payer, invoice.id, "60.00", method="bank_transfer", card=None,
                 key="transfer")

    assert (notice.status, notice.gateway) == ("pending", "bank_transfer")
    assert Invoice.get_by_id(invoice.id).balance == Decimal("100.00")
    # The pending notice is reserved: no more than the rest can be paid meanwhile.
    with pytest.raises(ValidationError, match=r"at most \$40\.00"):
        pay(payer, invoice.id, "50.00", key="too-much")

    confirmed = payments.confirm_bank_transfer(Actor.staff(admin.id), notice.id)

    assert confirmed.status == "succeeded"
    assert Invoice.get_by_id(invoice.id).balance == Decimal("40.00")
    assert Customer.get_by_id(payer.customer_id).outstanding == Decimal("40.00")
    assert "payment_confirmed" in actions()
    with unchanged(), pytest.raises(InvalidStateError):
        payments.confirm_bank_transfer(Actor.staff(admin.id), notice.id)


def test_staff_reject_a_notice_that_never_arrived(payer, invoice, admin):
    notice = pay(payer, invoice.id, "60.00", method="bank_transfer", card=None, key="t")

    rejected = payments.reject_bank_transfer(Actor.staff(admin.id), notice.id)

    assert rejected.status == "void"
    assert Invoice.get_by_id(invoice.id).balance == Decimal("100.00")
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("100.00")
    assert "payment_rejected" in actions()
    with unchanged(), pytest.raises(InvalidStateError):
        payments.reject_bank_transfer(Actor.staff(admin.id), notice.id)


def test_staff_of_another_organization_cannot_touch_a_payment(payer, invoice, make_customer):
    from core.services.organizations import create_organization
    from core.services.staff import create_staff
    from tests.conftest import PASSWORD

    other_org = create_organization("Other Org")
    outsider = create_staff(Actor.system(other_org.id), "out@other.example", "Out Sider", PASSWORD,
                            role="admin")
    notice = pay(payer, invoice.id, "60.00", method="bank_transfer", card=None, key="t")

    with unchanged():
        for action in (payments.confirm_bank_transfer, payments.reject_bank_transfer):
            with pytest.raises(NotFoundError):
                action(Actor.staff(outsider.id), notice.id)
        with pytest.raises(NotFoundError):
            payments.record_offline_payment(Actor.staff(outsider.id), invoice.id, "10.00")


def test_staff_record_an_offline_payment(payer, invoice, admin):
    payment = payments.record_offline_payment(Actor.staff(admin.id), invoice.id, "100.00",
                                              method="cheque",
                                              reference="Cheque 1001")

    assert (payment.status, payment.method, payment.via_portal) == ("succeeded", "cheque", False)
    assert Invoice.get_by_id(invoice.id).status == "paid"
    assert "payment_recorded" in actions()


@pytest.mark.parametrize("amount, method", [("100.01", "cash"), ("0", "cash"),
                                            ("10.00", "barter")])
def test_an_offline_payment_with_bad_input_is_refused(payer, invoice, admin, amount, method):
    with unchanged(), pytest.raises(ValidationError):
        payments.record_offline_payment(Actor.staff(admin.id), invoice.id, amount, method=method)


def test_amounts_stay_exact_after_many_small_payments(payer, make_invoice):
    invoice = make_invoice(payer.customer, "0.30")
    for key in ("a", "b", "c"):
        pay(payer, invoice.id, "0.10", key=key)

    invoice = Invoice.get_by_id(invoice.id)
    customer = Customer.get_by_id(payer.customer_id)
    assert (invoice.balance, invoice.status) == (Decimal("0.00"), "paid")
    assert str(customer.outstanding) == "0.00"
    from core.queries.staff import CustomerFilters, list_customers
    owing = list_customers(payer.organization_id, CustomerFilters(with_outstanding=True))
    assert owing.total == 0  # no float dust left to count as "outstanding"
