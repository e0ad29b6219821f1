"""Statement of account: opening balance, the transactions in a range, closing balance."""

import datetime
from decimal import Decimal

import pytest

from core.audit import Actor
from core.errors import ValidationError
from core.gateways import Card
from core.queries.scoping import ContactScope
from core.queries.statement import build_statement
from core.services.payments import pay_invoice, record_offline_payment

START, END = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour))


@pytest.fixture
def account(make_active_contact, make_invoice, admin):
    """Invoices and payments before, within and after March 2025."""
    contact = make_active_contact()
    customer = contact.customer
    before = make_invoice(customer, "500.00", issue_date=datetime.date(2025, 2, 10))
    record_offline_payment(Actor.staff(admin.id), before.id, "200.00",
                           paid_at=at(datetime.date(2025, 2, 20)))
    # Paid on the first morning and the last evening of the range: both inside.
    record_offline_payment(Actor.staff(admin.id), before.id, "100.00", paid_at=at(START, 0))
    inside = make_invoice(customer, "300.00", issue_date=datetime.date(2025, 3, 15))
    record_offline_payment(Actor.staff(admin.id), inside.id, "50.00", paid_at=at(END, 23))
    make_invoice(customer, "40.00", issue_date=START)
    make_invoice(customer, "999.00", issue_date=datetime.date(2025, 3, 20), status="draft")
    make_invoice(customer, "999.00", issue_date=datetime.date(2025, 3, 21), status="void")
    after = make_invoice(customer, "700.00", issue_date=datetime.date(2025, 4, 1))
    record_offline_payment(Actor.staff(admin.id), after.id, "70.00",
                           paid_at=at(datetime.date(2025, 4, 1), 0))
    # A bank-transfer notice staff have not confirmed is no payment yet.
    pay_invoice(ContactScope.for_contact(contact.id), inside.id, "10.00",
                method="bank_transfer", idempotency_key="notice")
    return customer


def test_the_statement_opens_lists_and_closes_the_range(account):
    statement = build_statement(account, START, END)

    assert statement.opening_balance == Decimal("300.00")  # 500 invoiced - 200 paid
    assert [(line.date, line.kind, line.charge, line.credit, line.balance)
            for line in statement.lines] == [
        (START, "invoice", Decimal("40.00"), Decimal("0.00"), Decimal("340.00")),
        (START, "payment", Decimal("0.00"), Decimal("100.00"), Decimal("240.00")),
        (datetime.date(2025, 3, 15), "invoice", Decimal("300.00"), Decimal("0.00"),
         Decimal("540.00")),
        (END, "payment", Decimal("0.00"), Decimal("50.00"), Decimal("490.00")),
    ]
    assert statement.closing_balance == Decimal("490.00")
    assert (statement.total_charges, statement.total_credits) == (Decimal("340.00"),
                                                                  Decimal("150.00"))
    assert statement.closing_balance == (statement.opening_balance + statement.total_charges
                                         - statement.total_credits)
    assert statement.currency == "USD"


def test_consecutive_statements_chain(account):
    march = build_statement(account, START, END)
    april = build_statement(account, datetime.date(2025, 4, 1), datetime.date(2025, 4, 30))
    assert april.opening_balance == march.closing_balance
    assert april.closing_balance == march.closing_balance + Decimal("700.00") - Decimal("70.00")


def test_a_statement_with_nothing_in_range_carries_the_balance(account):
    statement = build_statement(account, datetime.date(2025, 2, 21), datetime.date(2025, 2, 28))
    assert statement.lines == []
    assert statement.opening_balance == statement.closing_balance == Decimal("300.00")


def test_a_card_payment_appears_on_the_day_it_was_made(make_active_contact, make_invoice):
    contact = make_active_contact()
    today = datetime.date.today()
    invoice = make_invoice(contact.customer, "80.00", issue_date=today)
    pay_invoice(ContactScope.for_contact(contact.id), invoice.id, "30.00", method="card",
                idempotency_key="k", card=Card("4242424242424242", "12/39", "123"))

    statement = build_statement(contact.customer, today, today)

    assert [line.kind for line in statement.lines] == ["invoice", "payment"]
    assert statement.closing_balance == Decimal("50.00")


@pytest.mark.parametrize("start, end", [(END, START), (None, END), (START, None),
                                        (datetime.date(2019, 1, 1), END)])
def test_a_bad_range_is_refused(account, start, end):
    with pytest.raises(ValidationError) as caught:
        build_statement(account, start, end)
    assert caught.value.field == "start"


def test_the_web_page_reads_one_page_and_agrees_with_the_whole_statement(
        make_active_contact, make_invoice, admin):
    # 23 lines over a range, several on the same day (an invoice and a payment, two payments),
    # one refunded in part: every page, read on its own, shows what the whole statement has
    # at that place, with the same balances brought and carried forward.
    from core.models import Payment
    from core.queries.statement import statement_with_page

    customer = make_active_contact().customer
    make_invoice(customer, "80.00", issue_date=datetime.date(2025, 2, 1))  # before: opening
    for n in range(12):
        day = START + datetime.timedelta(days=n // 2)
        invoice = make_invoice(customer, f"{100 + n}.10", issue_date=day)
        if n % 3 != 2:
            record_offline_payment(Actor.staff(admin.id), invoice.id, f"{10 + n}.05",
                                   paid_at=at(day, 9 + n % 3))
    refunded = Payment.select().order_by(Payment.id).first()
    Payment.update(refunded_amount=Decimal("3.00")).where(Payment.id == refunded.id).execute()
    whole = build_statement(customer, START, END)
    assert len(whole.lines) == 20

    for number in (1, 2, 3):
        first = (number - 1) * 7
        expected = whole.lines[first:first + 7]
        statement, page = statement_with_page(customer, START, END, number, per_page=7)
        assert [vars(line) for line in page.items] == [vars(line) for line in expected]
        assert (page.page, page.pages, page.total) == (number, 3, 20)
        assert page.extra == {
            "brought_forward": whole.lines[first - 1].balance if first else None,
            "carried_forward": expected[-1].balance if number < 3 else None}
        assert (statement.opening_balance, statement.closing_balance, statement.total_charges,
                statement.total_credits) == (whole.opening_balance, whole.closing_balance,
                                             whole.total_charges, whole.total_credits)
    # A page past the end shows the last one.
    assert statement_with_page(customer, START, END, 9, per_page=7)[1].page == 3
