"""One rule for every route whose path names a layer: visibility first.

A layer the caller may not read (a restricted layer, for anonymous callers) is answered exactly
as a layer that does not exist: the same 404 and problem body, before the route runs and so
before it checks sign-in, rights, parameters or body. An anonymous write to a *public* layer
still reaches its route and is asked to sign in (401); only what exists is worth signing in for.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from geohub.auth.context import current_principal

LAYER_ARGUMENT = "layer_id"  # how every route names a layer in its path (`/collections/<layer_id>/…`)


def register_layer_visibility(app: Flask) -> None:
    """Check, before every route that names a layer, that the caller may see it (after sign-in)."""
    app.before_request(hide_unreadable_layer)


def hide_unreadable_layer() -> None:
    """LayerNotFoundError, word for word a missing layer's, when the caller may not read the layer."""
    layer_id = (request.view_args or {}).get(LAYER_ARGUMENT)
    # a CORS preflight carries no credentials and says nothing of the layer (a missing one's is
    # the same 200): refusing it would stop staff's browser clients before they can sign in
    if layer_id is not None and request.method != "OPTIONS":
        current_app.extensions["geohub"].registry.readable(layer_id, current_principal())
