"""Invoice and statement PDFs: a real business document in the contact's language.

Each PDF is read back the way a person would see it: its text through poppler's `pdftotext`,
its page count through `pdfinfo`, its colours through `pdftoppm`.
"""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from PIL import Image

from core.audit import Actor
from core.models import Invoice, Organization, Payment
from core.queries.portal import get_lines
from core.queries.statement import build_statement
from core.services.organizations import update_organization, update_portal_preferences
from core.services.payments import record_offline_payment
from core.services.sales import create_invoice
from portal_site.pdf import FontsMissingError, render_invoice_pdf, render_statement_pdf

ISSUED = datetime.date(2025, 3, 14)
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
A4_WIDTH_PT = 595.28


def pdf_text(pdf: bytes) -> str:
    """What the PDF shows, as text; bidi marks dropped and no-break spaces made plain."""
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    return BIDI_CONTROLS.sub("", text).replace("\xa0", " ").replace("\u202f", " ")


def page_count(pdf: bytes) -> int:
    """The number of pages, as a PDF viewer reports it."""
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout.decode(), re.M).group(1))


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page."""
    return pdf_text(pdf).split("\f")[:page_count(pdf)]


def word_boxes(pdf: bytes, word: str) -> list[tuple[float, float]]:
    """The left and right edges (in points) of every occurrence of `word` on page 1."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()
    boxes = [(float(x_min), float(x_max)) for x_min, x_max, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        html) if BIDI_CONTROLS.sub("", text) == word]
    assert boxes, f"{word!r} is not on page 1"
    return boxes


@pytest.fixture
def invoice_pdf(app, admin):
    """Render an invoice of `customer` through the same calls the portal makes."""

    def render(customer, lines, *, locale, tax_rate="0", pay=None, number=None):
        invoice = create_invoice(Actor.system(customer.organization_id), customer.id,
                                 number or f"INV-{customer.id:05d}", lines,
                                 issue_date=ISSUED, due_date=ISSUED + datetime.timedelta(30),
                                 tax_rate=Decimal(tax_rate))
        if pay:
            record_offline_payment(Actor.staff(admin.id), invoice.id, pay, reference="transfer")
        invoice = Invoice.get_by_id(invoice.id)
        payments = list(Payment.select().where(Payment.invoice == invoice.id))
        organization = Organization.get_by_id(customer.organization_id)
        with app.app_context():
            return render_invoice_pdf(invoice, get_lines(invoice), organization, customer,
                                      payments, locale)

    return render


def test_english_invoice_reads_as_a_business_document(org, make_customer, invoice_pdf):
    customer = make_customer(name="Globex Corporation", language="en", currency="USD",
                             billing_street="1 Main Street", billing_city="Springfield",
                             billing_postal_code="12345", billing_country="United States")
    pdf = invoice_pdf(customer, [{"description": "Consulting, March", "quantity": 2,
                                  "rate": "500.00"},
                                 {"description": "Travel", "quantity": 1, "rate": "234.50"}],
                      locale="en", tax_rate="0.10", pay="300.00", number="INV-2025-0042")

    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    for expected in ("Acme Trading", "INVOICE", "INV-2025-0042", "Globex Corporation",
                     "1 Main Street", "12345 Springfield", "Consulting, March", "Travel",
                     "March 14, 2025", "April 13, 2025", "$1,234.50", "$123.45", "$1,357.95",
                     "$300.00", "$1,057.95", "Page 1 of 1"):
        assert expected in text, expected
    assert re.search(r"Subtotal\s+\$1,234\.50", text)
    assert re.search(r"Total\s+\$1,357\.95", text)
    assert re.search(r"Balance due\s+\$1,057\.95", text)
    # Rate and amount columns align on their right edges.
    rate_500, amount_1000 = word_boxes(pdf, "500.00")[0], word_boxes(pdf, "1,000.00")[0]
    rate_234, amount_234 = sorted(word_boxes(pdf, "234.50"))
    assert rate_500[1] == pytest.approx(rate_234[1], abs=0.5)
    assert amount_1000[1] == pytest.approx(amount_234[1], abs=0.5)
    assert amount_1000[1] > rate_500[1]


