"""A realistic organization for the benchmarks, loaded through bulk inserts.

Rows are built from a seeded random generator and written in batches: `executemany` inside
transactions on SQLite, `COPY` on PostgreSQL. Secondary indexes (and, on PostgreSQL, foreign
keys) are dropped for the load and rebuilt after it, which is how a bulk load is done anyway.
The denormalised customer fields — outstanding balance, portal status, last viewed, search
text — are filled the way the services would have written them.

    python -m bench.generate --size small [--engine sqlite|postgres] [--seed 1]
"""

import argparse
import csv
import datetime
import io
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal

from bench import database as bench_db
from core import db
from core.audit import Actor
from core.models import (
    AccessToken,
    Comment,
    Contact,
    Customer,
    Invoice,
    InvoiceLine,
    Item,
    Payment,
    Quote,
    QuoteLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    TrackingEvent,
    utcnow,
)
from core.security import derive_token, hash_password, hash_token
from core.services.customers import search_text_of

GENERATOR_VERSION = 3
PASSWORD = "bench-password-42"  # every active contact's and staff member's password
ORGANIZATION_NAME = "Bench Wholesale"
STAFF = [("admin@bench-wholesale.example", "Avery Admin", "admin"),
         ("sam@bench-wholesale.example", "Sam Staff", "staff"),
         ("kim@bench-wholesale.example", "Kim Clerk", "staff")]


@dataclass(frozen=True)
class Size:
    """How much data one benchmark size holds."""

    name: str
    customers: int
    contacts: int
    invoices: int
    sales_orders: int
    quotes: int
    comments: int


SIZES = {
    "tiny": Size("tiny", 60, 200, 600, 120, 60, 30),  # the smoke test's
    "small": Size("small", 1_000, 5_000, 10_000, 2_000, 1_000, 200),
    "medium": Size("medium", 10_000, 50_000, 100_000, 20_000, 10_000, 2_000),
    "large": Size("large", 10_000, 50_000, 1_000_000, 200_000, 100_000, 20_000),
    # The console's customer list at 100,000 customers.
    "customers100k": Size("customers100k", 100_000, 200_000, 200_000, 0, 0, 0),
}

# language: (share of customers, currency, rate factor against USD)
LANGUAGES = {"en": (0.50, "USD", 1.0), "de": (0.14, "EUR", 0.92), "fr": (0.10, "EUR", 0.92),
             "es": (0.10, "EUR", 0.92), "ja": (0.08, "JPY", 150.0), "ar": (0.08, "AED", 3.67)}
FIRST_NAMES = {
    "en": ["Olivia", "James", "Emma", "Liam", "Ava", "Noah", "Mia", "Lucas", "Grace", "Henry",
           "Ruby", "Jack", "Zoe", "Leo", "Ella", "Oscar"],
    "de": ["Lena", "Jonas", "Anna", "Felix", "Sophie", "Paul", "Marie", "Lukas"],
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Léa", "Gabriel"],
    "es": ["Lucía", "Mateo", "Sofía", "Daniel", "Valeria", "Pablo", "Elena", "Javier"],
    "ja": ["太郎", "花子", "一郎", "美咲", "健", "陽菜", "翔", "結衣"],
    "ar": ["أحمد", "فاطمة", "يوسف", "مريم", "عمر", "ليلى", "خالد", "نور"],
}
LAST_NAMES = {
    "en": ["Parker", "Carter", "Hughes", "Walker", "Bennett", "Foster", "Russell", "Mitchell",
           "Cooper", "Reed", "Morgan", "Bailey", "Ward", "Gray", "Hayes", "Brooks"],
    "de": ["Schulz", "Müller", "Weber", "Fischer", "Hoffmann", "Becker", "Wagner", "Schäfer"],
    "fr": ["Martin", "Dubois", "Lefèvre", "Moreau", "Garnier", "Laurent", "Girard", "Roux"],
    "es": ["García", "López", "Ruiz", "Navarro", "Morales", "Torres", "Romero", "Díaz"],
    "ja": ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"],
    "ar": ["الحسن", "الزهراء", "العلي", "خالد", "سعيد", "منصور", "حداد", "ناصر"],
}
# Latin spellings for email addresses of names in other scripts.
ROMAN = {"太郎": "taro", "花子": "hanako", "一郎": "ichiro", "美咲": "misaki", "健": "ken",
         "陽菜": "hina", "翔": "sho", "結衣": "yui", "山田": "yamada", "佐藤": "sato",
         "鈴木": "suzuki", "高橋": "takahashi", "田中": "tanaka", "伊藤": "ito",
         "渡辺": "watanabe", "中村": "nakamura", "أحمد": "ahmad", "فاطمة": "fatima",
         "يوسف": "yusuf", "مريم": "maryam", "عمر": "omar", "ليلى": "layla", "خالد": "khalid",
         "نور": "nour", "الحسن": "alhassan", "الزهراء": "alzahra", "العلي": "alali",
         "سعيد": "saeed", "منصور": "mansour", "حداد": "haddad", "ناصر": "nasser"}
