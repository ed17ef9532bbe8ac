"""The reports tables, in the records MetaData (schema `geohub` on PostgreSQL, none on SQLite).

`reports` holds one row per report, its private contact details included (only the service reads
them; no public answer has them). `report_status_changes` is its history, one row per move.
`report_photos` holds a report's photos and thumbnails as bytes (re-encoded JPEG, no metadata),
so a photo is committed in the same transaction as its report.
`create_report_tables` makes them when missing, like the records tables themselves, and adds
the nullable columns a later GeoHub defined to tables an earlier one made (no data is touched).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    func,
    select,
    text,
)

from geohub.records.stamps import Stamp
from geohub.records.tables import METADATA, add_missing_columns

reports = Table(
    "reports",
    METADATA,
    Column("tracking_id", Text, primary_key=True),
    Column("secret_hash", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("lon", Double, nullable=False),
    Column("lat", Double, nullable=False),
    Column("district", Text),
    Column("address", Text),
    Column("department", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Column("due_at", Stamp, nullable=False),
    Column("duplicate_of", Text, ForeignKey("reports.tracking_id")),
    Column("supporters", Integer, nullable=False, server_default=text("0")),
    Column("language", Text, nullable=False),
    Column("approved_at", Stamp),  # a moderator made the description and photos public
    Column("contact_email", Text),  # private
    Column("contact_phone", Text),  # private
    Index("reports_nearby", "category", "lat", "lon"),
    Index("reports_queue", "department", "status", "due_at"),  # the queue's counts per status
    # the staff's queue pages in each order, and narrowed to a category (geohub/report_desk)
    Index("reports_queue_due", "department", "due_at"),
    Index("reports_queue_created", "department", "created_at"),
    Index("reports_queue_updated", "department", "updated_at"),
    Index("reports_queue_supporters", "department", "supporters"),
    Index("reports_queue_category", "department", "category", "status", "due_at"),
    Index("reports_updated", "updated_at"),  # the public layer's sync reads what changed since
)

report_status_changes = Table(
    "report_status_changes",
    METADATA,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), Identity(always=True), primary_key=True),
    Column("tracking_id", Text, ForeignKey(reports.c.tracking_id), nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Column("role", Text, nullable=False),  # citizen, moderator, publisher, admin, system
    Column("actor", Text),  # a staff account's name: private
    Column("at", Stamp, nullable=False),
    Column("comment", Text, nullable=False, server_default=text("''")),
    Column("kind", Text),  # NULL or status: a move; assign, reply, merge, approve (from == to)
    Column("department", Text),  # assign: the department the report went to
    Column("related_report", Text),  # merge: the other report (merged in, or merged into)
    Index("report_status_changes_report", "tracking_id", "id"),
    sqlite_autoincrement=True,
)

report_photos = Table(
    "report_photos",
    METADATA,
    Column("tracking_id", Text, ForeignKey(reports.c.tracking_id), primary_key=True),
    Column("position", Integer, primary_key=True),  # 1, 2, 3… in the order the citizen sent them
    Column("media_type", Text, nullable=False),
    Column("image", LargeBinary, nullable=False),
    Column("thumbnail", LargeBinary, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("created_at", Stamp, nullable=False),
)

REPORT_TABLES = (reports, report_status_changes, report_photos)


def create_report_tables(conn: Connection) -> None:
    """Create the reports tables when missing (idempotent; on PostgreSQL under the records DDL lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("geohub.records.ddl"))))
    METADATA.create_all(conn, tables=list(REPORT_TABLES))
    add_missing_columns(conn, REPORT_TABLES)
