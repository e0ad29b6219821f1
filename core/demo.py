"""Demo data: "Acme Trading" with staff, about 40 customers in six languages, and their papers."""

import datetime
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

from core import money
from core.audit import Actor
from core.db import transaction
from core.errors import DoorstepError
from core.gateways import Card
from core.models import AccessToken, Contact, Organization, utcnow
from core.queries.scoping import ContactScope
from core.security import derive_token
from core.services import access, comments, customers, organizations, payments, sales, staff
from core.services.documents import record_invoice_view

DEMO_NAME = "Acme Trading"
DEFAULT_PASSWORD = "doorstep-demo"

# (display name, company, language, contact first/last names, planned portal state)
CUSTOMERS = [
    ("Brightwater Supplies", "Brightwater Supplies Ltd", "en", ("Olivia", "Parker"), "active"),
    ("Northwind Retail", "Northwind Retail Inc", "en", ("James", "Carter"), "active"),
    ("Harbor & Main", "Harbor & Main LLC", "en", ("Emma", "Hughes"), "invited"),
    ("Maple Leaf Foods", "Maple Leaf Foods Co", "en", ("Liam", "Walker"), "not_invited"),
    ("Summit Outdoor", "Summit Outdoor Gear", "en", ("Ava", "Bennett"), "invited"),
    ("Redwood Hardware", "Redwood Hardware", "en", ("Noah", "Foster"), "disabled"),
    ("Pioneer Office", "Pioneer Office Supply", "en", ("Mia", "Russell"), "not_invited"),
    ("Bäckerei Schulz", "Bäckerei Schulz GmbH", "de", ("Lena", "Schulz"), "active"),
    ("Müller Maschinenbau", "Müller Maschinenbau AG", "de", ("Jonas", "Müller"), "invited"),
    ("Weber Logistik", "Weber Logistik GmbH", "de", ("Anna", "Weber"), "not_invited"),
    ("Fischer Elektro", "Fischer Elektro KG", "de", ("Felix", "Fischer"), "invited"),
    ("Hoffmann Möbel", "Hoffmann Möbel GmbH", "de", ("Sophie", "Hoffmann"), "not_invited"),
    ("Boulangerie Martin", "Boulangerie Martin SARL", "fr", ("Camille", "Martin"), "active"),
    ("Dubois Textiles", "Dubois Textiles SA", "fr", ("Louis", "Dubois"), "invited"),
    ("Lefèvre Vins", "Domaine Lefèvre", "fr", ("Chloé", "Lefèvre"), "not_invited"),
    ("Moreau Bâtiment", "Moreau Bâtiment SAS", "fr", ("Hugo", "Moreau"), "invited"),
    ("Garnier Cosmétiques", "Garnier Cosmétiques", "fr", ("Manon", "Garnier"), "not_invited"),
    ("Ferretería García", "Ferretería García S.L.", "es", ("Lucía", "García"), "active"),
    ("Distribuciones López", "Distribuciones López S.A.", "es", ("Mateo", "López"), "invited"),
    ("Panadería Ruiz", "Panadería Ruiz", "es", ("Sofía", "Ruiz"), "not_invited"),
    ("Textiles Navarro", "Textiles Navarro S.L.", "es", ("Daniel", "Navarro"), "invited"),
    ("Café Morales", "Café Morales", "es", ("Valeria", "Morales"), "not_invited"),
    ("山田商事", "山田商事株式会社", "ja", ("太郎", "山田"), "active"),
    ("佐藤電機", "佐藤電機株式会社", "ja", ("花子", "佐藤"), "invited"),
    ("鈴木食品", "鈴木食品株式会社", "ja", ("一郎", "鈴木"), "not_invited"),
    ("高橋建設", "高橋建設株式会社", "ja", ("美咲", "高橋"), "invited"),
    ("田中物産", "田中物産株式会社", "ja", ("健", "田中"), "not_invited"),
    ("شركة النور", "شركة النور للتجارة", "ar", ("أحمد", "الحسن"), "active"),
    ("مؤسسة الفجر", "مؤسسة الفجر", "ar", ("فاطمة", "الزهراء"), "invited"),
    ("دار السلام", "دار السلام للتوريدات", "ar", ("يوسف", "العلي"), "not_invited"),
    ("الواحة للأغذية", "شركة الواحة للأغذية", "ar", ("مريم", "خالد"), "invited"),
    ("النخيل التجارية", "النخيل التجارية", "ar", ("عمر", "سعيد"), "not_invited"),
    ("Cedar Crafts", "Cedar Crafts Co", "en", ("Grace", "Mitchell"), "not_invited"),
    ("Bluebird Studio", "Bluebird Studio", "en", ("Henry", "Cooper"), "invited"),
    ("Granite Works", "Granite Works", None, ("Ella", "Reed"), "not_invited"),
    ("Lighthouse Books", "Lighthouse Books", None, ("Jack", "Morgan"), "active"),
    ("Orchard Market", "Orchard Market", "en", ("Zoe", "Bailey"), "not_invited"),
    ("Silverline Tools", "Silverline Tools", "en", ("Leo", "Ward"), "not_invited"),
    ("Cobalt Digital", "Cobalt Digital", "en", (None, None), "no_email"),
    ("Willow Events", "Willow Events", "en", ("Ruby", "Gray"), "not_invited"),
]
CURRENCY = {"en": "USD", "de": "EUR", "fr": "EUR", "es": "EUR", "ja": "JPY", "ar": "AED",
            None: "USD"}
