"""Who each request writes as, for the store's read-your-writes over read replicas.

The signed-in account, else the client address (anonymous writes such as citizen reports); set
after authentication, for the whole request, in the context variable of geohub/storage/writers.py.
A request that may write (any method but GET, HEAD, OPTIONS) reads on the primary throughout.
Registered only when the settings name read replicas.
"""

from __future__ import annotations

from flask import Flask, g, request

from geohub.auth.context import current_principal
from geohub.storage.writers import enter_writer, leave_writer

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_request_writer(app: Flask) -> None:
    """Name each request's writer (call after register_authentication: it needs the principal)."""
    if not app.extensions["geohub"].settings.database_replica_urls:
        return
    app.before_request(_enter)
    app.teardown_request(_leave)


def writer_key() -> str:
    """`user:<name>` when signed in, else `ip:<client address>`."""
    user = current_principal().user
    return f"user:{user}" if user is not None else f"ip:{request.remote_addr}"


def _enter() -> None:
    g.writer_token = enter_writer(writer_key(), on_primary=request.method not in READING_METHODS)


def _leave(_: BaseException | None) -> None:
    token = g.pop("writer_token", None)
    if token is not None:
        leave_writer(token)