COMPANY_WORDS = {
    "en": (["Bright", "North", "Harbor", "Maple", "Summit", "Redwood", "Pioneer", "Cedar",
            "Blue", "Granite", "Silver", "Orchard", "Willow", "Golden", "Iron", "Oak"],
           ["Supplies", "Retail", "Foods", "Outdoor", "Hardware", "Office", "Crafts", "Studio",
            "Works", "Books", "Market", "Tools", "Digital", "Events", "Logistics", "Traders"],
           ["Ltd", "Inc", "LLC", "Co"]),
    "de": (["Bäckerei", "Maschinenbau", "Logistik", "Elektro", "Möbel", "Autohaus", "Druckerei",
            "Brauerei"], LAST_NAMES["de"], ["GmbH", "AG", "KG"]),
    "fr": (["Boulangerie", "Textiles", "Vins", "Bâtiment", "Cosmétiques", "Transports",
            "Librairie", "Fromagerie"], LAST_NAMES["fr"], ["SARL", "SA", "SAS"]),
    "es": (["Ferretería", "Distribuciones", "Panadería", "Textiles", "Café", "Construcciones",
            "Librería", "Bodega"], LAST_NAMES["es"], ["S.L.", "S.A."]),
    "ja": (LAST_NAMES["ja"], ["商事", "電機", "食品", "建設", "物産", "工業", "製作所", "運輸"],
           ["株式会社"]),
    "ar": (["شركة", "مؤسسة", "دار"], ["النور", "الفجر", "السلام", "الواحة", "النخيل", "الأمل",
                                      "الريان", "البحر"], ["للتجارة", "للتوريدات", "للأغذية"]),
}
CITIES = {"en": ("Springfield", "United States"), "de": ("Hamburg", "Germany"),
          "fr": ("Lyon", "France"), "es": ("Valencia", "Spain"), "ja": ("大阪", "Japan"),
          "ar": ("دبي", "United Arab Emirates")}
ITEM_NAMES = ["Steel widget", "Precision gear set", "M8 bolts (box of 100)", "Hydraulic pump",
              "Power cable 10 m", "Euro pallet", "Machine oil 5 L", "Work gloves",
              "Safety goggles", "Cable ties (bag)", "Torque wrench", "Bearing 6204",
              "Copper pipe 2 m", "LED floodlight", "Packing tape", "Cordless drill"]
CARRIERS = ["DHL Express", "UPS", "FedEx", "DPD", "GLS", "Yamato"]
HUBS = ["Leipzig hub", "Cologne gateway", "Memphis hub", "Louisville hub", "Paris CDG",
        "Madrid depot", "Osaka terminal", "Dubai hub"]
CONTACT_COMMENTS = ["Could you send a copy with our PO number on it, please?",
                    "We paid this by transfer yesterday.",
                    "The quantity on line 2 looks wrong to us.",
                    "Can we split this into two payments?"]
STAFF_COMMENTS = ["Thanks, we have updated it.", "Received, thank you!",
                  "Yes, that works for us.", "Corrected — please check again."]

# Primary and other contacts' portal states (the share of each; the rest are not invited).
PRIMARY_STATES = (("active", 0.45), ("invited", 0.20), ("disabled", 0.05))
OTHER_STATES = (("active", 0.15), ("invited", 0.08), ("disabled", 0.03))
STATE_RANK = {"active": 3, "invited": 2, "disabled": 1, "not_invited": 0}


def money(cents: int) -> str:
    """Cents as a decimal string ("1234.05")."""
    return f"{cents // 100}.{cents % 100:02d}"


def stamp(value: datetime.datetime | None) -> str | None:
    """A timestamp as the database stores it."""
    return value.replace(microsecond=0).isoformat(sep=" ") if value is not None else None


# -- the bulk writer -----------------------------------------------------------------------

