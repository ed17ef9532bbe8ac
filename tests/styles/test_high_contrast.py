"""High-contrast variants: larger text with a 7:1 contrast to its halo, thicker lines (WCAG-minded)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from geohub.styles.documents import StyleLibrary
from tests.styles.test_documents import BASE_STYLE_IDS, document, expressions_in

ZOOMS = range(0, 23)


def evaluate(value: Any, zoom: float, properties: dict[str, Any]) -> Any:
    """`value` at `zoom` for a feature with `properties`: numbers, zoom interpolate, match, get, coalesce."""
    if not isinstance(value, list):
        return value
    operator, *args = value
    if operator == "get":
        return properties.get(args[0])
    if operator == "coalesce":
        return next((v for v in (evaluate(a, zoom, properties) for a in args) if v is not None), None)
    if operator == "match":
        found = evaluate(args[0], zoom, properties)
        for labels, output in zip(args[1:-1:2], args[2:-1:2], strict=True):
            if found in (labels if isinstance(labels, list) else [labels]):
                return evaluate(output, zoom, properties)
        return evaluate(args[-1], zoom, properties)
    if operator == "interpolate":
        (kind, *base), _, *stops = args
        pairs = list(zip(stops[::2], stops[1::2], strict=True))
        if zoom <= pairs[0][0] or zoom >= pairs[-1][0]:
            return evaluate(pairs[0 if zoom <= pairs[0][0] else -1][1], zoom, properties)
        (z0, v0), (z1, v1) = next((a, b) for a, b in itertools.pairwise(pairs) if a[0] <= zoom <= b[0])
        ratio = base[0] if kind == "exponential" else 1.0
        t = (zoom - z0) / (z1 - z0) if ratio == 1.0 else (ratio ** (zoom - z0) - 1) / (ratio ** (z1 - z0) - 1)
        low, high = evaluate(v0, zoom, properties), evaluate(v1, zoom, properties)
        return low + t * (high - low)
    raise AssertionError(f"cannot evaluate {operator}")


def sample_features(*values: Any) -> list[dict[str, Any]]:
    """Feature properties that take every branch of the match expressions in `values`."""
    features: list[dict[str, Any]] = [{}]
    for match in expressions_in(list(values), "match"):
        if isinstance(match[1], list) and match[1][0] == "get":
            for labels in match[2:-1:2]:
                features += [
                    {match[1][1]: label} for label in (labels if isinstance(labels, list) else [labels])
                ]
    return features


def relative_luminance(color: str) -> float:
    assert len(color) == 7 and color.startswith("#"), f"use #rrggbb colours in high contrast: {color}"
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _at_least(base: Any, high: Any, factor: float) -> bool:
    for properties in sample_features(base, high):
        for zoom in ZOOMS:
            if evaluate(high, zoom, properties) < factor * evaluate(base, zoom, properties) - 1e-9:
                return False
    return True


@pytest.mark.parametrize("style_id", BASE_STYLE_IDS)
def test_high_contrast_variant_has_larger_text_thicker_lines_and_7_to_1_labels(
    library: StyleLibrary, style_id: str
) -> None:
    base = {layer["id"]: layer for layer in document(library, style_id)["layers"]}
    high = {layer["id"]: layer for layer in document(library, f"{style_id}-high-contrast")["layers"]}
    assert list(high) == list(base)
    assert high["background"]["paint"]["background-color"] == "#ffffff"
    for layer_id, layer in high.items():
        before, layout, paint = base[layer_id], layer.get("layout", {}), layer.get("paint", {})
        if "text-field" in layout:
            assert contrast_ratio(paint["text-color"], paint["text-halo-color"]) >= 7, layer_id
            assert paint["text-halo-width"] >= 2, layer_id
            size = before.get("layout", {}).get("text-size", 16)
            assert _at_least(size, layout.get("text-size", 16), 1.2), f"{layer_id}: text-size"
        for width in ("line-width", "circle-radius"):
            if width in before.get("paint", {}):
                assert _at_least(before["paint"][width], paint[width], 1.0), f"{layer_id}: {width}"
