"""Glyphs: the SDF glyph ranges (MapLibre `glyphs`) built at install time by styles/tools/build-glyphs.cjs."""

from __future__ import annotations

import re
from pathlib import Path

from geohub.errors import NotFoundError
from geohub.messages import tr
from geohub.settings import PROJECT_ROOT

GLYPHS_DIR = PROJECT_ROOT / "web" / "build" / "fonts"
GLYPHS_MEDIA_TYPE = "application/x-protobuf"
RANGE_SIZE = 256
LAST_CODEPOINT = 65535
_RANGE = re.compile(r"^(\d{1,5})-(\d{1,5})$")


def parse_range(range_name: str) -> tuple[int, int]:
    """`start-end` of one 256-codepoint range in 0–65535 (e.g. 1024-1279), or NotFoundError."""
    match = _RANGE.match(range_name)
    if match:
        start, end = int(match[1]), int(match[2])
        if start % RANGE_SIZE == 0 and end == start + RANGE_SIZE - 1 and end <= LAST_CODEPOINT:
            return start, end
    raise NotFoundError(
        tr(
            "There is no glyph range '{range_name}': ranges are 256 code points from 0-255 to 65280-65535.",
            range_name=range_name,
        )
    )


def available_fonts(glyphs_dir: Path = GLYPHS_DIR) -> list[str]:
    """The font names glyphs are built for (each a folder of ranges)."""
    if not glyphs_dir.is_dir():
        return []
    return sorted(path.name for path in glyphs_dir.iterdir() if path.is_dir())


def glyph_range_file(fontstack: str, range_name: str, glyphs_dir: Path = GLYPHS_DIR) -> Path:
    """The range file of the first font of the comma-separated `fontstack` that is built here."""
    start, end = parse_range(range_name)
    fonts = available_fonts(glyphs_dir)
    for font in (name.strip() for name in fontstack.split(",")):
        if font in fonts:  # a name from the folder listing: no path is built from request text
            path = glyphs_dir / font / f"{start}-{end}.pbf"
            if path.is_file():
                return path
    raise NotFoundError(
        tr(
            "No font of '{fontstack}' is served here; fonts: {value}.",
            fontstack=fontstack,
            value=", ".join(fonts) or "none",
        )
    )
