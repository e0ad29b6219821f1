"""Sales orders: the list with the viewed indicator, and each order's comment thread."""

from staff_dashboard.documents_view import render

render("sales_order")
