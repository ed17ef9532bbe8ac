"""What one untrusted read may use: time, memory, fields, rows, unpacked bytes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from geohub.settings import EtlSettings


@dataclass(frozen=True)
class ReadLimits:
    """Bounds of one sandboxed read; the defaults are EtlSettings' defaults."""

    timeout_s: float = 120.0
    memory_bytes: int = 6 * 1024**3
    max_fields: int = 500
    max_rows: int = 1_000_000
    max_cells: int = 20_000_000
    max_unpacked_bytes: int = 2 * 1024**3

    @classmethod
    def from_settings(cls, etl: EtlSettings) -> ReadLimits:
        """The limits the settings give."""
        return cls(
            timeout_s=etl.read_timeout_s,
            memory_bytes=etl.read_memory_bytes,
            max_fields=etl.max_source_fields,
            max_rows=etl.max_source_rows,
            max_cells=etl.max_source_cells,
            max_unpacked_bytes=max(etl.max_upload_bytes, 2 * 1024**3),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
