"""Where runs are kept: the database URL, the engine, sessions and schema migrations.

The URL comes from ``STATESIDE_DB_URL``; without it the store is a SQLite file in the
user's data directory, ``${XDG_DATA_HOME:-~/.local/share}/stateside/stateside.db``.
Any SQLAlchemy URL works in principle; SQLite and PostgreSQL (``postgresql+psycopg://``,
plain ``postgresql://`` is read as psycopg 3) are the two that are tested.

Opening the store (:func:`engine_for`) brings its schema to the newest Alembic revision.
When the database is already there, that costs one ``SELECT`` of the revision; Alembic
itself is imported and run only when a migration is due, under a lock (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock) so two processes
opening a new store at once do not both create it.

SQLite files are opened in WAL mode with a 30 s busy timeout, and writes begin with
``BEGIN IMMEDIATE``: two processes saving at once queue for the write lock instead of
failing or corrupting the file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

ENV_VAR = "STATESIDE_DB_URL"

#: The newest migration in ``migrations/versions`` (a test checks they agree).
HEAD_REVISION = "0004"

#: Seconds a SQLite connection waits for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT_S = 30.0

#: Key of the PostgreSQL advisory lock held while migrating (any constant bigint).
PG_MIGRATION_LOCK = 0x57A7E51DE

_WRITE = "stateside_write"


def as_utc(dt: datetime) -> datetime:
    """A time read back from the store, in UTC: SQLite returns it without its time zone, which
    was UTC when it was written; a time that has one is converted."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class StoreError(Exception):
    """A problem with the run store the user can act on (bad URL, unreachable database, unknown run)."""


def default_db_path() -> Path:
    """``${XDG_DATA_HOME:-~/.local/share}/stateside/stateside.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stateside" / "stateside.db"


def database_url(url: str | None = None) -> URL:
    """The store's URL: ``url``, else ``$STATESIDE_DB_URL``, else the default SQLite file.

    ``postgresql://`` without a driver is read as ``postgresql+psycopg://`` (psycopg 3).
    """
    raw = url or os.environ.get(ENV_VAR) or ""
    if not raw.strip():
        return URL.create("sqlite", database=str(default_db_path()))
    try:
        parsed = make_url(raw.strip())
    except ArgumentError:
        source = "the url given" if url else ENV_VAR
        raise StoreError(
            f"{source}: expected a database URL such as sqlite:////path/to/stateside.db or "
            f"postgresql+psycopg://user@host:5432/dbname, found {raw!r}"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def display_url(url: URL) -> str:
    """The URL with any password hidden, for messages."""
    return url.render_as_string(hide_password=True)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys; explicit BEGIN (IMMEDIATE for writes).

    Python's sqlite3 module would otherwise begin transactions itself, lazily and always
    DEFERRED; SQLAlchemy's documented recipe hands that to these two events.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        if _sqlite_file(engine.url) is not None:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engines: dict[tuple[str, int], Engine] = {}
_lock = threading.Lock()


def engine_for(url: str | None = None) -> Engine:
    """The engine of the store at ``url`` (see :func:`database_url`), migrated to the newest schema.

    Engines are cached per URL and process (a forked child opens its own).
    """
    parsed = database_url(url)
    key = (parsed.render_as_string(hide_password=False), os.getpid())
    with _lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine
        engine = _create(parsed)
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        _engines[key] = engine
        return engine


def dispose_all() -> None:
    """Close every cached engine of this process (tests; before deleting a SQLite file)."""
    with _lock:
        for key, engine in list(_engines.items()):
            # a forked child keeps its parent's engines referenced and untouched: closing them
            # would end the parent's database sessions
            if key[1] == os.getpid():
                engine.dispose()
                del _engines[key]


def _create(url: URL) -> Engine:
    where = display_url(url)
    if _is_sqlite(url):
        path = _sqlite_file(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder of the run store {path}: {exc.strerror}"
                ) from None
        engine = create_engine(url)
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, ArgumentError) as exc:
        raise StoreError(f"cannot use the run store {where}: {exc}") from None


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions take the write lock at once (SQLite ``BEGIN IMMEDIATE``)."""
    return engine.execution_options(**{_WRITE: True})


@contextmanager
def session(url: str | None = None, write: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any exception."""
    engine = engine_for(url)
    bind = write_engine(engine) if write else engine
    try:
        with Session(bind, expire_on_commit=False) as s, s.begin():
            yield s
    except SQLAlchemyError as exc:
        raise StoreError(f"run store {display_url(engine.url)}: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    msg = str(orig if orig is not None else exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


# --------------------------------------------------------------------------------------
# migrations


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return str(rows[0]) if rows else None


def migrations_dir() -> Path:
    """The Alembic script folder shipped in the package."""
    return Path(__file__).resolve().parent / "migrations"


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database to :data:`HEAD_REVISION` if it is not there already."""
    where = display_url(engine.url)
    try:
        if current_revision(engine) == HEAD_REVISION:
            return
        upgrade(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the run store {where}: {_short(exc)}") from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic's ``upgrade`` in one transaction, holding the migration lock."""
    from alembic import command
    from alembic.config import Config
    from alembic.util.exc import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with write_engine(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, revision)
        except CommandError as exc:
            raise StoreError(
                f"the run store {display_url(engine.url)} has a schema this version of stateside "
                f"does not know ({exc}); upgrade stateside or point {ENV_VAR} at another database"
            ) from None
