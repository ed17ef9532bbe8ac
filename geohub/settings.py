"""Settings: the one typed settings object, loaded from a TOML file with GEOHUB_* overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "geohub.toml"


class StorageSettings(BaseModel):
    """Connection tuning for the storage backends."""

    model_config = ConfigDict(extra="forbid")

    pool_min_size: int = Field(1, ge=0, description="PostGIS: connections kept open per process.")
    pool_max_size: int = Field(8, ge=1, description="PostGIS: most connections per process.")
    connect_timeout_s: float = Field(5.0, gt=0, description="PostGIS: seconds to wait for a connection.")
    statement_timeout_ms: int = Field(
        30_000, ge=0, description="PostGIS: longest a read query may run (0 = no limit)."
    )
    index_build_memory_mb: int = Field(
        256,
        ge=1,
        le=65_536,
        description="PostGIS: memory (maintenance_work_mem) for each index an import builds, in MB; "
        "two are built at once. The server's default of 64 MB makes the key's sort spill to disk.",
    )
    replica_max_lag_ms: int = Field(
        1000,
        ge=0,
        le=3_600_000,
        description="PostGIS read replicas: a replica further behind the primary than this (how long "
        "ago the oldest WAL it has not replayed was written) is skipped.",
    )
    replica_check_ms: int = Field(
        250,
        ge=10,
        le=60_000,
        description="PostGIS read replicas: milliseconds between two checks of each replica's health "
        "and replay position (one small query to the primary and one to each replica, per process).",
    )


def _check_rate_limit(value: str) -> str:
    from limits import parse_many

    try:
        if parse_many(value):
            return value
    except ValueError:
        pass
    raise ValueError("must be a rate limit like 600/minute or 1000 per hour")


class AuthSettings(BaseModel):
    """Sign-in tokens and rate limits."""

    model_config = ConfigDict(extra="forbid")

    token_lifetime_h: float = Field(
        12.0, gt=0, le=24 * 90, description="Hours a token from `POST /auth/tokens` (sign-in) stays valid."
    )
    rate_limits_enabled: bool = Field(
        True, description="Apply the rate limits below and app keys' own limits."
    )
    anonymous_rate_limit: str = Field(
        "1200/minute",
        description="Requests per client address without an app key (signed-in users: per account).",
    )
    sign_in_rate_limit: str = Field("10/minute", description="Sign-in attempts per client address.")
    app_key_rate_limit: str = Field(
        "1000/hour", description="The rate limit of a key an app developer registers at `/developers/`."
    )
    app_registration_rate_limit: str = Field(
        "10/hour", description="App registrations at `/developers/` per client address."
    )
    rate_limit_storage_uri: str = Field(
        "memory://",
        description="Where rate-limit counters live: `memory://` (per process) or `redis://host:port`.",
    )

    _rate_limits = field_validator(
        "anonymous_rate_limit", "sign_in_rate_limit", "app_key_rate_limit", "app_registration_rate_limit"
    )(_check_rate_limit)

    @field_validator("rate_limit_storage_uri")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://")):
            raise ValueError("must start with memory:// or redis://")
        return value


class EtlSettings(BaseModel):
    """Imports: upload limits, the city's bounds that every feature must lie in, staging."""

    model_config = ConfigDict(extra="forbid")

    max_upload_bytes: int = Field(
        256 * 1024 * 1024, ge=1024, description="Largest file an import upload may be, in bytes."
    )
    city_bounds: tuple[float, float, float, float] = Field(
        (76.55, 42.95, 77.45, 43.55),
        description="lon/lat box every imported feature must lie in (Almaty with a margin).",
    )
    keep_versions: int = Field(
        10, ge=2, le=1000, description="Versions kept per layer for rollback (older ones are dropped)."
    )
    max_reported_problems: int = Field(
        1000, ge=1, description="Invalid rows listed one by one in an import report (the rest counted)."
    )
    read_timeout_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Longest an uploaded or downloaded file may take to read, in seconds; its sandboxed "
        "reader process is killed then and the import refused (422).",
    )
    read_memory_bytes: int = Field(
        6 * 1024**3,
        ge=256 * 1024**2,
        description="Address space the sandboxed reader process of an upload may use, in bytes.",
    )
    max_source_fields: int = Field(
        500, ge=1, le=100_000, description="Most fields (columns) an uploaded file may have (more is a 413)."
    )
    max_source_rows: int = Field(
        1_000_000, ge=1, description="Most rows (features) an uploaded file may have (more is a 413)."
    )
    max_source_cells: int = Field(
        20_000_000,
        ge=1,
        description="Most values (rows × fields) an uploaded file may hold (more is a 413): bounds the "
        "memory and time of everything after the read.",
    )
    replace_guard_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of a layer's live features an import (replace, delete, or a sync) may remove "
        "before publishing it needs an explicit confirmation (`confirmRemoval`, `--confirm-removal`).",
    )


