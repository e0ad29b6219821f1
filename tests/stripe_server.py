"""A local stand-in for the few Stripe endpoints Doorstep uses (no Stripe server is reachable
from the test machines), and Stripe's webhook signing scheme.

The official `stripe` library talks to it over real HTTP (STRIPE_API_BASE points there):
`POST /v1/checkout/sessions` answers like Stripe (idempotency keys honoured, amounts summed
from the line items). It also serves a minimal hosted checkout page (`/pay/<session>`): paying
there sends the `checkout.session.completed` event, signed with the webhook secret, to the
portal's webhook address, then returns the browser to the session's success_url.
"""

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_" + "51Doorstep" + "x" * 20 + "4242"
PUBLISHABLE_KEY = "pk_test_51Doorstep" + "y" * 20
WEBHOOK_SECRET = "whsec_" + "testsigningsecret0123456789"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.payload")>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_type: str, data: dict, *, event_id: str | None = None,
          livemode: bool = False) -> bytes:
    """The JSON body of a Stripe event around one object."""
    return json.dumps({
        "id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event",
        "api_version": "2025-01-27", "created": int(time.time()), "livemode": livemode,
        "type": event_type, "data": {"object": data},
    }).encode()


def _nested(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (line_items[0][price_data][currency]=usd) as nested values."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    def listify(node):
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node
    return listify(root)


class FakeStripe:
    """The stand-in server; `sessions` holds every Checkout Session made, by id."""

    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.requests: list[tuple[str, str, dict]] = []
        self.webhook_url = ""
        self.webhook_delay = 0.0  # seconds between paying and the event (Stripe is not instant)
        self.failures = 0  # answer this many session requests with a 500
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeStripe":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def create_session(self, params: dict, key: str, auth: str) -> tuple[int, dict]:
        if auth != f"Bearer {SECRET_KEY}":
            return 401, {"error": {"type": "invalid_request_error",
                                   "message": "Invalid API Key provided"}}
        if self.failures:
            self.failures -= 1
            return 500, {"error": {"type": "api_error", "message": "Something went wrong"}}
        with self._lock:
            if key and key in self.by_key:
                return 200, self.sessions[self.by_key[key]]
            session_id = f"cs_test_{secrets.token_hex(16)}"
            lines = params.get("line_items", [])
            total = sum(int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1))
                        for line in lines)
            session = {
                "id": session_id, "object": "checkout.session", "mode": "payment",
                "url": f"{self.base}/pay/{session_id}", "status": "open",
                "payment_status": "unpaid", "amount_total": total,
                "currency": lines[0]["price_data"]["currency"] if lines else "usd",
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}), "payment_intent": None,
                "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
                "customer_email": params.get("customer_email"),
                "expires_at": int(params.get("expires_at") or time.time() + 86400),
                "livemode": False, "line_items_sent": lines,
            }
            self.sessions[session_id] = session
            if key:
                self.by_key[key] = session_id
            return 200, session

    def complete(self, session_id: str, *, payment_status: str = "paid") -> bytes:
        """Mark a session paid; returns the signed-ready body of its completed event."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status=payment_status,
                       payment_intent=session["payment_intent"]
                       or f"pi_{secrets.token_hex(12)}")
        return event("checkout.session.completed", dict(session))

    def refund(self, session_id: str, amount_refunded: int) -> bytes:
        """The body of a charge.refunded event for the session's payment."""
        session = self.sessions[session_id]
        return event("charge.refunded", {
            "id": f"ch_{secrets.token_hex(12)}", "object": "charge",
            "amount": session["amount_total"], "amount_refunded": amount_refunded,
            "currency": session["currency"], "payment_intent": session["payment_intent"],
            "refunded": amount_refunded == session["amount_total"]})

    def deliver(self, body: bytes) -> int:
        """POST a signed event to the portal's webhook address, as Stripe does."""
        request = urllib.request.Request(self.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": sign(body)})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type="application/json",
                      headers=()):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                path = urlsplit(self.path).path
                if path == "/v1/checkout/sessions":
                    params = _nested(parse_qsl(raw, keep_blank_values=True))
                    fake.requests.append(("POST", path, params))
                    status, answer = fake.create_session(
                        params, self.headers.get("Idempotency-Key", ""),
                        self.headers.get("Authorization", ""))
                    return self._send(status, json.dumps(answer).encode())
                if path.startswith("/pay/"):
                    session = fake.sessions.get(path.removeprefix("/pay/"))
                    if session is None:
                        return self._send(404, b"no such session", "text/plain")
                    body = fake.complete(session["id"])
                    if fake.webhook_delay:
                        threading.Timer(fake.webhook_delay, fake.deliver, (body,)).start()
                    else:
                        fake.deliver(body)
                    return self._send(303, b"", "text/plain",
                                      [("Location", session["success_url"])])
                return self._send(404, b'{"error": {"message": "not here"}}')

            def do_GET(self):  # noqa: N802 - http.server's name
                path = urlsplit(self.path).path
                session = fake.sessions.get(path.removeprefix("/pay/"))
                if not path.startswith("/pay/") or session is None:
                    return self._send(404, b"no such page", "text/plain")
                amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
                lines = "".join(f"<li>{html.escape(line['price_data']['product_data']['name'])}"
                                f"</li>" for line in session["line_items_sent"])
                page = (f"<!doctype html><html lang='en'><head><title>Stripe Checkout (test)"
                        f"</title></head><body><h1>Pay {html.escape(amount)}</h1><ul>{lines}"
                        f"</ul><form method='post'><button type='submit'>Pay {amount}</button>"
                        f"</form><a href='{html.escape(session['cancel_url'])}'>Back</a>"
                        f"</body></html>")
                return self._send(200, page.encode(), "text/html; charset=utf-8")

        return Handler
