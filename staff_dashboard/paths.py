"""Page files, relative to app.py, for st.Page and st.switch_page."""

SIGN_IN = "app_pages/sign_in.py"
HOME = "app_pages/home.py"
CUSTOMERS = "app_pages/customers.py"
NEW_CUSTOMER = "app_pages/new_customer.py"
CUSTOMER_OVERVIEW = "app_pages/customer_overview.py"
INVOICES = "app_pages/invoices.py"
QUOTES = "app_pages/quotes.py"
SALES_ORDERS = "app_pages/sales_orders.py"
NOTIFICATIONS = "app_pages/notifications.py"
MAIL = "app_pages/mail.py"
PREFERENCES = "app_pages/preferences.py"
STAFF = "app_pages/staff.py"
API_WEBHOOKS = "app_pages/api_webhooks.py"
IMPORT = "app_pages/imports.py"
AUDIT_TRAIL = "app_pages/audit_trail.py"

# Where a notification's record opens.
DOCUMENT_PAGES = {"invoice": INVOICES, "quote": QUOTES, "sales_order": SALES_ORDERS}
