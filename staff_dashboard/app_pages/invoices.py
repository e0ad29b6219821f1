"""Invoices: bank-transfer notices to confirm, the list with the viewed indicator, threads."""

import streamlit as st

from core.queries.staff import list_pending_bank_transfers
from core.services.payments import confirm_bank_transfer, reject_bank_transfer
from staff_dashboard import auth, ui
from staff_dashboard.documents_view import render


def bank_transfers() -> None:
    """Bank-transfer notices waiting for staff: confirm the money arrived, or reject."""
    staff = auth.current_staff()
    pending = list_pending_bank_transfers(staff.organization_id)
    if not pending:
        return
    with st.expander(f"Bank-transfer notices to confirm ({len(pending)})", expanded=True):
        for payment in pending:
            text, confirm, reject = st.columns([4, 1, 1], vertical_alignment="center")
            amount = ui.fmt_money(payment.amount, payment.currency)
            invoice = payment.invoice.number if payment.invoice_id else "—"
            text.markdown(f"**{ui.md(payment.customer.display_name)}** · invoice {invoice} · "
                          f"{amount}  \nreference {ui.md(payment.reference) or '—'} · "
                          f"noticed {ui.fmt_time(payment.created_at)}")
            ui.action_button(
                confirm, "Money arrived", lambda p=payment: confirm_bank_transfer(ui.actor(), p.id),
                f"Payment of {amount} confirmed; the invoice balance went down.",
                key=f"invoices_confirm_{payment.id}", type="primary")
            ui.action_button(
                reject, "Reject", lambda p=payment: reject_bank_transfer(ui.actor(), p.id),
                "Bank-transfer notice rejected.", key=f"invoices_reject_{payment.id}")

render("invoice", above_list=bank_transfers)
