"""What each kind of import reads: Doorstep's fields, their types, and the column headers
(in the shipped languages and as other tools export them) a field is guessed from."""

import re
from dataclasses import dataclass

KINDS = ("customers", "items", "invoices", "payments")


@dataclass(frozen=True)
class Field:
    """One Doorstep field a file's column can be mapped to."""

    name: str
    label: str
    type: str = "text"  # text | email | integer | boolean | date | amount | number | language
    required: bool = False
    aliases: tuple[str, ...] = ()


def _address(kind: str, label: str, extra: tuple[str, ...]) -> tuple[Field, ...]:
    first = kind == "billing"
    parts = (("street", "street", ("address", "street address", "strasse", "straße", "rue",
                                   "calle", "address line 1")),
             ("city", "city", ("town", "stadt", "ort", "ville", "ciudad")),
             ("postal_code", "postal code", ("zip", "zip code", "postcode", "plz",
                                             "code postal", "código postal")),
             ("region", "region", ("state", "province", "county", "bundesland")),
             ("country", "country", ("land", "pays", "país")))
    return tuple(
        Field(f"{kind}_{part}", f"{label} {name}",
              aliases=tuple(f"{prefix} {alias}" for prefix in extra for alias in (name,
                                                                                   *aliases))
              + (aliases if first else ()) + ((name,) if first else ()))
        for part, name, aliases in parts)


CUSTOMER_FIELDS: tuple[Field, ...] = (
    Field("external_id", "Customer external_id",
          aliases=("customer id", "customer number", "customer no", "id", "customer_id",
                   "kundennummer", "kunden nr", "numéro client", "número de cliente")),
    Field("display_name", "Customer name", required=True,
          aliases=("name", "customer", "customer name", "display name", "kunde", "kundenname",
                   "nom", "client", "cliente", "nombre")),
    Field("company_name", "Company", aliases=("company", "company name", "firma",
                                              "unternehmen", "société", "empresa")),
    Field("phone", "Customer phone", aliases=("phone", "telephone", "tel", "telefon",
                                              "téléphone", "teléfono")),
    Field("currency", "Currency", type="currency",
          aliases=("currency", "currency code", "währung", "devise", "moneda")),
    Field("payment_terms_days", "Payment terms (days)", type="integer",
          aliases=("payment terms", "terms", "zahlungsziel", "délai de paiement")),
    Field("portal_language", "Portal language", type="language",
          aliases=("language", "portal language", "sprache", "langue", "idioma")),
    *_address("billing", "Billing", ("billing", "bill to", "rechnung")),
    *_address("shipping", "Shipping", ("shipping", "ship to", "delivery", "liefer")),
    Field("contact_external_id", "Contact external_id", aliases=("contact id",)),
    Field("first_name", "Contact first name",
          aliases=("first name", "contact first name", "given name", "vorname", "prénom",
                   "nombre de pila", "contact name", "contact")),
    Field("last_name", "Contact last name",
          aliases=("last name", "contact last name", "surname", "family name", "nachname",
                   "nom de famille", "apellido")),
    Field("email", "Contact email", type="email",
          aliases=("email", "e-mail", "email address", "contact email", "mail", "e mail",
                   "correo", "courriel")),
    Field("contact_phone", "Contact phone", aliases=("contact phone", "mobile", "mobil",
                                                     "handy", "portable")),
    Field("is_primary", "Primary contact", type="boolean",
          aliases=("primary", "primary contact", "is primary", "hauptkontakt")),
    Field("contact_language", "Contact language", type="language",
          aliases=("contact language",)),
    Field("portal_access", "Portal access", type="boolean",
          aliases=("portal access", "portal", "invite", "portal user", "portalzugang")),
)

ITEM_FIELDS: tuple[Field, ...] = (
    Field("external_id", "Item external_id", aliases=("item id", "id", "product id")),
    Field("sku", "SKU", required=True, aliases=("sku", "item code", "article number",
                                                 "artikelnummer", "référence", "code")),
    Field("name", "Item name", required=True,
          aliases=("name", "item", "item name", "product", "description", "bezeichnung",
                   "artikel", "désignation", "nombre")),
    Field("unit", "Unit", aliases=("unit", "uom", "einheit", "unité", "unidad")),
    Field("rate", "Rate", type="amount", required=True,
          aliases=("rate", "price", "unit price", "selling price", "preis", "prix", "precio")),
    Field("stock_on_hand", "Stock on hand", type="integer",
          aliases=("stock", "stock on hand", "quantity on hand", "on hand", "bestand",
                   "lagerbestand")),
)

