"""Headers on every answer of the console: it cannot be framed, sniffed or leak its address."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Streamlit's page needs its inline styles and scripts, so its policy only forbids framing;
# the sign-in page sends a strict policy of its own (web.sign_in.PAGE_CSP).
DEFAULT_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it browsers send `Origin: null` on our own form posts.
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware (streaming answers pass through untouched) adding DEFAULT_HEADERS
    to every HTTP answer that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request, adding the headers to its start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
