"""One clock and one set of document rules: overdue, expired, payable, the status shown, all
on the organization's calendar day, also where that day is far from UTC's."""

import datetime
from decimal import Decimal

import pytest

from core import document_rules
from core.audit import Actor
from core.errors import InvalidStateError
from core.models import Invoice, Organization, Quote
from core.queries import portal
from core.queries.scoping import ContactScope
from core.services import documents
from core.services.sales import create_quote

# 10:30 UTC on 2 December: already 3 December at UTC+14, still 1 December at UTC-11.
NOON_UTC = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=datetime.UTC)
DEC_1, DEC_2, DEC_3 = (datetime.date(2026, 12, d) for d in (1, 2, 3))


@pytest.fixture
def at_noon_utc(monkeypatch):
    monkeypatch.setattr(document_rules, "current_time", lambda: NOON_UTC)


def _in_zone(org, zone):
    Organization.update(timezone=zone).where(Organization.id == org.id).execute()
    return Organization.get_by_id(org.id)


def test_today_is_the_organizations_calendar_day():
    kiritimati = Organization(timezone="Pacific/Kiritimati")
    pago_pago = Organization(timezone="Pacific/Pago_Pago")
    assert document_rules.today_for(kiritimati, NOON_UTC) == DEC_3
    assert document_rules.today_for(pago_pago, NOON_UTC) == DEC_1
    assert document_rules.today_for(Organization(timezone="UTC"), NOON_UTC) == DEC_2
    assert document_rules.today_for(Organization(timezone="Not/AZone"), NOON_UTC) == DEC_2
    one_minute_to_midnight = datetime.datetime(2026, 12, 2, 9, 59, tzinfo=datetime.UTC)
    assert document_rules.today_for(kiritimati, one_minute_to_midnight) == DEC_2


def test_an_invoice_is_overdue_from_the_day_after_it_is_due():
    invoice = Invoice(status="sent", due_date=DEC_2, balance=Decimal("5"))
    assert not document_rules.is_overdue(invoice, DEC_2)
    assert document_rules.is_overdue(invoice, DEC_3)
    assert document_rules.shown_status("invoice", invoice, DEC_3) == "overdue"
    assert document_rules.shown_status("invoice", invoice, DEC_2) == "sent"
    paid = Invoice(status="paid", due_date=DEC_1, balance=Decimal("0"))
    assert not document_rules.is_overdue(paid, DEC_3)
    assert not document_rules.is_payable(paid)
    assert document_rules.is_payable(invoice)


def test_a_quote_is_expired_from_the_day_after_its_expiry_date():
    quote = Quote(status="sent", expiry_date=DEC_2)
    assert document_rules.can_respond(quote, DEC_2)
    assert document_rules.is_expired(quote, DEC_3) and not document_rules.can_respond(quote,
                                                                                       DEC_3)
    assert document_rules.shown_status("quote", quote, DEC_3) == "expired"
    assert document_rules.shown_status("quote", Quote(status="expired"), DEC_1) == "expired"
    assert not document_rules.is_expired(Quote(status="sent", expiry_date=None), DEC_3)
    assert not document_rules.is_expired(Quote(status="accepted", expiry_date=DEC_1), DEC_3)


@pytest.mark.parametrize("zone, overdue", [("Pacific/Kiritimati", True),
                                           ("Pacific/Pago_Pago", False)])
def test_home_and_the_overdue_filter_use_the_organizations_day(
        at_noon_utc, org, make_active_contact, make_invoice, zone, overdue):
    _in_zone(org, zone)
    contact = make_active_contact()
    due_today_in_utc = make_invoice(contact.customer, "40.00", issue_date=DEC_1, due_in=1)
    scope = ContactScope.for_contact(contact.id)

    summary = portal.home_summary(scope)
    assert (summary.overdue_count, summary.overdue) == ((1, Decimal("40.00")) if overdue
                                                        else (0, Decimal("0.00")))
    [recent] = summary.recent_invoices
    shown = document_rules.shown_status("invoice", recent,
                                        document_rules.today_for(scope.organization))
    assert shown == ("overdue" if overdue else "sent")
    listed = portal.list_invoices(scope, status="overdue")
    assert [i.id for i in listed.items] == ([due_today_in_utc.id] if overdue else [])


@pytest.mark.parametrize("zone, expired", [("Pacific/Kiritimati", True),
                                           ("Pacific/Pago_Pago", False)])
def test_the_quote_filters_and_answers_use_the_organizations_day(
        at_noon_utc, org, make_active_contact, zone, expired):
    org = _in_zone(org, zone)
    contact = make_active_contact()
    system = Actor.system(org.id)
    quote = create_quote(system, contact.customer_id, "Q-EDGE", [
        {"description": "Work", "quantity": 1, "rate": Decimal("10")}],
        issue_date=DEC_1 - datetime.timedelta(days=10), expiry_date=DEC_2)
    marked = create_quote(system, contact.customer_id, "Q-MARKED", [
        {"description": "Work", "quantity": 1, "rate": Decimal("10")}],
        issue_date=DEC_1 - datetime.timedelta(days=10), status="expired")
    scope = ContactScope.for_contact(contact.id)

    expired_ids = {q.id for q in portal.list_quotes(scope, status="expired").items}
    awaiting_ids = {q.id for q in portal.list_quotes(scope, status="sent").items}
    assert expired_ids == ({quote.id, marked.id} if expired else {marked.id})
    assert awaiting_ids == (set() if expired else {quote.id})
    [home_quote, _] = sorted(portal.home_summary(scope).recent_quotes, key=lambda q: q.id)
    today = document_rules.today_for(scope.organization)
    assert document_rules.shown_status("quote", home_quote, today) == (
        "expired" if expired else "sent")
    if expired:
        with pytest.raises(InvalidStateError, match="expired"):
            documents.accept_quote(scope, quote.id, "Ana Example")
        assert Quote.get_by_id(quote.id).status == "sent"
    else:
        assert documents.accept_quote(scope, quote.id, "Ana Example").status == "accepted"
