"""What a view says about itself for /openapi: `@documented(...)` attaches an Operation to it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pydantic import BaseModel

JSON = "application/json"
View = TypeVar("View", bound=Callable[..., object])
_ATTRIBUTE = "__geohub_operation__"


@dataclass(frozen=True)
class Reply:
    """One documented answer: a description, its media type and optionally its body's model.

    `media` may map a path value to a media type when one view serves several (`download.<extension>`).
    """

    description: str
    model: type[BaseModel] | None = None
    media: str | Mapping[str, str] | None = JSON
    headers: Mapping[str, str] = field(default_factory=dict)  # name -> description


@dataclass(frozen=True)
class Body:
    """A request body: its model, the media types it may come as, and whether it may be left out.

    `forms` adds media types whose body has another model (`multipart/form-data` with file parts
    beside the JSON body).
    """

    model: type[BaseModel]
    media: tuple[str, ...] = (JSON,)
    required: bool = True
    forms: Mapping[str, type[BaseModel]] = field(default_factory=dict)  # media type -> its model


@dataclass(frozen=True)
class Operation:
    """A route's OpenAPI operation, declared beside its view.

    `problems` are the 4xx/5xx statuses it answers with problem+json (the one Problem response).
    `per_layer` writes one path per layer of the reader's document (`<layer_id>` filled in, tagged
    with the layer, `{title}` and `{Layer}` in summary and operationId) as pygeoapi does for its
    own per-layer paths; otherwise `<layer_id>` stays the template `{collectionId}`.
    `path_values` fills a variable with each of a few fixed values (one path each);
    `path_names` renames a variable for the document (`z` -> `tileMatrix`); `examples` gives a
    variable a value that is served (clients, Swagger UI and the fuzz tests start from it).
    """

    summary: str
    tags: tuple[str, ...]
    responses: Mapping[int, Reply]
    problems: tuple[int, ...] = ()
    operation_id: str | None = None
    description: str | None = None
    query: type[BaseModel] | None = None
    body: Body | None = None
    security: Literal["read", "bearer", "none"] = "read"
    per_layer: bool = False
    path_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    path_names: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, str] = field(default_factory=dict)  # variable -> a value that is served

    def __call__(self, view: View) -> View:
        """Used as a decorator: attach this operation to the view, which is otherwise unchanged."""
        setattr(view, _ATTRIBUTE, self)
        return view


NOT_MODIFIED = Reply("Not modified (If-None-Match)", media=None)
NO_STORE = {"Cache-Control": "`no-store`: no cache may keep the answer"}
documented = Operation  # `@documented(summary=..., tags=..., responses=...)` above a view


def operation_of(view: Callable[..., object]) -> Operation | None:
    """The Operation `@documented` attached to `view`, if any."""
    operation = getattr(view, _ATTRIBUTE, None)
    return operation if isinstance(operation, Operation) else None
