"""Security headers on every answer: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

from flask import Flask, Response

# The one <style> element Swagger UI (web/node_modules/swagger-ui-dist 5.35) writes itself, by its
# hash: no other inline style is allowed. tests/security/test_browser.py fails when it changes.
SWAGGER_UI_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {SWAGGER_UI_STYLE}",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",  # MapLibre GL JS 6 starts its workers from its own file: no blob: needed
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_security_headers(app: Flask) -> None:
    """Set SECURITY_HEADERS on every answer the app makes, errors included."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        response.headers.pop("X-Powered-By", None)  # pygeoapi's answers name it and its version
        return response