INVOICE_FIELDS: tuple[Field, ...] = (
    Field("external_id", "Invoice external_id", aliases=("invoice id", "id")),
    Field("number", "Invoice number", required=True,
          aliases=("number", "invoice number", "invoice no", "invoice #", "invoice",
                   "rechnungsnummer", "numéro de facture", "número de factura")),
    Field("customer_external_id", "Customer external_id",
          aliases=("customer id", "customer number", "kundennummer")),
    Field("customer_email", "Customer email", type="email",
          aliases=("customer email", "email", "e-mail")),
    Field("issue_date", "Issue date", type="date", required=True,
          aliases=("date", "invoice date", "issue date", "rechnungsdatum", "datum",
                   "date de facture", "fecha")),
    Field("due_date", "Due date", type="date",
          aliases=("due date", "due", "fällig", "fälligkeit", "échéance", "vencimiento")),
    Field("total", "Total (without lines)", type="amount",
          aliases=("total", "amount", "invoice total", "betrag", "gesamt", "montant",
                   "importe")),
    Field("tax_rate", "Tax rate (%)", type="number", aliases=("tax rate", "tax", "vat",
                                                               "mwst", "tva", "iva")),
    Field("notes", "Notes", aliases=("notes", "note", "memo", "bemerkung")),
    Field("line_description", "Line description",
          aliases=("line description", "item description", "description", "position")),
    Field("line_quantity", "Line quantity", type="number",
          aliases=("quantity", "qty", "line quantity", "menge", "quantité", "cantidad")),
    Field("line_rate", "Line rate", type="amount",
          aliases=("line rate", "rate", "unit price", "price", "preis", "einzelpreis")),
)

PAYMENT_FIELDS: tuple[Field, ...] = (
    Field("external_id", "Payment external_id", aliases=("payment id", "id", "transaction id")),
    Field("invoice_number", "Invoice number",
          aliases=("invoice number", "invoice", "invoice no", "rechnungsnummer")),
    Field("invoice_external_id", "Invoice external_id", aliases=("invoice id",)),
    Field("amount", "Amount", type="amount", required=True,
          aliases=("amount", "payment amount", "paid", "betrag", "montant", "importe")),
    Field("paid_at", "Payment date", type="date",
          aliases=("date", "payment date", "paid on", "paid at", "zahlungsdatum", "datum")),
    Field("method", "Method", aliases=("method", "payment method", "mode", "zahlungsart")),
    Field("reference", "Reference", aliases=("reference", "ref", "payment reference",
                                             "verwendungszweck", "référence")),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": CUSTOMER_FIELDS,
    "items": ITEM_FIELDS,
    "invoices": INVOICE_FIELDS,
    "payments": PAYMENT_FIELDS,
}


def normalized(header: str) -> str:
    """A header as compared: lower case, words separated by single spaces."""
    return " ".join(re.sub(r"[\s_\-./:#()]+", " ", header.casefold()).split())


def guess_mapping(kind: str, header: list[str],
                  remembered: dict[str, str] | None = None) -> dict[str, str | None]:
    """Each field's column: the one remembered for this organization when the file has it,
    else the first header that names the field (its name, label or an alias)."""
    remembered = remembered or {}
    columns = {normalized(name): name for name in reversed(header) if name.strip()}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for field in FIELDS[kind]:
        column = remembered.get(field.name)
        if column in header and column not in taken:
            mapping[field.name] = column
            taken.add(column)
    for field in FIELDS[kind]:
        if field.name in mapping:
            continue
        mapping[field.name] = None
        for candidate in (field.name, field.label, *field.aliases):
            column = columns.get(normalized(candidate))
            if column is not None and column not in taken:
                mapping[field.name] = column
                taken.add(column)
                break
    return mapping
