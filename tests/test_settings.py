"""Settings: defaults run the demo, GEOHUB_* overrides, a TOML file, and typos that stop start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from geohub.settings import Settings, describe_settings_error, load_settings


def test_defaults_run_the_embedded_demo() -> None:
    settings = load_settings()
    assert settings.storage_backend == "geopackage"
    assert settings.database_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.data_dir == Path("var").resolve()


def test_environment_overrides_top_level_and_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOHUB_PORT", "9100")
    monkeypatch.setenv("GEOHUB_DATABASE_URL", "postgresql://127.0.0.1/geohub")
    monkeypatch.setenv("GEOHUB_STORAGE__POOL_MAX_SIZE", "3")
    settings = load_settings()
    assert settings.port == 9100
    assert settings.storage_backend == "postgis"
    assert settings.storage.pool_max_size == 3


def test_toml_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "geohub.toml"
    config.write_text('port = 8500\npublic_url = "https://geo.almaty.kz/"\n[storage]\npool_max_size = 4\n')
    monkeypatch.setenv("GEOHUB_CONFIG", str(config))
    monkeypatch.setenv("GEOHUB_STORAGE__POOL_MAX_SIZE", "6")
    settings = load_settings()
    assert settings.port == 8500
    assert settings.public_url == "https://geo.almaty.kz"
    assert settings.storage.pool_max_size == 6


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GEOHUB_PORT", "eighty", "GEOHUB_PORT"),
        ("GEOHUB_PORT", "70000", "GEOHUB_PORT"),
        ("GEOHUB_DATABASE_URL", "mysql://127.0.0.1/geohub", "GEOHUB_DATABASE_URL"),
        ("GEOHUB_PUBLIC_URL", "geo.almaty.kz", "GEOHUB_PUBLIC_URL"),
        ("GEOHUB_LOG_LEVEL", "LOUD", "GEOHUB_LOG_LEVEL"),
        ("GEOHUB_STORAGE__POOL_MAX_SIZE", "0", "GEOHUB_STORAGE__POOL_MAX_SIZE"),
    ],
)
def test_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        load_settings()
    message = describe_settings_error(caught.value)
    assert named in message
    assert "\n" not in message


def test_unknown_environment_key_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOHUB_PROT", "8000")
    with pytest.raises(ValueError, match="GEOHUB_PROT"):
        load_settings()


def test_unknown_toml_key_stops_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "geohub.toml"
    config.write_text("prot = 8000\n")
    monkeypatch.setenv("GEOHUB_CONFIG", str(config))
    with pytest.raises(ValidationError, match="prot"):
        load_settings()


def test_missing_config_file_named_by_environment_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOHUB_CONFIG", "/nonexistent/geohub.toml")
    with pytest.raises(FileNotFoundError, match=r"geohub\.toml"):
        load_settings()


def test_every_setting_has_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name
