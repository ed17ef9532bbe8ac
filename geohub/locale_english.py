"""`python -m geohub.locale_english`: the English catalogue's translations are its msgids.

Run by `make messages` after `pybabel update`, which leaves new entries empty in every language.
"""

from __future__ import annotations

from babel.messages.pofile import read_po, write_po

from geohub.messages import LOCALE_DIR


def main() -> None:
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po, locale="en")
    for message in catalogue:
        if message.id:
            message.string = message.id
    with path.open("wb") as po:
        write_po(po, catalogue, width=100, include_lineno=False)


if __name__ == "__main__":
    main()
