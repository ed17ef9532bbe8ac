"""Records: the small relational tables beside the layers (accounts, audit log, imports).

Embedded: one SQLite file under `data_dir`. PostGIS deployments: the same database as the layers,
schema `geohub`. The tables are defined once (`tables.py`, SQLAlchemy Core) and created when
missing; callers build statements on them with SQLAlchemy Core and run them through
`RecordsDatabase` (`database.py`), so no module outside this package writes SQL text or knows
which database it talks to. Moments are fixed-width ISO 8601 UTC text (`stamps.py`).
"""

from geohub.records.database import RecordsDatabase, open_records
from geohub.records.stamps import from_stamp, to_stamp, utc_now

__all__ = ["RecordsDatabase", "from_stamp", "open_records", "to_stamp", "utc_now"]
