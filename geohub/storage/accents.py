"""Accent folding for CQL2's ACCENTI, the same on both backends: one table of accented letters
(Latin and Cyrillic, `й` → `и`, `ё` → `е`, `é` → `e`) and their base letters, made from Unicode's
canonical decompositions. PostgreSQL applies it with translate(), SQLite with gh_accenti()."""

from __future__ import annotations

import unicodedata

_RANGES = ((0x00C0, 0x0250), (0x0400, 0x0530), (0x1E00, 0x1F00))


def _table() -> tuple[str, str]:
    accented, bases = [], []
    for start, end in _RANGES:
        for code in range(start, end):
            letter = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFD", letter) if not unicodedata.combining(c))
            if len(base) == 1 and base != letter:
                accented.append(letter)
                bases.append(base)
    return "".join(accented), "".join(bases)


ACCENTED, UNACCENTED = _table()
_TRANSLATION = str.maketrans(ACCENTED, UNACCENTED)


def fold_accents(text: object) -> str | None:
    """`text` with its accented letters replaced by their base letters (NULL stays NULL)."""
    return None if text is None else str(text).translate(_TRANSLATION)
