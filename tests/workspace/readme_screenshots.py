"""Copy the README's workspace screenshot from the browser tests' output (var/screenshots/workspace/)
to docs/screenshots/, as WebP.

    make readme-screenshots     # runs the browser tests first
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.workspace.conftest import SCREENSHOTS

README_SCREENSHOTS = ("report-section-ru-desktop",)  # an import's report with its diff map
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
QUALITY = 82


def main() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in README_SCREENSHOTS:
        target = DOCS / f"workspace-{name}.webp"
        with Image.open(SCREENSHOTS / f"{name}.png") as image:
            image.convert("RGB").save(target, "WEBP", quality=QUALITY, method=6)
        print(f"{target.relative_to(DOCS.parents[1])}: {target.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
