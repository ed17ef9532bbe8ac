"""An app with the styles blueprint, and the built glyphs and sprites the style tests read."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.settings import Settings
from geohub.styles.documents import StyleLibrary, load_library
from geohub.styles.glyphs import GLYPHS_DIR
from geohub.styles.sprites import SPRITES_DIR

PUBLIC_URL = "http://geohub.test:8123"  # not where the test client sends requests: links must use it
BUILD_HINT = "run `make install` (it builds web/build/ from styles/tools/)"


@pytest.fixture(scope="session")
def styles_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith("GEOHUB_"):
                patch.delenv(name)
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("styles"), public_url=PUBLIC_URL, log_level="WARNING"
        )
        app = create_app(settings)
    yield app
    app.extensions["geohub"].close()


@pytest.fixture
def client(styles_app: Flask) -> FlaskClient:
    return styles_app.test_client()


@pytest.fixture(scope="session")
def library() -> StyleLibrary:
    return load_library()


@pytest.fixture(scope="session")
def glyphs_dir() -> Path:
    assert (GLYPHS_DIR / "DejaVu Sans" / "0-255.pbf").is_file(), f"no glyphs in {GLYPHS_DIR}: {BUILD_HINT}"
    return GLYPHS_DIR


@pytest.fixture(scope="session")
def sprites_dir() -> Path:
    assert (SPRITES_DIR / "geohub.json").is_file(), f"no sprites in {SPRITES_DIR}: {BUILD_HINT}"
    return SPRITES_DIR


@pytest.fixture(scope="session")
def sprite_index(sprites_dir: Path) -> dict[str, Any]:
    index: dict[str, Any] = json.loads((sprites_dir / "geohub.json").read_text())
    return index