ITEMS = [
    ("WID-100", "Steel widget", "pcs", "12.50"),
    ("GEAR-220", "Precision gear set", "set", "89.00"),
    ("BOLT-M8", "M8 bolts (box of 100)", "box", "18.90"),
    ("PUMP-3", "Hydraulic pump 3kW", "pcs", "640.00"),
    ("CABLE-10", "Power cable 10 m", "pcs", "24.00"),
    ("PAL-EUR", "Euro pallet", "pcs", "15.00"),
    ("OIL-5L", "Machine oil 5 L", "can", "32.00"),
    ("GLOVE-L", "Work gloves, size L", "pair", "7.80"),
]


class DemoExistsError(DoorstepError):
    """The database already holds the demo organization."""

    message = "The demo organization already exists in this database."


@dataclass
class DemoSignIn:
    """One sign-in a person can use right away (or an account in another state)."""

    email: str
    password: str | None
    name: str
    customer: str = ""
    language: str = ""
    state: str = ""
    role: str = ""


@dataclass
class DemoResult:
    """What `seed_demo` made: the organization and the sign-ins."""

    organization: str
    slug: str
    staff: list
    contacts: list

    def as_dict(self, portal_base_url: str, console_url: str) -> dict:
        """Plain data for JSON output."""
        return {"organization": self.organization, "slug": self.slug,
                "portal_url": f"{portal_base_url}/{self.slug}/", "console_url": console_url,
                "staff": [asdict(s) for s in self.staff],
                "contacts": [asdict(c) for c in self.contacts]}


def demo_exists() -> bool:
    """True when the demo organization is already in the database."""
    return Organization.select().where(Organization.name == DEMO_NAME).exists()


