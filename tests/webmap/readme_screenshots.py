"""Copy the README's screenshots from the browser tests' output (var/screenshots/webmap/) to
docs/screenshots/, as WebP (a tenth of the PNG's size, text still sharp).

    make readme-screenshots     # runs the web map's browser tests first
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.webmap.conftest import SCREENSHOTS

README_SCREENSHOTS = (
    "map-ru-desktop",
    "route-kk-desktop",
    "report-ru-phone",
    "route-text-kk-phone",
    "myreports-resolved-ru-desktop",
)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUALITY = 82


def main() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in README_SCREENSHOTS:
        with Image.open(SCREENSHOTS / f"{name}.png") as image:
            image.convert("RGB").save(DOCS / f"{name}.webp", "WEBP", quality=QUALITY, method=6)
        print(f"docs/screenshots/{name}.webp: {(DOCS / f'{name}.webp').stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
