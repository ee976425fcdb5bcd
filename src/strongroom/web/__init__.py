"""Strongroom Web: the built browser client (``web/`` sources, built into ``static/``), served at ``/``.

The page is a client of the public APIs on the same origin; the server only hands out its files. Every
answer carries a strict Content-Security-Policy (no inline script, nothing from another origin, no
framing). Asset names carry a content hash, so they are cached for a year; the HTML is never stored, so a
new release is picked up at the next load.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from strongroom.kit.errors import error_response

__all__ = ["CSP", "STATIC_DIR", "available", "routes"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The invitation token travels in the fragment, which no Referer carries; no path either.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def available(static_dir: Path = STATIC_DIR) -> bool:
    """True when the built client is present (``index.html`` in the static folder)."""
    return (static_dir / "index.html").is_file()


def _file(path: Path, cache_control: str) -> Response:
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        headers={**_SECURITY_HEADERS, "Cache-Control": cache_control},
    )


def _inside(base: Path, name: str) -> Path | None:
    """``base/name`` when it is a file inside ``base`` (no ``..``, no link out of it), else None."""
    if not name or "\\" in name or "\x00" in name:
        return None
    candidate = (base / name).resolve()
    if not candidate.is_relative_to(base.resolve()) or not candidate.is_file():
        return None
    return candidate


def routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """``/`` (the page), ``/assets/<hashed name>`` and the few top-level files (icons) of the built client."""

    async def index(_: Request) -> Response:
        return _file(static_dir / "index.html", "no-store")

    async def asset(request: Request) -> Response:
        found = _inside(static_dir / "assets", request.path_params["name"])
        if found is None:
            return error_response(404, "not_found", "Not Found")
        return _file(found, _IMMUTABLE)

    async def top_level(request: Request) -> Response:
        name = request.path_params["name"]
        found = _inside(static_dir, name) if name != "index.html" else None
        if found is None:
            return error_response(404, "not_found", "Not Found")
        return _file(found, "no-cache")

    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/assets/{name:path}", asset, methods=["GET", "HEAD"]),
        Route("/{name}", top_level, methods=["GET", "HEAD"]),
    ]
