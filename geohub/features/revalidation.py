"""Conditional answers for the landing page and collection documents: ETag, Last-Modified, 304.

The ETag is a digest of the body as sent and of the newest publication, so it changes with
anything in the body (a publish, a language, the base URL) and whenever Last-Modified does; staff's
names their audience, so a client holding staff's document never gets a 304
for the public one. Last-Modified is the newest publication among the layers the document
describes. Clients must revalidate (`no-cache`); staff answers are also `private` (routes.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from flask import Response, request

from geohub.auth.context import current_principal
from geohub.auth.principal import ANONYMOUS
from geohub.freshness import Freshness


def last_published(freshness: Iterable[Freshness]) -> datetime | None:
    """The newest publication among these layers (None when none is published)."""
    return max((f.published_at for f in freshness if f.published_at is not None), default=None)


def revalidated(response: Response, freshness: Iterable[Freshness]) -> Response:
    """`response` with its ETag and Last-Modified; a 304 when the client's copy is still current."""
    modified = last_published(freshness)
    digest = hashlib.sha256(response.get_data())
    digest.update(modified.isoformat().encode() if modified else b"")  # both validators change together
    etag = digest.hexdigest()[:32]
    audience = current_principal().audience
    if audience != ANONYMOUS.audience:
        etag += f"-{audience}"
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.cache_control.no_cache = True
    response.make_conditional(request)  # in place
    return response