def test_german_invoice_formats_amounts_and_dates_the_german_way(app, make_customer,
                                                                 invoice_pdf):
    customer = make_customer(name="Müller & Söhne KG", language="de", currency="EUR")
    lines = [{"description": "Beratungsleistungen", "quantity": 1, "rate": "1234.50"}]
    # The request is in Japanese; the document still follows the contact's German.
    with app.test_request_context(headers={"Accept-Language": "ja"}), force_locale("ja"):
        pdf = invoice_pdf(customer, lines, locale="de")
        with force_locale("de"):
            title = gettext("Invoice").upper()

    text = pdf_text(pdf)
    assert "Müller & Söhne KG" in text
    assert "1.234,50 €" in text
    assert "14. März 2025" in text
    assert title in text
    assert "$" not in text and "2025年" not in text


def test_japanese_customer_name_and_yen_amounts_survive(make_customer, invoice_pdf):
    customer = make_customer(name="山田商事株式会社", language="ja", currency="JPY",
                             billing_street="千代田区丸の内1-1-1", billing_city="東京都",
                             billing_postal_code="100-0005")
    pdf = invoice_pdf(customer, [{"description": "コンサルティング料（3月分）",
                                  "quantity": 3, "rate": "12000"}], locale="ja")

    text = pdf_text(pdf)
    assert "山田商事株式会社" in text
    assert "千代田区丸の内1-1-1" in text
    # Latin after a kanji line in another colour once came out garbled (an fpdf2 bug).
    assert "100-0005 東京都" in text
    assert "コンサルティング料（3月分）" in text
    assert "￥36,000" in text
    assert "2025年3月14日" in text


def test_arabic_invoice_keeps_the_name_and_mirrors_the_layout(make_customer, invoice_pdf):
    arabic = make_customer(name="شركة النور للتجارة", language="ar", currency="SAR",
                           email="noor@alnoor.example", billing_city="الرياض")
    english = make_customer(name="Globex", language="en", email="ops@globex.example")
    lines = [{"description": "خدمات استشارية", "quantity": 1, "rate": "1500"}]

    arabic_pdf = invoice_pdf(arabic, lines, locale="ar")
    english_pdf = invoice_pdf(english, lines, locale="en")

    text = pdf_text(arabic_pdf)
    assert "شركة النور للتجارة" in text
    assert "خدمات استشارية" in text
    # (pdftotext shuffles the dots of "ر.س." when it reads it back; the page shows it whole.)
    # Mirrored summary: the amount on the left, its label on the right.
    assert re.search(r"1,500\.00\S*\s+الرصيد المستحق", text)  # "Balance due", translated
    assert "SAR" in text
    # The bill-to block sits on the right in Arabic and on the left in English.
    assert word_boxes(arabic_pdf, "noor@alnoor.example")[0][1] > A4_WIDTH_PT * 0.8
    assert word_boxes(english_pdf, "ops@globex.example")[0][0] < A4_WIDTH_PT * 0.2


def test_two_hundred_lines_paginate_with_the_table_heading_on_every_page(make_customer,
                                                                        invoice_pdf):
    customer = make_customer(name="Bulk Buyer", language="en", currency="USD")
    lines = [{"description": f"Spare part no. {i:03d}", "quantity": 1, "rate": "1.00"}
             for i in range(1, 201)]
    pdf = invoice_pdf(customer, lines, locale="en")

    pages = page_texts(pdf)
    assert 4 <= len(pages) <= 10
    for number, page in enumerate(pages, start=1):
        assert re.search(r"Description\s+Qty\s+Rate\s+Amount", page), f"page {number}"
        assert f"Page {number} of {len(pages)}" in page
    text = "".join(pages)
    assert all(f"Spare part no. {i:03d}" in text for i in range(1, 201))
    assert re.search(r"Total\s+\$200\.00", pages[-1])


