"""Paying several invoices in one sandbox card payment, and withdrawing a bank-transfer notice."""

from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import InvalidStateError, NotFoundError, ValidationError
from core.gateways import Card
from core.models import Customer, Invoice, OutboxMessage, Payment, PaymentAllocation
from core.queries.payable import list_allocations, list_payable_invoices
from core.queries.scoping import ContactScope
from core.services import payments
from tests.core.helpers import run_in_threads, unchanged

GOOD_CARD = Card("4242 4242 4242 4242", "12/39", "123")
DECLINED_CARD = Card("4000000000000002", "12/39", "123")


@pytest.fixture
def payer(make_active_contact):
    return make_active_contact()


def pay_several(contact, ids, key="several", card=GOOD_CARD):
    return payments.pay_invoices(ContactScope.for_contact(contact.id), ids,
                                 idempotency_key=key, card=card)


def test_one_payment_pays_each_chosen_invoice_and_one_receipt_lists_them(payer, make_invoice):
    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "32.50")
    payments.pay_invoice(ContactScope.for_contact(payer.id), second.id, "2.50", method="card",
                         idempotency_key="part", card=GOOD_CARD)
    payment = pay_several(payer, [first.id, second.id])
    assert payment.status == "succeeded" and payment.amount == Decimal("40.00")
    assert {(a.invoice.number, a.amount) for a in list_allocations(payment)} == {
        (first.number, Decimal("10.00")), (second.number, Decimal("30.00"))}
    assert Invoice.get_by_id(first.id).status == Invoice.get_by_id(second.id).status == "paid"
    assert Customer.get_by_id(payer.customer_id).outstanding == 0
    receipts = OutboxMessage.select().where(OutboxMessage.kind == "payment_receipt")
    assert receipts.count() == 2  # one for the part payment, one for the two invoices


def test_the_same_form_twice_or_twenty_at_once_pays_once(payer, make_invoice):
    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "20.00")
    outcomes = run_in_threads(lambda i: pay_several(payer, [first.id, second.id]), 20)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({o.id for o in outcomes}) == 1
    assert Payment.select().count() == 1 and PaymentAllocation.select().count() == 2
    assert Customer.get_by_id(payer.customer_id).outstanding == 0


def test_two_forms_racing_for_the_same_invoices_pay_them_once(payer, make_invoice):
    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "20.00")
    outcomes = run_in_threads(
        lambda i: pay_several(payer, [first.id, second.id] if i % 2 else [second.id, first.id],
                              key=f"form-{i}"), 10)
    paid = [o for o in outcomes if isinstance(o, Payment)]
    assert len(paid) == 1, outcomes
    assert all(isinstance(o, InvalidStateError) for o in outcomes if o not in paid)
    assert Invoice.get_by_id(first.id).balance == Invoice.get_by_id(second.id).balance == 0


def test_a_declined_card_or_bad_choice_changes_nothing(payer, make_invoice, make_customer):
    from core.errors import PaymentDeclinedError

    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "20.00")
    theirs = make_invoice(make_customer(), "5.00")
    with unchanged():
        with pytest.raises(NotFoundError):
            pay_several(payer, [first.id, theirs.id])
        with pytest.raises(ValidationError):
            pay_several(payer, [])
        with pytest.raises(NotFoundError):
            pay_several(payer, ["1 OR 1=1"])
    with pytest.raises(PaymentDeclinedError):
        pay_several(payer, [first.id, second.id], card=DECLINED_CARD)
    assert Payment.select().count() == 0
    assert Invoice.get_by_id(first.id).balance == Decimal("10.00")


def test_everything_overdue_is_what_is_past_due_in_the_organizations_time_zone(
        payer, make_invoice):
    import datetime

    today = datetime.date(2026, 3, 10)
    late = make_invoice(payer.customer, "10.00", issue_date=today - datetime.timedelta(days=40))
    due_today = make_invoice(payer.customer, "20.00", issue_date=today, due_in=0)
    rows = list_payable_invoices(ContactScope.for_contact(payer.id), today)
    assert {row.invoice.id: row.overdue for row in rows} == {late.id: True, due_today.id: False}


