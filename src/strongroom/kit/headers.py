"""Security headers on every response, and the API docs page served without any third-party script.

Answers of the API are JSON that no browser should sniff, cache, frame or follow with a referrer; HSTS is
sent when the operator's public URL is https (behind a TLS-terminating proxy the app itself sees plain
HTTP, so the configured URL, not the request, decides).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON answers load nothing; the docs page loads its own scripts and styles, from this origin only (the
# inline part is Swagger UI's start-up script).
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"
DOCS_ASSETS = "/docs-assets"


def security_headers(*, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeadersMiddleware:
    """Sets the headers of :func:`security_headers` on every response; ``Cache-Control: no-store`` and the
    API's CSP unless the response chose its own (the docs page and its static assets)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self._headers = security_headers(https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._headers:
                    headers[name.decode()] = value.decode()
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = API_CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_docs(app: FastAPI, *, enabled: bool) -> None:
    """``/docs``: Swagger UI with its assets served by the app itself (no CDN), when ``enabled``."""
    if not enabled:
        return
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    async def docs(request: Request) -> Response:
        root = request.scope.get("root_path", "").rstrip("/")
        page: HTMLResponse = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        page.headers["Cache-Control"] = "no-cache"
        return page

    # A plain route, like FastAPI's own docs: not an API operation (no OpenAPI entry, no matrix row).
    app.add_route("/docs", docs, include_in_schema=False)