class ReportsSettings(BaseModel):
    """Citizen reports: photos, closing, what the public layer shows, how long contacts are kept."""

    model_config = ConfigDict(extra="forbid")

    max_photos: int = Field(3, ge=0, le=10, description="Most photos one report may carry.")
    max_photo_bytes: int = Field(
        8 * 1024 * 1024, ge=64 * 1024, description="Largest photo file a citizen may upload, in bytes."
    )
    max_photo_pixels: int = Field(
        40_000_000,
        ge=1_000_000,
        description="Most pixels a photo may decode to (a decompression bomb is a 413).",
    )
    photo_side_px: int = Field(
        2048, ge=256, le=8192, description="Longest side a stored photo is scaled down to, in pixels."
    )
    thumbnail_side_px: int = Field(
        320, ge=64, le=1024, description="Longest side of a photo's thumbnail, in pixels."
    )
    auto_close_after_days: float = Field(
        14.0, gt=0, description="Days a resolved report waits for the citizen before it closes by itself."
    )
    public_closed_days: float = Field(
        30.0, ge=0, description="Days a closed report stays in the public `reports` layer."
    )
    contact_retention_days: float = Field(
        90.0, ge=0, description="Days after closing (or rejection) a report's e-mail and phone are erased."
    )
    open311_jurisdiction: str = Field(
        "almaty.kz",
        min_length=1,
        max_length=100,
        description="The Open311 `jurisdiction_id` GeoHub answers to (requests may also leave it out).",
    )


class LayersSettings(BaseModel):
    """The live layer catalogue: layers approved as a service, added without a restart."""

    model_config = ConfigDict(extra="forbid")

    refresh_interval_s: float = Field(
        1.0,
        ge=0,
        le=3600,
        description="Most seconds a worker goes without checking the catalogue generation (one "
        "primary-key read) before it serves newly approved layers.",
    )


class TilesSettings(BaseModel):
    """Vector tiles: how soon a node learns of a publish on another node."""

    model_config = ConfigDict(extra="forbid")

    version_check_ms: int = Field(
        250,
        ge=0,
        le=60_000,
        description="Most milliseconds a worker goes without reading the layers' published versions "
        "(one small query) that key its cached tiles, ETags and TileJSON tile URLs; `0` reads them "
        "for every tile.",
    )