def seed_demo(password: str = DEFAULT_PASSWORD, seed: int = 7) -> DemoResult:
    """Create the demo organization and everything in it."""
    if demo_exists():
        raise DemoExistsError()
    rng = random.Random(seed)
    today = datetime.date.today()
    org = organizations.create_organization(DEMO_NAME, default_language="en", currency="USD",
                                            email="billing@acme-trading.example",
                                            address="1 Harbour Road, Portsmouth")
    system = Actor.system(org.id)
    organizations.update_portal_preferences(
        system, allow_signup=True,
        banner_text="Holiday hours: orders placed after 20 December ship on 5 January.",
        bank_transfer_instructions="Acme Trading · IBAN GB33 BUKB 2020 1555 5555 55 · "
                                   "quote the invoice number as reference.")
    admin = staff.create_staff(system, "admin@acme-trading.example", "Alex Admin", password,
                               role="admin")
    member = staff.create_staff(system, "staff@acme-trading.example", "Sam Staff", password)
    admin_actor = Actor.staff(admin.id, organization_id=org.id)
    member_actor = Actor.staff(member.id, organization_id=org.id)
    items = [sales.create_item(system, sku, name, rate, unit=unit,
                               stock_on_hand=rng.randint(0, 500))
             for sku, name, unit, rate in ITEMS]

    contacts_out, counters = [], {"Q": 0, "SO": 0, "INV": 0, "SH": 0}

    def number(prefix: str) -> str:
        counters[prefix] += 1
        return f"{prefix}-{counters[prefix]:05d}"

    def lines(n: int) -> list[dict]:
        picked = rng.sample(items, n)
        return [{"item_id": i.id, "description": i.name, "quantity": rng.randint(1, 20),
                 "rate": i.rate} for i in picked]

    for index, (name, company, language, (first, last), state) in enumerate(CUSTOMERS):
        slug_name = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum()) or \
            f"customer{index + 1}"
        email = None if state == "no_email" else f"{slug_name[:20]}.{index + 1}@example.com"
        contacts_in = [{"first_name": first or "Accounts", "last_name": last or "",
                        "email": email, "is_primary": True}]
        if index % 4 == 0:
            contacts_in.append({"first_name": "Pat", "last_name": f"Buyer {index + 1}",
                                "email": f"buyer.{index + 1}@example.com"})
        customer = customers.create_customer(
            admin_actor, display_name=name, company_name=company,
            phone=f"+1 555 01{index:02d}", currency=CURRENCY[language],
            portal_language=language, contacts=contacts_in,
            billing_street=f"{10 + index} Market Street", billing_city="Springfield",
            billing_postal_code=f"{10000 + index * 37}", billing_country="",
            shipping_street=f"{10 + index} Market Street", shipping_city="Springfield")
        primary = Contact.get(Contact.customer == customer, Contact.is_primary)
        if state in {"invited", "active", "disabled"}:
            access.invite_contact(admin_actor, primary.id)
        if state == "active" or state == "disabled":
            _activate(primary, password)
        if state == "disabled":
            access.disable_contact(admin_actor, primary.id)
        primary = Contact.get_by_id(primary.id)

        # Documents: a few quotes, orders with shipments, invoices in every status.
        back = rng.randint(20, 200)
        for q in range(2):
            qstatus = ["sent", "accepted", "declined", "expired"][(index + q) % 4]
            expires_in = -10 if qstatus == "expired" else 30
            sales.create_quote(system, customer.id, number("Q"), lines(rng.randint(1, 3)),
                               issue_date=today - datetime.timedelta(days=back - 5 * q),
                               expiry_date=today + datetime.timedelta(days=expires_in),
                               status="sent" if qstatus == "expired" else qstatus)
        order = sales.create_sales_order(system, customer.id, number("SO"),
                                         lines(rng.randint(2, 4)),
                                         order_date=today - datetime.timedelta(days=back),
                                         expected_shipment_date=today + datetime.timedelta(days=5))
        if index % 4 != 3:
            # Every stage of a journey, delivered ones too, with carriers the portal links to
            # (and a local courier it does not know: no link).
            carrier, tracking = DEMO_CARRIERS[index % len(DEMO_CARRIERS)]
            base = utcnow() - datetime.timedelta(days=rng.randint(2, 12))
            shipment = sales.create_shipment(
                system, order.id, number("SH"), carrier=carrier,
                tracking_number=tracking.format(rng.randint(10**8, 10**9 - 1)),
                packed_at=base - datetime.timedelta(hours=6))
            for step, (status, place) in enumerate([("shipped", "Portsmouth hub"),
                                                    ("in_transit", "London gateway"),
                                                    ("delivered", "Springfield")][:1 + index % 4]):
                sales.add_tracking_event(system, shipment.id, status, location=place,
                                         occurred_at=base + datetime.timedelta(hours=20 * step))
            _demo_packages(shipment, carrier, tracking, rng)
        invoices = []
        for k in range(4 + index % 3):
            issued = today - datetime.timedelta(days=back - 12 * k)
            invoices.append(sales.create_invoice(
                system, customer.id, number("INV"), lines(rng.randint(1, 4)), issue_date=issued,
                due_date=issued + datetime.timedelta(days=30), sales_order_id=order.id,
                status="sent" if k or index % 5 else "draft", tax_rate=Decimal("0.10")))
        sent = [inv for inv in invoices if inv.status == "sent"]
        if sent:
            paid = sent[0]
            payments.record_offline_payment(admin_actor, paid.id, paid.total,
                                            reference="Transfer",
                                            paid_at=utcnow() - datetime.timedelta(days=3))
        if primary.portal_state == "active" and len(sent) > 2:
            scope = ContactScope.for_contact(primary.id)
            record_invoice_view(scope, sent[1].id)
            # Half, in the currency's smallest unit (a yen invoice is paid in whole yen).
            unit = Decimal(1).scaleb(-money.currency_decimals(sent[1].currency))
            half = (sent[1].total / 2).quantize(unit)
            payments.pay_invoice(scope, sent[1].id, half, method="card",
                                 idempotency_key=f"demo-{sent[1].id}",
                                 card=Card("4242424242424242", "12/30", "123"))
            comments.add_contact_comment(scope, "sales_order", order.id,
                                         "Could you deliver to the back entrance, please?")
            comments.add_staff_comment(member_actor, "sales_order", order.id,
                                       "Of course — noted for the driver.")
        if primary.email:
            contacts_out.append(DemoSignIn(
                email=primary.email, password=password if primary.portal_state == "active"
                else None, name=primary.full_name, customer=name,
                language=language or org.default_language, state=primary.portal_state))
    return DemoResult(org.name, org.slug,
                      [DemoSignIn(admin.email, password, admin.name, role="admin"),
                       DemoSignIn(member.email, password, member.name, role="staff")],
                      contacts_out)


