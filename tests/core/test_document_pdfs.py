"""Quote, sales order and receipt PDFs for staff: in the customer's language, own records only."""

import pytest

from core.audit import Actor
from core.errors import NotFoundError
from core.pdf.records import staff_document_pdf
from core.services.documents import accept_quote
from tests.portal_site.test_pdf import pdf_text


def test_staff_get_a_signed_quote_in_the_customers_language(admin, make_active_contact,
                                                           make_documents, scope_of):
    contact = make_active_contact(language="ja",
                                  contacts=[{"first_name": "太郎", "last_name": "山田",
                                             "email": "taro@yamada.example"}])
    quote = make_documents(contact.customer).quote
    accept_quote(scope_of(contact), quote.id, "山田太郎", ip="192.0.2.44")

    name, pdf = staff_document_pdf(Actor.staff(admin.id), "quote", quote.id)

    text = pdf_text(pdf)
    assert name == f"{quote.number}.pdf"
    assert "見積書" in text and "山田太郎" in text and "192.0.2.44" in text
    assert "山田 太郎" in text  # the portal user, family name first


def test_staff_of_another_organization_get_nothing(make_active_contact, make_documents):
    from core.services.organizations import create_organization

    contact = make_active_contact()
    docs = make_documents(contact.customer)
    intruder = Actor.system(create_organization("Other Ltd").id)
    for kind, record_id in (("quote", docs.quote.id), ("sales_order", docs.sales_order.id)):
        with pytest.raises(NotFoundError):
            staff_document_pdf(intruder, kind, record_id)
    with pytest.raises(NotFoundError):
        staff_document_pdf(intruder, "invoice", docs.invoice.id)  # not a kind it draws
