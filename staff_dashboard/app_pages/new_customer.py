"""New customer: details, contact persons (one primary), portal language, portal access."""

import streamlit as st

from core.errors import DoorstepError
from core.i18n import SUPPORTED_LANGUAGES
from core.queries.scoping import ROLES
from core.services.customers import ADDRESS_FIELDS, create_customer
from core.validation import CURRENCIES
from staff_dashboard import auth, keys, paths, ui

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")
LANGUAGES = ["", *SUPPORTED_LANGUAGES]
ROLE_LABELS = {"billing": "Billing", "orders": "Orders", "full": "Full",
               "admin": "Company admin"}

staff = auth.current_staff()
ui.title("New customer")
slots: dict = {}
values: dict = {}

with st.form(keys.NEW_CUSTOMER_FORM):
    left, right = st.columns(2)
    values["display_name"] = left.text_input("Display name *", key="new_customer_display_name")
    slots["display_name"] = left.empty()
    values["company_name"] = right.text_input("Company name", key="new_customer_company_name")
    slots["company_name"] = right.empty()
    values["phone"] = left.text_input("Phone", key="new_customer_phone")
    slots["phone"] = left.empty()
    currencies = sorted(CURRENCIES)
    values["currency"] = right.selectbox(
        "Currency", currencies, key="new_customer_currency",
        index=currencies.index(staff.currency) if staff.currency in currencies else 0)
    slots["currency"] = right.empty()
    values["payment_terms_days"] = left.number_input(
        "Payment terms (days)", min_value=0, max_value=365, value=30,
        key="new_customer_payment_terms_days")
    slots["payment_terms_days"] = left.empty()
    language = right.selectbox("Portal language", LANGUAGES, key="new_customer_portal_language",
                               format_func=ui.language_label,
                               help="The language of the portal and of emails to the contacts.")
    values["portal_language"] = language or None
    slots["portal_language"] = right.empty()

    st.markdown("**Contact persons** — the primary contact is the one invited to the portal.")
    primary = st.radio("Primary contact", range(keys.NEW_CUSTOMER_CONTACT_ROWS), horizontal=True,
                       key="new_customer_primary", format_func=lambda i: f"Contact {i + 1}")
    contacts = []
    for index in range(keys.NEW_CUSTOMER_CONTACT_ROWS):
        *columns, role_column = st.columns(len(CONTACT_FIELDS) + 1)
        contact = {}
        for column, name in zip(columns, CONTACT_FIELDS, strict=True):
            label = name.replace("_", " ").capitalize()
            contact[name] = column.text_input(
                f"{label} *" if name == "first_name" and index == 0 else
                label if index == 0 else f"{label} of contact {index + 1}",
                key=f"new_customer_contact_{index}_{name}",
                label_visibility="visible" if index == 0 else "collapsed",
                placeholder=f"{label} — contact {index + 1}")
            slots[f"contacts.{index}.{name}"] = column.empty()
        # What the contact sees in the portal (Billing, Orders, Full, Company admin).
        contact["role"] = role_column.selectbox(
            "Role" if index == 0 else f"Role of contact {index + 1}", ROLES,
            index=ROLES.index("full"), format_func=ROLE_LABELS.__getitem__,
            key=f"new_customer_contact_{index}_role",
            label_visibility="visible" if index == 0 else "collapsed")
        slots[f"contacts.{index}.role"] = role_column.empty()
        contacts.append(contact)
    slots["contacts"] = st.empty()

    with st.expander("Billing and shipping address"):
        address_columns = st.columns(2)
        for position, kind in enumerate(("billing", "shipping")):
            address_columns[position].markdown(f"**{kind.title()} address**")
            for name in ADDRESS_FIELDS:
                if name.startswith(kind):
                    part = name.split("_", 1)[1].replace("_", " ").capitalize()
                    values[name] = address_columns[position].text_input(
                        part, key=f"new_customer_{name}")
                    slots[name] = address_columns[position].empty()

    allow_access = st.checkbox("Allow portal access (invites the primary contact on save)",
                               key="new_customer_allow_portal_access")
    slots["allow_portal_access"] = st.empty()
    submitted = st.form_submit_button("Create customer", type="primary")

if submitted:
    # Rows left empty are not contacts; the primary flag follows the row it was set on.
    filled = [(index, contact) for index, contact in enumerate(contacts)
              if any((contact[name] or "").strip() for name in CONTACT_FIELDS)]
    rows = [{**contact, "is_primary": index == primary} for index, contact in filled]
    positions = {new: old for new, (old, _) in enumerate(filled)}
    try:
        customer = create_customer(ui.actor(), contacts=rows,
                                   allow_portal_access=allow_access, **values)
    except DoorstepError as error:
        field = error.field or ""
        if field.startswith("contacts."):  # the service counts filled rows; the form all rows
            _, number, name = field.split(".")
            field = f"contacts.{positions.get(int(number), number)}.{name}"
        slots.get(field, st).error(str(error))
        if field in slots:
            st.error("The customer was not created: see the message beside the field.")
    else:
        invited = "; the primary contact's invitation email is queued" if allow_access else ""
        ui.flash("success", f"{customer.display_name} is created{invited}.")
        for key in [k for k in st.session_state if str(k).startswith("new_customer_")]:
            del st.session_state[key]
        st.session_state[keys.OVERVIEW_CUSTOMER_ID] = customer.id
        st.switch_page(paths.CUSTOMER_OVERVIEW,
                       query_params={keys.QUERY_CUSTOMER: str(customer.id)})
