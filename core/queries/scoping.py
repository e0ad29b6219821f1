"""The one scoping helper every contact-facing read passes through.

A `ContactScope` is built from the signed-in contact; every query it gives is limited to that
contact's customer, so an id from a request can only ever reach this customer's records.
Another customer's record and a missing one both raise the same NotFoundError.

The contact's role narrows that further: a Billing contact sees invoices, payments and the
statement, an Orders contact quotes, sales orders and shipments; what a role can't see reads
as empty and answers NotFoundError, exactly as a module the organization turned off.
"""

from core.errors import NotFoundError
from core.models import (
    Comment,
    Contact,
    Customer,
    Invoice,
    Organization,
    Payment,
    PortalPreferences,
    Quote,
    SalesOrder,
    Shipment,
)
from core.prepared import Param, PreparedSelect

DOCUMENT_MODELS = {
    "quote": Quote,
    "sales_order": SalesOrder,
    "invoice": Invoice,
    "shipment": Shipment,
}
# Which portal module shows each kind of record.
DOCUMENT_MODULE = {
    "quote": "show_quotes",
    "sales_order": "show_sales_orders",
    "invoice": "show_invoices",
    "shipment": "show_shipments",
    "payment": "show_payments",
    "statement": "show_statement",
}
# Roles from the narrowest up; a Company admin sees everything and manages the contacts.
ROLES = ("billing", "orders", "full", "admin")
ROLE_AREAS = {
    "billing": frozenset({"invoice", "payment", "statement"}),
    "orders": frozenset({"quote", "sales_order", "shipment"}),
    "full": frozenset(DOCUMENT_MODULE),
    "admin": frozenset(DOCUMENT_MODULE),
}


def role_sees(role: str, kind: str) -> bool:
    """True when a contact of this role may see this kind of record."""
    return kind in ROLE_AREAS.get(role, ())


def who_cannot_see(contact: Contact, preferences: PortalPreferences, kind: str) -> str | None:
    """Why this contact does not see a record of this kind (module, role, access), or None.

    The reasons come in the order a staff member would fix them: a module turned off hides it
    from everyone, then the contact's role, then its access state.
    """
    flag = DOCUMENT_MODULE.get(kind)
    if flag is not None and not getattr(preferences, flag):
        return "module"
    if not role_sees(contact.role, kind):
        return "role"
    if contact.portal_state != "active":
        return "access"
    return None
HIDDEN_STATUSES = {"quote": ("draft",), "sales_order": ("draft",),
                   "invoice": ("draft",), "shipment": ()}


# Every signed-in portal request reads this: its SQL is built once (see core.prepared).
_CONTACT_IN_ORGANIZATION = PreparedSelect(lambda: (
    Contact.select(Contact, Customer)
    .join(Customer)
    .where(Contact.id == Param("contact"), Contact.organization == Param("organization"))
    .limit(1)))


class ContactScope:
    """Reads limited to one active contact's customer."""

    def __init__(self, contact: Contact, customer: Customer, organization: Organization,
                 preferences: PortalPreferences):
        self.contact = contact
        self.customer = customer
        self.organization = organization
        self.preferences = preferences

    @classmethod
    def for_contact(cls, contact_id: int, session_version: int | None = None, *,
                    organization: Organization | None = None,
                    preferences: PortalPreferences | None = None) -> "ContactScope":
        """The scope of an active contact (one query); NotFoundError when it may not sign in.

        A caller that already holds the organization and its preferences (the portal resolves
        them from the URL) passes them, and only the contact and its customer are read.
        """
        if organization is not None and preferences is not None:
            row = _CONTACT_IN_ORGANIZATION.first(contact=int(contact_id),
                                                 organization=organization.id)
            return cls.of_contact_row(row, session_version, organization, preferences)
        row = (Contact.select(Contact, Customer, Organization, PortalPreferences)
               .join(Customer).switch(Contact)
               .join(Organization)
               .join(PortalPreferences, on=(PortalPreferences.organization == Organization.id))
               .where(Contact.id == contact_id)
               .first())
        if row is None or row.portal_state != "active":
            raise NotFoundError()
        if session_version is not None and row.session_version != session_version:
            raise NotFoundError()
        return cls(row, row.customer, row.organization, row.organization.portalpreferences)

    @classmethod
    def of_contact_row(cls, row: Contact | None, session_version: int | None,
                       organization: Organization,
                       preferences: PortalPreferences) -> "ContactScope":
        """The scope of a contact row already read with its customer (from this organization);
        NotFoundError when there is none, or it may not sign in, or the session is stale."""
        if (row is None or row.id is None or row.organization_id != organization.id
                or row.portal_state != "active"
                or session_version is not None and row.session_version != session_version):
            raise NotFoundError()
        row.organization = organization
        return cls(row, row.customer, organization, preferences)

    def module_enabled(self, kind: str) -> bool:
        """True when this contact sees this kind of record: the organization shows the module
        and the contact's role includes it."""
        flag = DOCUMENT_MODULE.get(kind)
        if flag is None:
            return True
        return bool(getattr(self.preferences, flag)) and role_sees(self.contact.role, kind)

    @property
    def is_company_admin(self) -> bool:
        """True when the contact manages its customer's contacts."""
        return self.contact.role == "admin"

    def documents(self, kind: str):
        """A query over this customer's visible documents of one kind."""
        model = DOCUMENT_MODELS[kind]
        if not self.module_enabled(kind):
            return model.select().where(False)
        query = model.select().where(model.customer == self.customer.id)
        hidden = HIDDEN_STATUSES[kind]
        if hidden:
            query = query.where(model.status.not_in(hidden))
        return query

    def get_document(self, kind: str, document_id):
        """One of this customer's documents, or NotFoundError."""
        if kind not in DOCUMENT_MODELS:
            raise NotFoundError()
        try:
            document_id = int(document_id)
        except (TypeError, ValueError):
            raise NotFoundError() from None
        model = DOCUMENT_MODELS[kind]
        document = self.documents(kind).where(model.id == document_id).first()
        if document is None:
            raise NotFoundError()
        return document

    def payments(self):
        """This customer's payments (not voided ones)."""
        if not self.module_enabled("payment"):
            return Payment.select().where(False)
        return Payment.select().where(Payment.customer == self.customer.id,
                                      Payment.status != "void")

    def get_payment(self, payment_id):
        """One of this customer's payments, or NotFoundError."""
        try:
            payment_id = int(payment_id)
        except (TypeError, ValueError):
            raise NotFoundError() from None
        payment = self.payments().where(Payment.id == payment_id).first()
        if payment is None:
            raise NotFoundError()
        return payment

    def comments(self, kind: str, document_id: int):
        """The comment thread of one of this customer's documents."""
        self.get_document(kind, document_id)
        return (Comment.select()
                .where(Comment.customer == self.customer.id, Comment.document_type == kind,
                       Comment.document_id == document_id)
                .order_by(Comment.created_at, Comment.id))


def contacts_who_see(customer_id: int, preferences: PortalPreferences, kind: str) -> list[Contact]:
    """The customer's active contacts with an email whose role sees this kind of record (none
    when the module is off): who an email about such a record goes to."""
    flag = DOCUMENT_MODULE.get(kind)
    if flag is not None and not getattr(preferences, flag):
        return []
    roles = [role for role in ROLES if role_sees(role, kind)]
    return list(Contact.select().where(Contact.customer == customer_id,
                                       Contact.portal_state == "active",
                                       Contact.email.is_null(False), Contact.role.in_(roles))
                .order_by(Contact.is_primary.desc(), Contact.id))