class BulkLoader:
    """Buffers rows per table and writes them in batches (executemany, or COPY on PostgreSQL).

    Rows are tuples in the order of the columns given for the model; model columns that are
    not given get their default, so a field added to a model later still loads.
    """

    def __init__(self, batch_rows: int = 20_000):
        self.batch_rows = batch_rows
        self.postgres = db.is_postgres()
        self.buffers: dict[type, list] = {}
        self.plans: dict[type, tuple] = {}
        self.counts: Counter = Counter()

    def plan(self, model, columns: tuple[str, ...]) -> None:
        """Declare the columns rows of `model` come in."""
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        extra = [name for name in fields if name not in columns]
        defaults = []
        for name in extra:
            field = fields[name]
            value = field.default() if callable(field.default) else field.default
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            defaults.append(self._plain(value))
        all_columns = tuple(columns) + tuple(extra)
        nullable = {name: fields[name].null for name in all_columns}
        self.plans[model] = (all_columns, tuple(defaults), nullable)
        self.buffers[model] = []

    @staticmethod
    def _plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime.datetime):
            return stamp(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def add(self, model, row: tuple) -> None:
        """Queue one row; a full batch is written at once."""
        buffer = self.buffers[model]
        buffer.append(row)
        if len(buffer) >= self.batch_rows:
            self.flush(model)

    def flush(self, model) -> None:
        """Write the queued rows of one model."""
        rows = self.buffers[model]
        if not rows:
            return
        columns, defaults, nullable = self.plans[model]
        if defaults:
            rows = [row + defaults for row in rows]
        table = model._meta.table_name
        names = ", ".join(f'"{c}"' for c in columns)
        with db.database.atomic():
            cursor = db.database.cursor()
            if self.postgres:
                buffer = io.StringIO()
                csv.writer(buffer).writerows(rows)
                buffer.seek(0)
                not_null = ", ".join(f'"{c}"' for c in columns if not nullable[c])
                cursor.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv, '
                                   f"FORCE_NOT_NULL ({not_null}))", buffer)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        self.counts[model.__name__] += len(rows)
        self.buffers[model] = []

    def flush_all(self) -> None:
        """Write everything still queued."""
        for model in list(self.buffers):
            self.flush(model)


