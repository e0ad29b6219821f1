"""A contact's lists cost the same number of queries for 10 records as for 1,000."""

import datetime

from playhouse.test_utils import count_queries

from core import db
from core.audit import Actor
from core.queries import portal
from core.services.payments import record_offline_payment
from core.services.sales import create_invoice, create_sales_order, create_shipment

LINE = [{"description": "Widgets", "quantity": 2, "rate": "5.00"}]


def add_records(customer, start: int, stop: int, admin) -> None:
    """Invoices (each partly paid), sales orders and their shipments numbered start..stop-1."""
    today = datetime.date.today()
    for n in range(start, stop):
        invoice = create_invoice(Actor.system(customer.organization_id), customer.id,
                                 f"INV-{n:05d}", LINE,
                                 issue_date=today - datetime.timedelta(days=n % 90))
        record_offline_payment(Actor.staff(admin.id), invoice.id, "1.00")
        order = create_sales_order(Actor.system(customer.organization_id), customer.id,
                                   f"SO-{n:05d}", LINE, order_date=today)
        create_shipment(Actor.system(order.organization_id), order.id, f"SH-{n:05d}",
                        carrier="DHL", tracking_number=f"T{n}")


def cost_of_each_list(scope) -> dict[str, int]:
    """Queries each list costs, reading what its page shows (including related records)."""
    readers = {
        "invoices": lambda: [(i.number, i.balance, i.status) for i in
                             portal.list_invoices(scope, per_page=100).items],
        "outstanding invoices": lambda: [i.number for i in
                                         portal.list_invoices(scope, status="overdue").items],
        "quotes": lambda: [q.number for q in portal.list_quotes(scope).items],
        "sales orders": lambda: [(o.number, o.fulfilment) for o in
                                 portal.list_sales_orders(scope, per_page=100).items],
        "shipments": lambda: [(s.number, s.sales_order.number) for s in
                              portal.list_shipments(scope, per_page=100).items],
        "payments": lambda: [(p.number, p.invoice.number) for p in
                             portal.list_payments(scope, per_page=100).items],
        "home": lambda: portal.home_summary(scope),
    }
    costs = {}
    for name, read in readers.items():
        # Warm: on PostgreSQL a connection prepares each statement once (PREPARE), on its first
        # use; what a page costs is what it runs on every visit after that.
        read()
        with count_queries() as counter:
            read()
        costs[name] = counter.count
    return costs


def test_lists_cost_the_same_number_of_queries_for_10_and_1000_records(
        make_active_contact, scope_of, admin):
    contact = make_active_contact()
    add_records(contact.customer, 0, 10, admin)
    small = cost_of_each_list(scope_of(contact))

    add_records(contact.customer, 10, 1000, admin)
    scope = scope_of(contact)
    large = cost_of_each_list(scope)

    assert portal.list_invoices(scope).total == 1000
    assert portal.list_shipments(scope).total == 1000
    assert large == small
    assert max(large.values()) <= 5, large


def test_the_invoice_list_counts_in_the_page_query_and_shows_the_last_page_past_the_end(
        make_active_contact, scope_of, make_invoice):
    contact = make_active_contact()
    made = [make_invoice(contact.customer, f"{n}.00") for n in range(1, 6)]
    scope = scope_of(contact)
    with count_queries() as counter:
        first = portal.list_invoices(scope, per_page=2)
    # PostgreSQL counts in the page's query (a round trip saved), SQLite in an index-only COUNT.
    assert (first.total, first.page, len(first.items)) == (5, 1, 2)
    assert counter.count == (1 if db.is_postgres() else 2)
    past = portal.list_invoices(scope, page=99, per_page=2)
    assert (past.total, past.page) == (5, 3)
    assert [i.id for i in past.items] == [made[0].id]
    paid = portal.list_invoices(scope, status="paid", page=4, per_page=2)
    assert (paid.total, paid.page, paid.items) == (0, 1, [])


def test_the_console_overview_reads_contacts_and_their_invitation_emails_in_one_query(
        admin, make_customer):
    from core.queries.staff import CustomerFilters, get_customer_overview, list_customers
    from core.services.customers import add_contact

    customer = make_customer(allow_portal_access=True)

    def cost() -> tuple[int, int]:
        with count_queries() as overview:
            contacts = get_customer_overview(customer.organization_id, customer.id).contacts
            [(c.full_name, c.invitation_email_status, c.invitation_email_error) for c in contacts]
        with count_queries() as failed_list:
            list_customers(customer.organization_id, CustomerFilters(invitation_failed=True,
                                                                     invitation_stale=True))
        return overview.count, failed_list.count

    small = cost()
    for n in range(20):
        add_contact(Actor.staff(admin.id), customer.id, first_name=f"C{n}",
                    email=f"c{n}@more.example")
    assert cost() == small


def test_the_invoice_page_and_the_statement_read_a_fixed_number_of_queries(
        make_active_contact, scope_of, make_invoice, admin):
    from core.queries.statement import build_statement, statement_with_page
    from core.services.comments import add_contact_comment

    contact = make_active_contact()
    scope = scope_of(contact)
    invoice = make_invoice(contact.customer, "500.00")
    make_invoice(contact.customer, "2.00")  # a second line: the statement has a page 2 of 1
    year = (datetime.date.today() - datetime.timedelta(days=365), datetime.date.today())

    def costs():
        readers = {
            "invoice page": lambda: portal.get_invoice_detail(scope, invoice.id),
            "statement": lambda: build_statement(scope.customer, *year),
            "statement page": lambda: statement_with_page(scope.customer, *year),
            "statement, a later page": lambda: statement_with_page(scope.customer, *year, 2,
                                                                   per_page=1),
        }
        found = {}
        for name, read in readers.items():
            read()
            with count_queries() as counter:
                read()
            found[name] = counter.count
        return found

    few = costs()
    for n in range(40):
        record_offline_payment(Actor.staff(admin.id), invoice.id, "1.00")
        add_contact_comment(scope, "invoice", invoice.id, f"Question {n}")
        make_invoice(contact.customer, "3.00")
    detail = portal.get_invoice_detail(scope, invoice.id)
    assert (len(detail.payments), len(detail.comments)) == (40, 40)
    assert costs() == few == {"invoice page": 4, "statement": 3, "statement page": 2,
                              "statement, a later page": 3}
