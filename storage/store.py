"""The unit of work over SQLite: one database, one connection per thread, one transaction.

Every read and write is scoped to one Slack workspace (`team_id`); nothing reads across.
One `Store` is shared by the bot's threads, so every operation holds a lock and every
multi-row change is one transaction: it happens whole or not at all. The records live in
repositories per aggregate, all on the store's connection, so a use case that touches
several of them still commits or rolls back once:

- `store.pains`: pain points and their "me too" votes (`storage.pains`)
- `store.ideas`: ideas, their pain point links and status history (`storage.ideas`)
- `store.votes`: estimates and +1s (`storage.votes`)
- `store.stats`: per-idea stats, the ranking index and scoring facts (`storage.stats`)
- `store.people`: teams and DM settings (`storage.people`)
- `store.meta`: journeybot's own settings (`storage.meta`)
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlite_utils import Database

from prioritize.config import ScoringConfig
from prioritize.errors import InvalidInput, NotFound, NotSaved

from .ideas import Ideas
from .meta import Meta
from .pains import PainPoints
from .people import People
from .rows import iso
from .schema import migrations
from .stats import Stats
from .votes import Votes

__all__ = ["NotFound", "NotSaved", "Store", "iso", "open_database"]

BUSY_TIMEOUT_MS = 5000


def _not_saved(error: sqlite3.OperationalError) -> NotSaved:
    message = str(error)
    if "locked" in message or "busy" in message:
        reason = "the database is busy (another process is writing to it)"
    elif "full" in message:
        reason = "the disk is full"
    elif "readonly" in message or "read-only" in message:
        reason = "the database file is read-only"
    else:
        reason = message
    return NotSaved(reason)


def open_database(
    path: str | Path,
    *,
    create: bool = True,
    readonly: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> Database:
    """Return a migrated sqlite-utils Database at `path` (WAL, foreign keys, busy timeout).

    With `create=False` the file must exist already; `readonly=True` (which implies it)
    opens it for reading only, so nothing is created, migrated or written.
    Raises InvalidInput when the file cannot be opened, is missing (unless created), or is
    not a journeybot database.
    """
    path = str(path)
    if (readonly or not create) and (path == ":memory:" or not Path(path).is_file()):
        raise InvalidInput(
            "JOURNEYBOT_DB",
            f"{path} does not exist; `journeybot run` or `journeybot import` creates it",
        )
    if readonly:
        return _open_readonly(path)
    try:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = _connect(path, busy_timeout_ms)
        if path != ":memory:":
            _use_wal(db.conn, busy_timeout_ms)
        if migrations.pending(db):
            _migrate(db)
    except (sqlite3.DatabaseError, OSError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else e
        raise InvalidInput("JOURNEYBOT_DB", f"cannot open {path}: {reason}") from e
    return db


def _connect(path: str, busy_timeout_ms: int) -> Database:
    """Return a new connection to an existing database, set up like every other one."""
    conn = sqlite3.connect(
        path, check_same_thread=False, timeout=busy_timeout_ms / 1000, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn)


def _open_readonly(path: str) -> Database:
    # mode=ro: SQLite refuses every write, and a missing file is an error, not a new one.
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(
            uri, uri=True, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )  # fmt: skip
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = Database(conn)
        if "_sqlite_migrations" not in db.table_names():
            conn.close()
            raise InvalidInput("JOURNEYBOT_DB", f"{path} is not a journeybot database")
        if migrations.pending(db):
            conn.close()
            raise InvalidInput(
                "JOURNEYBOT_DB",
                f"{path} was written by an older journeybot; `journeybot run` upgrades it",
            )
    except (sqlite3.DatabaseError, OSError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else e
        raise InvalidInput("JOURNEYBOT_DB", f"cannot open {path}: {reason}") from e
    return db


def _use_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    # Switching a new file to WAL needs a lock that SQLite does not wait for (the busy
    # timeout does not apply), so several processes opening it at once retry for a while.
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _migrate(db: Database) -> None:
    # Under the write lock, so that the bot and a CLI command opening a new (or older)
    # database at the same moment take turns: the second finds nothing left to do.
    # Without it, both read "pending", and the one that loses the race to write fails at
    # once with "database is locked" (SQLite cannot wait for a read that became stale).
    # Each migration still runs in its own savepoint inside this transaction.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


class _Connection:
    """One thread's connection; closed when the thread is gone (and this with it)."""

    __slots__ = ("__weakref__", "db", "owner")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.owner = threading.current_thread()

    def __del__(self) -> None:
        with suppress(Exception):
            self.db.conn.close()