class _IndexesDropped:
    """Drop secondary indexes (and PostgreSQL foreign keys) for a load; rebuild them after."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    def __enter__(self):
        database = db.database
        marks = ", ".join(["%s" if db.is_postgres() else "?"] * len(self.tables))
        if db.is_postgres():
            self.indexes = list(database.execute_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                f"AND tablename IN ({marks}) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint)", self.tables))
            self.foreign_keys = list(database.execute_sql(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND connamespace = 'public'::regnamespace"))
            for table, name, _ in self.foreign_keys:
                database.execute_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        else:
            self.indexes = list(database.execute_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})", self.tables))
            database.execute_sql("PRAGMA foreign_keys = OFF")
            database.execute_sql("PRAGMA synchronous = OFF")
            database.execute_sql("PRAGMA cache_size = -1000000")
        for name, _ in self.indexes:
            database.execute_sql(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        database = db.database
        for _, sql in self.indexes:
            database.execute_sql(sql)
        if db.is_postgres():
            for table, name, definition in self.foreign_keys:
                database.execute_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            database.execute_sql("PRAGMA foreign_keys = ON")
            database.execute_sql("PRAGMA synchronous = NORMAL")
        return False


# -- the organization ----------------------------------------------------------------------

def _allocate(rng: random.Random, total: int, n: int, minimum: int) -> list[int]:
    """Split `total` over `n` owners, at least `minimum` each, skewed like real customers."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(n)]
    spare = max(0, total - minimum * n)
    scale = spare / sum(weights)
    shares = [w * scale for w in weights]
    counts = [minimum + int(s) for s in shares]
    short = total - sum(counts)
    by_fraction = sorted(range(n), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_fraction[:max(0, short)]:
        counts[i] += 1
    return counts


def _pick_state(rng: random.Random, table) -> str:
    roll = rng.random()
    for state, share in table:
        if roll < share:
            return state
        roll -= share
    return "not_invited"


class _Builder:
    """Builds every row of the organization, customer by customer."""

    def __init__(self, size: Size, seed: int, organization_id: int, staff_ids: list[int],
                 loader: BulkLoader, now: datetime.datetime):
        self.size = size
        self.rng = random.Random(seed)
        self.org = organization_id
        self.staff_ids = staff_ids
        self.loader = loader
        self.now = now
        self.today = now.date()
        self.password_hash = hash_password(PASSWORD)
        self.ids = Counter()
        self.active_contacts = 0

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def items(self) -> list[tuple[int, int]]:
        """The catalogue: (item id, rate in cents)."""
        rows = []
        for n in range(300):
            item_id = self.next_id(Item)
            rate = self.rng.randint(150, 25_000)
            name = f"{ITEM_NAMES[n % len(ITEM_NAMES)]} {n // len(ITEM_NAMES) + 1}"
            self.loader.add(Item, (item_id, self.org, f"SKU-{item_id:05d}", name, "pcs",
                                   money(rate), self.rng.randint(0, 5000)))
            rows.append((item_id, rate))
        return rows

    def run(self, progress) -> None:
        rng, size = self.rng, self.size
        self.catalogue = self.items()
        contacts = _allocate(rng, size.contacts, size.customers, 1)
        invoices = _allocate(rng, size.invoices, size.customers, 1)
        orders = _allocate(rng, size.sales_orders, size.customers, 0)
        quotes = _allocate(rng, size.quotes, size.customers, 0)
        self.comment_rate = size.comments / max(1, size.invoices)
        languages = list(LANGUAGES)
        shares = [LANGUAGES[code][0] for code in languages]
        step = max(1, size.customers // 10)
        started = time.perf_counter()
        for index in range(size.customers):
            language = rng.choices(languages, shares)[0]
            self.customer(index, language, contacts[index], invoices[index], orders[index],
                          quotes[index])
            if progress and (index + 1) % step == 0:
                progress(f"  {index + 1:>7,} customers  {time.perf_counter() - started:6.1f} s")

    def customer(self, index: int, language: str, n_contacts: int, n_invoices: int,
                 n_orders: int, n_quotes: int) -> None:
        rng, now = self.rng, self.now
        customer_id = self.next_id(Customer)
        _, currency, factor = LANGUAGES[language]
        first_words, second_words, suffixes = COMPANY_WORDS[language]
        base = f"{rng.choice(first_words)} {rng.choice(second_words)}"
        if language in ("ja", "ar"):
            base = base.replace(" ", "")
        suffix = rng.choice(suffixes)
        company = f"{base}{suffix}" if language == "ja" else f"{base} {suffix}"
        display = f"{base} {customer_id}"
        domain = f"customer{customer_id}.example"
        created = now - datetime.timedelta(days=rng.uniform(30, 3 * 365),
                                           seconds=rng.randrange(86400))
        created = created.replace(microsecond=0)
        terms = rng.choice((14, 30, 30, 30, 45, 60))
        tax_percent = rng.choice((0, 7, 10, 19, 20))
        portal_language = None if language == "en" and rng.random() < 0.4 else language

        active, primary_email, status = self.contacts(customer_id, language, portal_language,
                                                      n_contacts, domain, created)
        orders = self.sales_orders(customer_id, currency, factor, tax_percent, n_orders,
                                   created, active)
        self.quotes(customer_id, currency, factor, tax_percent, n_quotes, created, active)
        outstanding, last_viewed = self.invoices(customer_id, currency, factor, tax_percent,
                                                 terms, n_invoices, created, active, orders)
        city, country = CITIES[language]
        street = f"{rng.randint(1, 250)} Market Street"
        postal = f"{rng.randint(10000, 99999)}"
        phone = f"+1 555 {rng.randint(1_000_000, 9_999_999)}"
        search_text = search_text_of(Customer(display_name=display, company_name=company,
                                              email=primary_email, phone=phone))
        self.loader.add(Customer, (
            customer_id, self.org, display, company, primary_email, phone, currency, terms,
            street, city, postal, "", country, street, city, postal, "", country,
            portal_language, status, money(outstanding), "0.00", stamp(last_viewed),
            search_text, stamp(created), stamp(created)))

    def contacts(self, customer_id, language, portal_language, n, domain, created):
        rng = self.rng
        active, states = [], []
        primary_email = ""
        for position in range(n):
            contact_id = self.next_id(Contact)
            primary = position == 0
            first = rng.choice(FIRST_NAMES[language])
            last = rng.choice(LAST_NAMES[language])
            has_email = rng.random() >= (0.05 if primary else 0.10)
            email = (f"{ROMAN.get(first, first)}.{ROMAN.get(last, last)}.{contact_id}@{domain}"
                     .lower().encode("ascii", "ignore").decode()) if has_email else None
            state = (_pick_state(rng, PRIMARY_STATES if primary else OTHER_STATES)
                     if email else "not_invited")
            since = created + datetime.timedelta(days=rng.uniform(1, 25))
            changed = min(self.now, since + datetime.timedelta(
                days=rng.uniform(0, max(1.0, (self.now - since).days))))
            changed = changed.replace(microsecond=0)
            own_language = rng.choice(list(LANGUAGES)) if rng.random() < 0.1 else None
            was_active = state == "active" or (state == "disabled" and rng.random() < 0.5)
            last_login = (changed + datetime.timedelta(
                seconds=rng.randrange(max(1, int((self.now - changed).total_seconds())))))
            self.loader.add(Contact, (
                contact_id, self.org, customer_id, first, last, email,
                f"+1 555 {rng.randint(1_000_000, 9_999_999)}", primary, state, stamp(changed),
                self.password_hash if was_active else None, own_language,
                1 if state == "active" else 2,
                stamp(last_login) if state == "active" and rng.random() < 0.8 else None,
                stamp(since)))
            if state != "not_invited":
                self.token(contact_id, email, own_language or portal_language or "en", state,
                           changed)
            if state == "active":
                active.append(contact_id)
            if primary:
                primary_email = email or ""
            states.append(state)
        self.active_contacts += len(active)
        status = max(states, key=STATE_RANK.__getitem__, default="not_invited")
        return active, primary_email, status

    def token(self, contact_id, email, language, state, changed):
        nonce = f"{self.rng.getrandbits(128):032x}"
        invited = changed - datetime.timedelta(days=self.rng.uniform(0, 10) if state != "invited"
                                               else 0)
        invited = invited.replace(microsecond=0)
        self.loader.add(AccessToken, (
            self.next_id(AccessToken), self.org, contact_id, "invitation", email, nonce,
            hash_token(derive_token("invitation", nonce)), language, stamp(invited),
            stamp(invited + datetime.timedelta(days=14)),
            stamp(invited + datetime.timedelta(minutes=1)),
            stamp(changed) if state in ("active", "disabled") else None,
            stamp(changed) if state == "disabled" else None))

    def lines(self, model, owner_id, factor, count, *, shipped=False):
        """Document lines; returns (subtotal in cents, [(line id, description, quantity)])."""
        rng, catalogue = self.rng, self.catalogue
        subtotal, made = 0, []
        for position in range(count):
            item_id, rate = catalogue[rng.randrange(len(catalogue))]
            rate = int(rate * factor)
            if factor >= 100:
                rate -= rate % 100  # whole yen
            quantity = rng.randint(1, 20)
            amount = rate * quantity
            subtotal += amount
            line_id = self.next_id(model)
            description = ITEM_NAMES[(item_id - 1) % len(ITEM_NAMES)]
            if model is SalesOrderLine:
                row = (line_id, owner_id, item_id, description, quantity,
                       quantity if shipped else 0, money(rate), money(amount), position)
            else:
                row = (line_id, owner_id, item_id, description, quantity, money(rate),
                       money(amount), position)
            self.loader.add(model, row)
            made.append((line_id, description, quantity))
        return subtotal, made

    def _day(self, created: datetime.datetime) -> datetime.date:
        span = max(0, (self.today - created.date()).days)
        return created.date() + datetime.timedelta(days=self.rng.randint(0, span))

    def _at(self, day: datetime.date, hours: float = 0) -> datetime.datetime:
        moment = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(
            hours=hours, seconds=self.rng.randrange(36000))
        return min(moment, self.now)

    def sales_orders(self, customer_id, currency, factor, tax_percent, n, created, active):
        rng, made = self.rng, []
        for _ in range(n):
            order_id = self.next_id(SalesOrder)
            day = self._day(created)
            age = (self.today - day).days
            shipped = age > 3 and rng.random() < 0.9
            subtotal, lines = self.lines(SalesOrderLine, order_id, factor, rng.randint(1, 3),
                                         shipped=shipped)
            tax = (subtotal * tax_percent + 50) // 100
            viewed = active and rng.random() < 0.5
            self.loader.add(SalesOrder, (
                order_id, self.org, customer_id, f"SO-{order_id:07d}", currency,
                money(subtotal), money(tax), money(subtotal + tax), "",
                stamp(self._at(day, 24)) if viewed else None,
                rng.choice(active) if viewed else None, stamp(self._at(day)), day.isoformat(),
                (day + datetime.timedelta(days=5)).isoformat(),
                "closed" if shipped and age > 30 else "confirmed",
                "shipped" if shipped else "not_shipped", None))
            if shipped:
                self.shipment(customer_id, order_id, day, lines)
            made.append(order_id)
        return made

    def shipment(self, customer_id, order_id, day, lines):
        rng = self.rng
        shipment_id = self.next_id(Shipment)
        packed = self._at(day + datetime.timedelta(days=1))
        age = (self.now - packed).days
        steps = ["packed", "shipped", "in_transit", "out_for_delivery", "delivered"]
        reached = len(steps) if age > 6 else min(len(steps), 1 + age)
        moments = [packed + datetime.timedelta(hours=20 * k) for k in range(reached)]
        moments = [min(m, self.now) for m in moments]
        status = steps[reached - 1]
        self.loader.add(Shipment, (
            shipment_id, self.org, customer_id, order_id, f"SH-{shipment_id:07d}",
            rng.choice(CARRIERS), f"1Z{rng.getrandbits(48):012X}", status,
            stamp(moments[1]) if reached > 1 else None,
            stamp(moments[-1]) if status == "delivered" else None, stamp(packed)))
        for line_id, description, quantity in lines:
            self.loader.add(ShipmentLine, (self.next_id(ShipmentLine), shipment_id, line_id,
                                           description, quantity))
        for step, moment in zip(steps[:reached], moments, strict=True):
            self.loader.add(TrackingEvent, (self.next_id(TrackingEvent), shipment_id,
                                            stamp(moment), step, rng.choice(HUBS), ""))

    def quotes(self, customer_id, currency, factor, tax_percent, n, created, active):
        rng = self.rng
        for _ in range(n):
            quote_id = self.next_id(Quote)
            day = self._day(created)
            expiry = day + datetime.timedelta(days=30)
            subtotal, _ = self.lines(QuoteLine, quote_id, factor, rng.randint(1, 3))
            tax = (subtotal * tax_percent + 50) // 100
            if rng.random() < 0.02:
                status = "draft"
            elif expiry >= self.today:
                status = rng.choices(("sent", "accepted", "declined"), (0.7, 0.2, 0.1))[0]
            else:
                status = rng.choices(("accepted", "declined", "invoiced", "expired"),
                                     (0.4, 0.15, 0.25, 0.2))[0]
            responded = status in ("accepted", "declined") and active
            self.loader.add(Quote, (
                quote_id, self.org, customer_id, f"QT-{quote_id:07d}", currency,
                money(subtotal), money(tax), money(subtotal + tax), "", None, None,
                stamp(self._at(day)), day.isoformat(), expiry.isoformat(), status,
                "Found a better price elsewhere." if status == "declined" and responded else "",
                stamp(self._at(day, 30)) if responded else None,
                rng.choice(active) if responded else None))

    def invoices(self, customer_id, currency, factor, tax_percent, terms, n, created, active,
                 orders):
        rng, today = self.rng, self.today
        outstanding, last_viewed = 0, None
        order_share = len(orders) / n if n else 0
        for _ in range(n):
            invoice_id = self.next_id(Invoice)
            day = self._day(created)
            due = day + datetime.timedelta(days=terms)
            subtotal, _ = self.lines(InvoiceLine, invoice_id, factor,
                                     rng.choice((1, 1, 2, 2, 3, 4)))
            tax = (subtotal * tax_percent + 50) // 100
            total = subtotal + tax
            late = (today - due).days
            roll = rng.random()
            if roll < 0.01:
                status = "draft"
            elif roll < 0.02:
                status = "void"
            elif late > 60:
                status = rng.choices(("paid", "partially_paid", "sent"), (0.95, 0.03, 0.02))[0]
            elif late > 0:
                status = rng.choices(("paid", "partially_paid", "sent"), (0.6, 0.15, 0.25))[0]
            else:
                status = rng.choices(("paid", "partially_paid", "sent"), (0.3, 0.1, 0.6))[0]
            paid = (total if status == "paid" else
                    total * rng.randint(20, 80) // 100 if status == "partially_paid" else 0)
            balance = total - paid if status in ("sent", "partially_paid") else 0
            outstanding += balance
            viewed_at = viewer = None
            if active and status not in ("draft",) and rng.random() < 0.7:
                viewed_at = self._at(day, 24 * rng.uniform(0, 10))
                viewer = rng.choice(active)
                last_viewed = max(last_viewed or viewed_at, viewed_at)
            order = (orders[rng.randrange(len(orders))]
                     if orders and rng.random() < order_share else None)
            self.loader.add(Invoice, (
                invoice_id, self.org, customer_id, f"INV-{invoice_id:07d}", currency,
                money(subtotal), money(tax), money(total), "", stamp(viewed_at), viewer,
                stamp(self._at(day)), order, day.isoformat(), due.isoformat(), status,
                money(balance)))
            if paid:
                self.payments(customer_id, invoice_id, currency, paid, day, terms, active)
            if rng.random() < self.comment_rate:
                self.comments(customer_id, invoice_id, day, active)
        return outstanding, last_viewed

    def payments(self, customer_id, invoice_id, currency, amount, day, terms, active):
        rng = self.rng
        parts = [amount]
        if amount >= 20_000 and rng.random() < 0.15:
            first = amount * rng.randint(30, 70) // 100
            parts = [first, amount - first]
        for part in parts:
            payment_id = self.next_id(Payment)
            latest = max(0, min(terms + 20, (self.today - day).days))
            paid_at = self._at(day + datetime.timedelta(days=rng.randint(0, latest)))
            portal = bool(active) and rng.random() < 0.5
            self.loader.add(Payment, (
                payment_id, self.org, customer_id, invoice_id,
                rng.choice(active) if portal else None, f"PAY-{payment_id:07d}", money(part),
                currency, "card" if portal else rng.choice(("bank_transfer", "cash", "cheque")),
                "" if portal else f"TRF-{rng.getrandbits(32):08X}",
                f"bench-{payment_id}" if portal else None, "succeeded", portal,
                "sandbox" if portal else "", "4242" if portal else "", stamp(paid_at),
                stamp(paid_at)))

    def comments(self, customer_id, invoice_id, day, active):
        rng = self.rng
        at = self._at(day, 24 * rng.uniform(1, 5))
        if active:
            self.loader.add(Comment, (
                self.next_id(Comment), self.org, customer_id, "invoice", invoice_id,
                rng.choice(active), None, rng.choice(CONTACT_COMMENTS), stamp(at)))
            at = min(self.now, at + datetime.timedelta(hours=3))
        self.loader.add(Comment, (
            self.next_id(Comment), self.org, customer_id, "invoice", invoice_id, None,
            rng.choice(self.staff_ids), rng.choice(STAFF_COMMENTS), stamp(at)))


COLUMNS = {
    Item: ("id", "organization_id", "sku", "name", "unit", "rate", "stock_on_hand"),
    Customer: ("id", "organization_id", "display_name", "company_name", "email", "phone",
               "currency", "payment_terms_days", "billing_street", "billing_city",
               "billing_postal_code", "billing_region", "billing_country", "shipping_street",
               "shipping_city", "shipping_postal_code", "shipping_region", "shipping_country",
               "portal_language", "portal_status", "outstanding", "unused_credits",
               "last_viewed_at", "search_text", "created_at", "updated_at"),
    Contact: ("id", "organization_id", "customer_id", "first_name", "last_name", "email",
              "phone", "is_primary", "portal_state", "state_changed_at", "password_hash",
              "language", "session_version", "last_login_at", "created_at"),
    AccessToken: ("id", "organization_id", "contact_id", "purpose", "email", "nonce",
                  "token_hash", "language", "created_at", "expires_at", "sent_at", "used_at",
                  "revoked_at"),
    SalesOrder: ("id", "organization_id", "customer_id", "number", "currency", "subtotal",
                 "tax_total", "total", "notes", "first_viewed_at", "first_viewed_by_id",
                 "created_at", "order_date", "expected_shipment_date", "status", "fulfilment",
                 "quote_id"),
    SalesOrderLine: ("id", "sales_order_id", "item_id", "description", "quantity",
                     "quantity_shipped", "rate", "amount", "position"),
    Shipment: ("id", "organization_id", "customer_id", "sales_order_id", "number", "carrier",
               "tracking_number", "status", "shipped_at", "delivered_at", "created_at"),
    ShipmentLine: ("id", "shipment_id", "sales_order_line_id", "description", "quantity"),
    TrackingEvent: ("id", "shipment_id", "occurred_at", "status", "location", "description"),
    Quote: ("id", "organization_id", "customer_id", "number", "currency", "subtotal",
            "tax_total", "total", "notes", "first_viewed_at", "first_viewed_by_id",
            "created_at", "issue_date", "expiry_date", "status", "decline_reason",
            "responded_at", "responded_by_id"),
    QuoteLine: ("id", "quote_id", "item_id", "description", "quantity", "rate", "amount",
                "position"),
    Invoice: ("id", "organization_id", "customer_id", "number", "currency", "subtotal",
              "tax_total", "total", "notes", "first_viewed_at", "first_viewed_by_id",
              "created_at", "sales_order_id", "issue_date", "due_date", "status", "balance"),
    InvoiceLine: ("id", "invoice_id", "item_id", "description", "quantity", "rate", "amount",
                  "position"),
    Payment: ("id", "organization_id", "customer_id", "invoice_id", "contact_id", "number",
              "amount", "currency", "method", "reference", "idempotency_key", "status",
              "via_portal", "gateway", "card_last4", "paid_at", "created_at"),
    Comment: ("id", "organization_id", "customer_id", "document_type", "document_id",
              "contact_id", "staff_id", "body", "created_at"),
}


def _finish_postgres(models) -> None:
    for model in models:
        table = model._meta.table_name
        db.database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"')
    db.database.execute_sql("VACUUM ANALYZE")


def generate(size: Size | str, *, seed: int = 1, progress=print) -> dict:
    """Load an organization of `size` into the bound database, which must be migrated and empty.

    Returns what was loaded: counts per table, the seconds it took, the organization's slug
    and the password every active contact signs in with.
    """
    from core.services.organizations import create_organization, update_portal_preferences
    from core.services.staff import create_staff

    size = SIZES[size] if isinstance(size, str) else size
    started = time.perf_counter()
    with db.connection():
        org = create_organization(ORGANIZATION_NAME, slug=bench_db.BENCH_SLUG, currency="USD",
                                  email="accounts@bench-wholesale.example")
        system = Actor.system(org.id)
        update_portal_preferences(system, banner_text="Orders placed before 2 pm ship "
                                  "the same day.", bank_transfer_instructions="IBAN DE00 0000")
        staff_ids = [create_staff(system, email, name, PASSWORD, role=role).id
                     for email, name, role in STAFF]
        loader = BulkLoader()
        for model, columns in COLUMNS.items():
            loader.plan(model, columns)
        tables = [model._meta.table_name for model in COLUMNS]
        # The day's start, not this second: the same seed gives the same rows all day long.
        now = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        builder = _Builder(size, seed, org.id, staff_ids, loader, now)
        with _IndexesDropped(tables):
            builder.run(progress)
            loader.flush_all()
            if progress:
                progress(f"  rows written  {time.perf_counter() - started:6.1f} s; "
                         "rebuilding indexes")
        if db.is_postgres():
            _finish_postgres(list(COLUMNS))
        else:
            broken = list(db.database.execute_sql("PRAGMA foreign_key_check"))
            if broken:
                raise RuntimeError(f"generated rows break foreign keys: {broken[:5]}")
            db.database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    counts = dict(sorted(loader.counts.items()))
    return {"size": size.name, "seed": seed, "generator_version": GENERATOR_VERSION,
            "slug": org.slug, "organization_id": org.id, "password": PASSWORD,
            "active_contacts": builder.active_contacts, "counts": counts,
            "rows": sum(counts.values()), "load_seconds": round(seconds, 1),
            "generated_at": now.isoformat(), "size_spec": asdict(size)}


def prepare(url: str, size: str, *, seed: int = 1, fresh: bool = False, force: bool = False,
            progress=print) -> dict:
    """Bind `url` and make sure it holds the organization of `size` (generating it if needed).

    A database the generator already filled with the same size, seed and schema is reused
    unless `fresh`; any other database is wiped only when it is empty or a benchmark one
    (or with `force`).
    """
    engine = bench_db.engine_of(url)
    if engine == "postgres":
        bench_db.ensure_postgres_database(url)
    db.bind(url)
    with db.connection():
        reusable = not fresh and not db.pending_migrations()
        safe = force or bench_db.is_bench_database()
    known = bench_db.read_fingerprint(url)
    if (reusable and known and known.get("size") == size and known.get("seed") == seed
            and known.get("generator_version") == GENERATOR_VERSION):
        with db.connection():
            present = db.database.execute_sql('SELECT COUNT(*) FROM "customer"').fetchone()[0]
        if present == SIZES[size].customers:
            if progress:
                progress(f"Reusing the {size} data in {url} (generated "
                         f"{known['generated_at']}, loaded in {known['load_seconds']} s).")
            return known | {"reused": True}
    if not safe:
        raise SystemExit(f"{url} holds data that is not the benchmark's; refusing to wipe it "
                         "(use another database, or --force).")
    bench_db.forget_fingerprint(url)
    bench_db.wipe(url)
    db.bind(url)
    db.migrate()
    if progress:
        progress(f"Generating the {size} organization (seed {seed}) in {url} ...")
    info = generate(size, seed=seed, progress=progress)
    bench_db.write_fingerprint(url, info)
    if progress:
        progress(f"Loaded {info['rows']:,} rows in {info['load_seconds']} s "
                 f"({info['rows'] / max(info['load_seconds'], 0.001):,.0f} rows/s).")
    return info | {"reused": False}


def main(argv=None) -> int:
    """Command line: generate one size into one engine's benchmark database."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--engine", choices=bench_db.ENGINES, default="sqlite")
    parser.add_argument("--url", help="database URL (default: the engine's benchmark database)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="regenerate even when reusable")
    parser.add_argument("--force", action="store_true",
                        help="wipe a database that does not hold benchmark data")
    args = parser.parse_args(argv)
    url = args.url or bench_db.url_for(args.engine, args.size)
    info = prepare(url, args.size, seed=args.seed, fresh=args.fresh, force=args.force)
    width = max(len(name) for name in info["counts"])
    for name, count in info["counts"].items():
        print(f"  {name:<{width}}  {count:>10,}")
    print(f"  {'load time':<{width}}  {info['load_seconds']:>10} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