DEMO_CARRIERS = [("DHL Express", "JD0146{}"), ("UPS", "1Z999AA1{}"), ("Royal Mail", "RM{}GB"),
                 ("Yamato", "4{}"), ("Springfield Couriers", "SC-{}")]


def _demo_packages(shipment, carrier: str, tracking: str, rng: random.Random) -> None:
    """Every other shipment goes in two parcels, each with its own tracking number."""
    lines = list(shipment.lines)
    if shipment.id % 2 or len(lines) < 2:
        return
    half = len(lines) // 2
    system = Actor.system(shipment.organization_id)
    sales.set_shipment_packages(system, shipment.id, [
        {"carrier": carrier, "tracking_number": tracking.format(rng.randint(10**8, 10**9 - 1)),
         "weight": Decimal(rng.randint(5, 200)) / 10, "weight_unit": "kg",
         "lines": [{"description": line.description, "quantity": line.quantity}
                   for line in part]}
        for part in (lines[:half], lines[half:])])


def _activate(contact: Contact, password: str) -> None:
    """Accept the contact's invitation as the contact would, through the link's token."""
    with transaction():
        token = (AccessToken.select().where(AccessToken.contact == contact,
                                            AccessToken.purpose == "invitation",
                                            AccessToken.used_at.is_null(),
                                            AccessToken.revoked_at.is_null()).get())
    access.accept_invitation(contact.organization_id, derive_token("invitation", token.nonce),
                             password)