def test_payment_instructions_come_from_the_portal_preferences(org, admin, make_customer,
                                                               invoice_pdf):
    update_portal_preferences(Actor.staff(admin.id),
                              bank_transfer_instructions="IBAN DE89 3704 0044 0532 0130 00")
    customer = make_customer(language="en")
    pdf = invoice_pdf(customer, [{"description": "Widgets", "quantity": 1, "rate": "10"}],
                      locale="en", number="INV-77")

    text = pdf_text(pdf)
    assert "IBAN DE89 3704 0044 0532 0130 00" in text
    assert "Please quote INV-77 with your payment." in text


def test_header_band_has_the_organization_accent_colour(org, admin, make_customer, invoice_pdf,
                                                        tmp_path):
    update_organization(Actor.staff(admin.id), accent_color="#8a1c7c")
    pdf = invoice_pdf(make_customer(language="en"),
                      [{"description": "Widgets", "quantity": 1, "rate": "10"}], locale="en")

    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", "-", str(tmp_path / "p")],
                   input=pdf, check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    assert image.getpixel((3, 3)) == (0x8A, 0x1C, 0x7C)
    assert image.getpixel((3, image.height // 2)) == (255, 255, 255)


def test_unknown_locale_falls_back_to_english(make_customer, invoice_pdf):
    customer = make_customer(currency="USD")
    pdf = invoice_pdf(customer, [{"description": "Widgets", "quantity": 1, "rate": "1234.5"}],
                      locale="xx-nowhere")

    assert "$1,234.50" in pdf_text(pdf)


def test_statement_shows_opening_transactions_and_closing_balance(app, admin, make_customer,
                                                                  make_invoice):
    customer = make_customer(name="Globex", language="en", currency="USD")
    make_invoice(customer, "100.00", issue_date=datetime.date(2025, 1, 10))
    march = make_invoice(customer, "250.00", issue_date=datetime.date(2025, 3, 5))
    record_offline_payment(Actor.staff(admin.id), march.id, "80.00",
                           paid_at=datetime.datetime(2025, 3, 20, 9))
    statement = build_statement(customer, datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    organization = Organization.get_by_id(customer.organization_id)

    with app.app_context():
        pdf = render_statement_pdf(statement, organization, customer, "en")

    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    assert "STATEMENT" in text and "Globex" in text
    assert "Mar 1, 2025 to Mar 31, 2025" in text
    assert re.search(r"Opening balance\s+100\.00", text)
    assert re.search(rf"Mar 5, 2025\s+Invoice\s+{march.number}\s+250\.00\s+350\.00", text)
    assert re.search(r"Mar 20, 2025\s+Payment\s+PAY-\d+\s+80\.00\s+270\.00", text)
    assert re.search(r"Closing balance\s+\$270\.00", text)
    assert "Page 1 of 1" in text


def test_arabic_statement_keeps_the_customer_name(app, make_customer, make_invoice):
    customer = make_customer(name="مؤسسة الفجر", language="ar", currency="SAR")
    make_invoice(customer, "500.00", issue_date=datetime.date(2025, 3, 5))
    statement = build_statement(customer, datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    organization = Organization.get_by_id(customer.organization_id)

    with app.app_context():
        pdf = render_statement_pdf(statement, organization, customer, "ar")

    text = pdf_text(pdf)
    assert "مؤسسة الفجر" in text
    assert "500.00" in text
    # The period reads "from <1 March> to <31 March>" in Arabic; pdftotext splits the digits of
    # dates embedded in right-to-left text, so look for the words and both dates' days.
    period = text.split("إلى")
    assert len(period) >= 2 and "من" in period[0]
    assert "01" in period[0] and "31" in period[1]


def test_missing_fonts_say_which_package_to_install(app, make_customer, invoice_pdf,
                                                    monkeypatch, tmp_path):
    monkeypatch.setattr("core.pdf.fonts.FONT_DIRS", (tmp_path,))
    customer = make_customer(language="en")

    with pytest.raises(FontsMissingError, match="fonts-dejavu-core"):
        invoice_pdf(customer, [{"description": "Widgets", "quantity": 1, "rate": "1"}],
                    locale="en")
