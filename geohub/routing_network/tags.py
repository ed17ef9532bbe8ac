"""OpenStreetMap tag values read as numbers: incline, width, kerb height, step count.

Each parser takes the tag's text (or None) and returns None for what it cannot read: a tag in an
unknown form is unknown, never a guess."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = r"([+-]?\d+(?:[.,]\d+)?)"
_INCLINE = re.compile(rf"^{_NUMBER}\s*(%|°|deg|degrees?)?$")
_LENGTH = re.compile(rf"^{_NUMBER}\s*(m|cm|mm|km|ft|'|\"|in)?$")
_METRES_PER_UNIT = {None: 1.0, "m": 1.0, "cm": 0.01, "mm": 0.001, "km": 1000.0, "ft": 0.3048, "'": 0.3048}
_METRES_PER_UNIT |= {'"': 0.0254, "in": 0.0254}
KERB_CM = {
    "raised": 12.0,
    "normal": 12.0,
    "yes": 12.0,
    "rolled": 5.0,
    "lowered": 3.0,
    "flush": 0.0,
    "no": 0.0,
}


@dataclass(frozen=True)
class Incline:
    """An incline tag read: `pct` signed along the way (None for up/down without a number),
    `direction` 'up' or 'down' when the tag says only that."""

    pct: float | None
    direction: str | None = None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_incline(value: str | None) -> Incline | None:
    """`incline=*`: '5%', '-8 %', '3°' (degrees become percent), 'up'/'down'; None otherwise."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("up", "down"):
        return Incline(None, text)
    match = _INCLINE.match(text)
    if match is None:
        return None
    number, unit = _number(match.group(1)), match.group(2)
    if unit is not None and unit != "%":
        if abs(number) >= 90:
            return None
        return Incline(round(math.tan(math.radians(number)) * 100, 2))
    return Incline(number) if abs(number) <= 100 else None


def parse_length_m(value: str | None) -> float | None:
    """A width or height tag in metres: '1.2', '1,2 m', '120 cm', "3'"; None when unreadable or ≤ 0."""
    metres = _metres(value)
    return metres if metres is not None and metres > 0 else None


def _metres(value: str | None) -> float | None:
    match = _LENGTH.match(value.strip().lower()) if value is not None else None
    if match is None:
        return None
    return round(_number(match.group(1)) * _METRES_PER_UNIT[match.group(2)], 3)


def kerb_height_cm(kerb: str | None, kerb_height: str | None) -> float | None:
    """Kerb height in cm from `kerb:height` (a number wins; a bare number is metres, as OSM says)
    or else `kerb=raised|lowered|flush|…`; None when neither says."""
    height_m = _metres(kerb_height)
    if height_m is not None and 0 <= height_m < 1:
        return round(height_m * 100, 1)
    if kerb is None:
        return None
    return KERB_CM.get(kerb.strip().lower())


def parse_count(value: str | None) -> int | None:
    """A whole positive number ('12'), else None."""
    if value is None or not value.strip().isdigit():
        return None
    count = int(value.strip())
    return count if count > 0 else None
