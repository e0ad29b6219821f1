"""Every session-state key the console uses, declared once and prefixed by the page using it."""

# Signing in
AUTH_STAFF = "auth_signed_in_staff"        # the SignedIn of this run
AUTH_ENDED = "auth_session_ended"          # set when a session stopped being valid
QUERY_CUSTOMER = "customer"                # the overview's customer id in the URL
QUERY_DOCUMENT = "open"                    # the open invoice/quote/order id in the URL

# Messages shown once at the top of the next run (after an action and its rerun)
UI_FLASH = "ui_flash_messages"

# Customers
CUSTOMERS_SEARCH = "customers_search"
CUSTOMERS_STATUS = "customers_portal_status"
CUSTOMERS_LANGUAGE = "customers_language"
CUSTOMERS_HAS_EMAIL = "customers_has_email"
CUSTOMERS_VIEWED = "customers_viewed"
CUSTOMERS_OUTSTANDING = "customers_outstanding"
CUSTOMERS_INVITATION = "customers_invitation_email"
CUSTOMERS_PAGE = "customers_page_number"
CUSTOMERS_SELECT_ALL = "customers_select_all_matching"
CUSTOMERS_TABLE = "customers_table"
CUSTOMERS_TABLE_GENERATION = "customers_table_generation"
CUSTOMERS_BULK_REPORT = "customers_bulk_report"
CUSTOMERS_BULK_PREVIEW = "customers_bulk_preview"  # (customer ids, rows) awaiting "Send"
CUSTOMERS_BULK_SEND = "customers_bulk_send"  # customer ids the next run sends to

# New customer
NEW_CUSTOMER_FORM = "new_customer_form"
NEW_CUSTOMER_CONTACT_ROWS = 3

# Customer overview
OVERVIEW_CUSTOMER_ID = "overview_customer_id"
OVERVIEW_PICK_SEARCH = "overview_pick_search"
OVERVIEW_ACCESS_REPORT = "overview_access_report"
OVERVIEW_CONFIRM_DISABLE = "overview_confirm_disable"   # the contact id awaiting a "Disable"
OVERVIEW_CONFIRM_ACCESS = "overview_confirm_access"     # the picks awaiting a confirmation

# Invoices, quotes, sales orders: one set per kind, see documents_view.state_key
DOCUMENTS_PREFIX = "documents"

# Notifications
NOTIFICATIONS_UNREAD_ONLY = "notifications_unread_only"
NOTIFICATIONS_PAGE = "notifications_page_number"

# Mail
MAIL_STATUS = "mail_status"
MAIL_PAGE = "mail_page_number"
MAIL_TABLE = "mail_outbox_table"

# Staff
STAFF_RESET_WHO = "staff_reset_who"
# API & webhooks: the raw key just created, shown once on the next run, then forgotten.
API_NEW_KEY = "api_new_key"

# Webhooks (the API & webhooks page)
WEBHOOKS_NEW_SECRET = "webhooks_new_secret"  # (url, secret) shown once, then popped
WEBHOOKS_URL = "webhooks_register_url"
WEBHOOKS_TYPES = "webhooks_register_types"
WEBHOOKS_DESCRIPTION = "webhooks_register_description"
WEBHOOKS_TABLE = "webhooks_deliveries_table"

# Import (a file's preview and report are kept per page run of one upload)
IMPORT_KIND = "imports_kind"
IMPORT_INVITE = "imports_invite"
IMPORT_PREVIEW = "imports_preview"
IMPORT_RESULT = "imports_result"
IMPORT_RUN = "imports_run_pending"  # what "Import all" asked for, done first by the next run

# Audit trail
AUDIT_FROM = "audit_trail_from"
AUDIT_TO = "audit_trail_to"

# The customer overview's refused "Save portal access" (shown in its form)
OVERVIEW_ACCESS_ERROR = "overview_access_error"

# The customer overview's refused "Save language"
OVERVIEW_LANGUAGE_ERROR = "overview_language_error"

# Runs of the script in this session (ui.count_run)
SCRIPT_RUNS = "ui_script_runs"
FRAGMENT_RUNS = "ui_fragment_runs"