class Store:
    """All of journeybot's records in one SQLite database.

    Each thread gets its own connection: in WAL mode readers never wait for a writer, and
    a writer waiting for the lock (another process importing) holds up nobody else in this
    process. A write that cannot get the lock within the busy timeout, or cannot be written
    at all (disk full, read-only file), raises NotSaved and leaves nothing half-written.
    """

    def __init__(
        self,
        db: Database,
        *,
        disagree_spread: int = 3,
        path: str | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        scoring: ScoringConfig | None = None,
        readonly: bool = False,
    ) -> None:
        scoring = scoring or ScoringConfig(disagree_spread=disagree_spread)
        self.pains = PainPoints(self)
        self.ideas = Ideas(self)
        self.votes = Votes(self)
        self.stats = Stats(self, scoring)
        self.people = People(self)
        self.meta = Meta(self)
        self._set_scoring(scoring)
        self.readonly = readonly
        """Opened for reading only (a command that reads): nothing derived is rebuilt."""
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._first = db
        self._local = threading.local()
        self._local.db = db
        # Weakly: a thread's connection closes with the thread (a request thread of the
        # HTTP server lives for one request); `close` closes those still open.
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._opened_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        disagree_spread: int = 3,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        scoring: ScoringConfig | None = None,
    ) -> Store:
        """Return a Store on the database at `path`, created and migrated as needed."""
        db = open_database(path, busy_timeout_ms=busy_timeout_ms)
        shared = str(path) == ":memory:"
        return cls(
            db,
            disagree_spread=disagree_spread,
            path=None if shared else str(path),
            busy_timeout_ms=busy_timeout_ms,
            scoring=scoring,
        )

    def _set_scoring(self, scoring: ScoringConfig) -> None:
        self.scoring = scoring
        self.disagree_spread = scoring.disagree_spread
        self.stats.configure(scoring)

    def use_scoring(self, scoring: ScoringConfig) -> bool:
        """Score with `scoring` from now on; rebuild what was derived with another config.

        Called when the bot or a command starts: a config changed since the last run
        shows everywhere at once, with nothing to run. Returns whether anything was rebuilt.
        """
        self._set_scoring(scoring)
        return self.stats.ensure()

    @property
    def db(self) -> Database:
        """This thread's connection (opened on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            if self.path is None:
                db = self._first  # an in-memory database exists on one connection only
            else:
                held = _Connection(_connect(self.path, self.busy_timeout_ms))
                with self._opened_lock:
                    self._opened.add(held)
                # The thread's local storage holds it: when the thread ends, it is freed
                # and closes the connection at once.
                self._local.held = held
                db = held.db
            self._local.db = db
        return db

    def close(self) -> None:
        """Close the connections no thread is using any more.

        A connection of a thread still running (a scheduled job finishing its query while
        the process stops) is left to close when that thread ends: closing it under the
        thread's feet crashes the interpreter inside SQLite.
        """
        with self._opened_lock:
            opened, self._opened = list(self._opened), weakref.WeakSet()
        here = threading.current_thread()
        for held in opened:
            if held.owner is here or not held.owner.is_alive():
                held.db.conn.close()
        self._first.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """Run the block in one write transaction (nested calls join it); raises NotSaved."""
        db = self.db
        conn = db.conn
        if conn.in_transaction:
            yield db
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise _not_saved(e) from e
        try:
            yield db
        except sqlite3.OperationalError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _not_saved(e) from e
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _not_saved(e) from e

    def workspaces(self) -> list[str]:
        """Return the ids of the workspaces that have any record."""
        rows = self.db.query(
            "select team_id from pain_points union select team_id from ideas order by 1"
        )
        return [row["team_id"] for row in rows]