class Settings(BaseSettings):
    """Everything GeoHub can be told; defaults run the embedded Almaty demo."""

    model_config = SettingsConfigDict(
        env_prefix="GEOHUB_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    database_url: str | None = Field(
        None,
        description="Unset: embedded GeoPackage storage under data_dir. `postgresql://…`: PostGIS storage.",
    )
    database_replica_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="PostGIS read replicas (streaming standbys of `database_url`): layer reads go to a "
        "healthy one, writes to the primary. Empty: every query goes to `database_url`. In the "
        "environment: comma-separated, or a JSON list.",
    )
    data_dir: Path = Field(Path("var"), description="Where the embedded store and caches live.")
    host: str = Field("127.0.0.1", description="Address `geohub serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `geohub serve` listens on.")
    public_url: str | None = Field(
        None,
        description="Base URL clients reach GeoHub at, used in links; unset: each request's own "
        "(its Host, or X-Forwarded-Host/-Proto/-Port from trusted proxies).",
    )
    workers: int = Field(2, ge=1, le=64, description="Worker processes for `geohub serve`.")
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=5,
        description="Reverse proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host/-Port "
        "are believed.",
    )
    layers_dir: Path = Field(PROJECT_ROOT / "layers", description="Folder of layer definitions (*.yaml).")
    demo_data_dir: Path = Field(
        PROJECT_ROOT / "data" / "almaty", description="Folder the demo sources are read from."
    )
    log_level: str = Field("INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
    storage: StorageSettings = Field(
        default_factory=StorageSettings,
        description="Storage connection tuning (`GEOHUB_STORAGE__POOL_MAX_SIZE`, …).",
    )
    etl: EtlSettings = Field(
        default_factory=EtlSettings,
        description="Imports: upload limit, city bounds, report length (`GEOHUB_ETL__MAX_UPLOAD_BYTES`, …).",
    )
    auth: AuthSettings = Field(
        default_factory=AuthSettings,
        description="Sign-in tokens and rate limits (`GEOHUB_AUTH__ANONYMOUS_RATE_LIMIT`, …).",
    )
    reports: ReportsSettings = Field(
        default_factory=ReportsSettings,
        description="Citizen reports: photos, auto-closing, retention (`GEOHUB_REPORTS__MAX_PHOTOS`, …).",
    )
    layers: LayersSettings = Field(
        default_factory=LayersSettings,
        description="Layers added as a service: how often workers look for new ones "
        "(`GEOHUB_LAYERS__REFRESH_INTERVAL_S`).",
    )

    tiles: TilesSettings = Field(
        default_factory=TilesSettings,
        description="Vector tiles: how often workers read the published versions "
        "(`GEOHUB_TILES__VERSION_CHECK_MS`).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (or be unset for GeoPackage)")
        return value

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _replica_url_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the environment
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [url.strip() for url in text.split(",") if url.strip()]
        return value

    @field_validator("database_replica_urls")
    @classmethod
    def _replica_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("postgresql://", "postgres://")):
                raise ValueError("each replica URL must start with postgresql://")
        return value

    @model_validator(mode="after")
    def _replicas_need_a_primary(self) -> Settings:
        if self.database_replica_urls and not self.database_url:
            raise ValueError("database_replica_urls needs database_url (the primary)")
        return self

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def storage_backend(self) -> str:
        """`postgis` when a database URL is set, else `geopackage`."""
        return "postgis" if self.database_url else "geopackage"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: arguments, then GEOHUB_* variables, then the TOML file."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file_from(init_settings, env_settings)
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


def _config_file_from(*sources: PydanticBaseSettingsSource) -> Path | None:
    """The TOML file named by GEOHUB_CONFIG (or the default one when it exists)."""
    import os  # settings are the one place that reads the environment

    named = os.environ.get("GEOHUB_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise FileNotFoundError(f"GEOHUB_CONFIG names a missing file: {path}")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def describe_settings_error(error: ValidationError) -> str:
    """One line naming the bad setting(s) and why."""
    parts = []
    for item in error.errors():
        name = "__".join(str(p) for p in item["loc"]).upper()
        parts.append(f"GEOHUB_{name}: {item['msg']}" if name else item["msg"])
    return "invalid settings: " + "; ".join(parts)


def unknown_environment_keys(environ: dict[str, str]) -> list[str]:
    """GEOHUB_* variables that name no setting (a typo must not pass silently)."""
    known = {"GEOHUB_CONFIG"}
    for name, field in Settings.model_fields.items():
        known.add(f"GEOHUB_{name.upper()}")
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            known.update(f"GEOHUB_{name.upper()}__{sub.upper()}" for sub in nested.model_fields)
    return sorted(key for key in environ if key.upper().startswith("GEOHUB_") and key.upper() not in known)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from the TOML file, the environment and explicit overrides."""
    import os

    unknown = unknown_environment_keys(dict(os.environ))
    if unknown:
        raise ValueError(f"unknown setting in the environment: {', '.join(unknown)}")
    return Settings(**overrides)
