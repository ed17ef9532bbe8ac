"""The records tables, defined once: accounts (users, tokens, app keys and their use), the audit
log, the import history, sync conflicts, layer proposals and the approved layer definitions.

They live in schema `geohub` on PostgreSQL; on SQLite the same `Table` objects are used without a
schema (`RecordsDatabase` maps it away). Names and types are those the tables had when each
module wrote its own DDL, so a records database created then opens unchanged: TEXT, BOOLEAN,
BIGINT and INTEGER columns, moments as fixed-width UTC text (`stamps.Stamp`), and numbered ids
as `INTEGER PRIMARY KEY AUTOINCREMENT` (SQLite) or `BIGINT GENERATED ALWAYS AS IDENTITY`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    false,
    inspect,
    text,
)

from geohub.records.stamps import Stamp

SCHEMA = "geohub"
METADATA = MetaData(schema=SCHEMA)
LARGEST_ID = 2**63 - 1  # numbered ids are 64-bit: a larger number names no row


def _number() -> Column[int]:
    """An integer primary key the database numbers itself."""
    return Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), Identity(always=True), primary_key=True
    )


def _flag(name: str) -> Column[bool]:
    return Column(name, Boolean(create_constraint=False), nullable=False, server_default=false())


def _text(name: str) -> Column[str]:
    """Text that is never null, empty unless given."""
    return Column(name, Text, nullable=False, server_default=text("''"))


users = Table(
    "users",
    METADATA,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("department", Text),
    Column("password_hash", Text),
    _flag("disabled"),
    Column("created_at", Stamp, nullable=False),
)

user_tokens = Table(
    "user_tokens",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("user_name", Text, ForeignKey(users.c.name), nullable=False),
    Column("kind", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp),
    _flag("revoked"),
    Column("last_used_at", Stamp),
    Index("user_tokens_user", "user_name"),
)

app_keys = Table(
    "app_keys",
    METADATA,
    Column("id", Text, primary_key=True),
    Column("app", Text, nullable=False),
    Column("contact", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Column("rate_limit", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    _flag("revoked"),
)

app_key_usage = Table(
    "app_key_usage",
    METADATA,
    Column("key_id", Text, ForeignKey(app_keys.c.id), primary_key=True),
    Column("day", Text, primary_key=True),  # a UTC day, 2026-03-01
    Column("requests", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    METADATA,
    _number(),
    Column("at", Stamp, nullable=False),
    Column("user_name", Text),
    Column("role", Text),
    Column("api_key", Text),
    Column("action", Text, nullable=False),
    Column("layer_id", Text),
    Column("detail", Text, nullable=False),  # JSON
    Column("remote_addr", Text),
    Index("audit_log_layer", "layer_id", "id"),
    Index("audit_log_user", "user_name", "id"),
    sqlite_autoincrement=True,
)

imports = Table(
    "imports",
    METADATA,
    _number(),
    Column("layer_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("finished_at", Stamp),
    Column("user_name", Text),
    Column("remote_addr", Text),
    _text("source"),
    _text("source_crs"),
    _text("fingerprint"),
    Column("base_version", Integer),
    Column("staged_version", Integer),
    Column("published_version", Integer),
    Column("report", Text, nullable=False, server_default=text("'{}'")),  # JSON
    _text("message"),
    Index("imports_layer", "layer_id", "id"),
    sqlite_autoincrement=True,
)

sync_conflicts = Table(  # a sync that met a version a person published or edited (publishing/conflicts.py)
    "sync_conflicts",
    METADATA,
    _number(),
    Column("layer_id", Text, nullable=False),
    Column("detected_at", Stamp, nullable=False),
    Column("version", Integer, nullable=False),  # the person's live version
    Column("version_action", Text, nullable=False),  # layer.publish, layer.rollback, feature.*
    Column("version_by", Text),
    Column("version_at", Stamp),
    Column("import_id", BigInteger, nullable=False),  # the sync's staged import
    _text("source_digest"),  # of the sync's data: a kept version is not asked about it again
    Column("status", Text, nullable=False),  # open, resolved
    Column("resolution", Text),  # take-source, keep-mine
    Column("resolved_by", Text),
    Column("resolved_at", Stamp),
    Index("sync_conflicts_layer", "layer_id", "id"),
    sqlite_autoincrement=True,
)

layer_mappings = Table(  # a layer's saved column mapping for uploads (publishing/mappings.py)
    "layer_mappings",
    METADATA,
    Column("layer_id", Text, primary_key=True),
    Column("mapping", Text, nullable=False),  # JSON: source column -> attribute
    Column("ignore", Text, nullable=False),  # JSON: source columns deliberately dropped
    Column("updated_at", Stamp, nullable=False),
    Column("updated_by", Text),
)


layer_proposals = Table(  # a department's proposed new layer, from an uploaded file (proposals/records.py)
    "layer_proposals",
    METADATA,
    _number(),
    Column("status", Text, nullable=False),  # draft, submitted, approved, rejected, withdrawn
    Column("department", Text, nullable=False),
    Column("proposed_by", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("updated_at", Stamp, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", Stamp),
    Column("reason", Text),
    Column("layer_id", Text),  # the layer it became, once approved
    Column("definition", Text, nullable=False),  # JSON: the proposed definition (may be incomplete)
    Column("file", Text, nullable=False),  # JSON: what the uploaded file holds
    Column("file_path", Text),  # the kept upload, relative to data_dir; None once gone
    Column("file_crs", Text),
    Column("file_layer", Text),
    Index("layer_proposals_department", "department", "id"),
    sqlite_autoincrement=True,
)

layer_definitions = Table(  # approved service layers: the live registry is the YAML seed plus these
    "layer_definitions",
    METADATA,
    Column("layer_id", Text, primary_key=True),
    Column("definition", Text, nullable=False),  # JSON: a LayerDefinition
    Column("proposal_id", BigInteger),
    Column("approved_at", Stamp, nullable=False),
    Column("approved_by", Text),
)

layer_catalogue = Table(  # one row: bumped on each approval; workers compare it to rebuild their layers
    "layer_catalogue",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)


def add_missing_columns(conn: Connection, tables: tuple[Table, ...]) -> None:
    """ALTER TABLE … ADD COLUMN for each nullable column of `tables` the database lacks, and
    CREATE INDEX for each index it lacks."""
    inspector = inspect(conn)
    schemas = conn.get_execution_options().get("schema_translate_map", {})
    for table in tables:
        schema = schemas.get(table.schema, table.schema)
        present = {c["name"] for c in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} is missing and cannot be added (NOT NULL)")
            kind = column.type.compile(dialect=conn.dialect)
            name = conn.dialect.identifier_preparer.format_table(table)
            conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {column.name} {kind}"))
        indexed = {i["name"] for i in inspector.get_indexes(table.name, schema=schema)}
        for index in table.indexes:
            if index.name not in indexed:
                index.create(conn)