def test_the_payable_list_costs_the_same_queries_for_many_invoices(payer, make_invoice):
    from playhouse.test_utils import count_queries

    scope = ContactScope.for_contact(payer.id)
    import datetime

    make_invoice(payer.customer, "10.00")
    with count_queries() as few:
        list_payable_invoices(scope, datetime.date.today())
    for _ in range(15):
        payments.pay_invoice(scope, make_invoice(payer.customer, "10.00").id, "1.00",
                             method="bank_transfer", idempotency_key=f"n{_}")
    with count_queries() as many:
        assert len(list_payable_invoices(scope, datetime.date.today())) == 16
    assert many.count == few.count


def test_a_bank_transfer_notice_can_be_withdrawn_before_staff_confirm_it(payer, make_invoice,
                                                                         admin):
    invoice = make_invoice(payer.customer, "50.00")
    scope = ContactScope.for_contact(payer.id)
    notice = payments.pay_invoice(scope, invoice.id, "50.00", method="bank_transfer",
                                  idempotency_key="notice")
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == 0
    withdrawn = payments.withdraw_bank_transfer(scope, notice.id)
    assert withdrawn.status == "withdrawn"
    assert payments.payable_amount(Invoice.get_by_id(invoice.id)) == Decimal("50.00")
    with pytest.raises(InvalidStateError):
        payments.confirm_bank_transfer(Actor.staff(admin.id, organization_id=admin.organization_id),
                                       notice.id)
    with pytest.raises(InvalidStateError):
        payments.withdraw_bank_transfer(scope, notice.id)


def test_a_confirmed_notice_or_another_customers_cannot_be_withdrawn(payer, make_invoice, admin,
                                                                      make_active_contact):
    invoice = make_invoice(payer.customer, "50.00")
    scope = ContactScope.for_contact(payer.id)
    notice = payments.pay_invoice(scope, invoice.id, "20.00", method="bank_transfer",
                                  idempotency_key="notice")
    other = make_active_contact()
    with unchanged(), pytest.raises(NotFoundError):
        payments.withdraw_bank_transfer(ContactScope.for_contact(other.id), notice.id)
    payments.confirm_bank_transfer(Actor.staff(admin.id, organization_id=admin.organization_id),
                                   notice.id)
    with unchanged(), pytest.raises(InvalidStateError):
        payments.withdraw_bank_transfer(scope, notice.id)


def test_withdrawing_while_staff_confirm_ends_in_exactly_one_of_them(payer, make_invoice, admin):
    invoice = make_invoice(payer.customer, "50.00")
    scope = ContactScope.for_contact(payer.id)
    notice = payments.pay_invoice(scope, invoice.id, "50.00", method="bank_transfer",
                                  idempotency_key="notice")
    staff = Actor.staff(admin.id, organization_id=admin.organization_id)
    outcomes = run_in_threads(
        lambda i: (payments.withdraw_bank_transfer(ContactScope.for_contact(payer.id), notice.id)
                   if i % 2 else payments.confirm_bank_transfer(staff, notice.id)), 10)
    done = [o for o in outcomes if isinstance(o, Payment)]
    assert len(done) == 1, outcomes
    status = Payment.get_by_id(notice.id).status
    balance = Invoice.get_by_id(invoice.id).balance
    assert (status, balance) in {("withdrawn", Decimal("50.00")), ("succeeded", Decimal("0.00"))}


def test_each_invoice_lists_the_payment_with_its_own_share(payer, make_invoice):
    from core.queries.portal import get_invoice_payments

    first, second = make_invoice(payer.customer, "10.00"), make_invoice(payer.customer, "20.00")
    payment = pay_several(payer, [first.id, second.id])
    scope = ContactScope.for_contact(payer.id)
    assert [(p.id, p.amount) for p in get_invoice_payments(scope, first.id)] == [
        (payment.id, Decimal("10.00"))]
    assert [(p.id, p.amount) for p in get_invoice_payments(scope, second.id)] == [
        (payment.id, Decimal("20.00"))]
