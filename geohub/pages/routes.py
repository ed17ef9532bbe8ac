"""The pages' own scripts and styles at /assets: no page carries inline script or style."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

ASSETS_DIR = Path(__file__).with_name("assets")
TEMPLATES_DIR = Path(__file__).with_name("templates")  # pygeoapi's templates, overridden

pages = Blueprint("pages", __name__, static_folder=str(ASSETS_DIR), static_url_path="/assets")
