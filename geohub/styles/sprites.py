"""Sprites: the icon sheets (MapLibre `sprite`) built at install time by styles/tools/build-sprites.cjs."""

from __future__ import annotations

import re
from pathlib import Path

from geohub.errors import NotFoundError
from geohub.messages import tr
from geohub.settings import PROJECT_ROOT

SPRITES_DIR = PROJECT_ROOT / "web" / "build" / "sprites"
SPRITE_MEDIA_TYPES = {"json": "application/json", "png": "image/png"}
_SPRITE_NAME = re.compile(r"^[a-z][a-z0-9_-]*(@2x)?$")


def sprite_file(sprite: str, extension: str, sprites_dir: Path = SPRITES_DIR) -> Path:
    """The index (json) or image (png) of sprite `sprite` (e.g. geohub, geohub@2x), or NotFoundError."""
    if extension in SPRITE_MEDIA_TYPES and _SPRITE_NAME.match(sprite):
        path = sprites_dir / f"{sprite}.{extension}"
        if path.is_file():
            return path
    raise NotFoundError(tr("There is no sprite '{sprite}.{extension}'.", sprite=sprite, extension=extension))
