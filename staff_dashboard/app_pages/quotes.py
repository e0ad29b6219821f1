"""Quotes: the list with the viewed indicator, and each quote's comment thread."""

from staff_dashboard.documents_view import render

render("quote")
