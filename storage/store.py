"""Repositories over SQLite: pydantic models in, pydantic models out.

Every read and write is scoped to one Slack workspace (`team_id`); nothing reads across.
One `Store` is shared by the bot's threads, so every operation holds a lock and every
multi-row change is one transaction: it happens whole or not at all.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database

from prioritize.config import Capacity, ScoringConfig, Weights
from prioritize.errors import InvalidInput, NotFound, NotSaved
from prioritize.heat import PainFact
from prioritize.models import (
    Bucket,
    Estimate,
    EvidenceSource,
    Idea,
    IdeaStatus,
    PainPoint,
    PainStatus,
    Support,
)
from prioritize.parsing import parse_id
from prioritize.scoring import Consensus, IdeaFacts, Score, consensus, disagreement, scorer

from . import ranks
from .schema import migrations

__all__ = ["NotFound", "NotSaved", "Store", "open_database"]

BUSY_TIMEOUT_MS = 5000


WEIGHTS_KEY = "weights"
"""The `workspace_settings` key of a workspace's own scoring weights (JSON of `Weights`)."""


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


def iso(moment: datetime, *, timespec: str = "microseconds") -> str:
    """Return `moment` as the ISO text journeybot stores (UTC; naive times are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec)


_iso = iso


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_WORD = re.compile(r"\w{3,}", re.UNICODE)
_STOP = frozenset(
    """the and for are but not you all any can had her was one our out has have with this
    that from they will would there their what about which when make like into them than
    then its also just very where who why how your been being does did were""".split()
)


def _keywords(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.casefold()):
        if word not in _STOP:
            seen.setdefault(word, None)
    return list(seen)[:24]


class _Connection:
    """One thread's connection; closed when the thread is gone (and this with it)."""

    __slots__ = ("__weakref__", "db")

    def __init__(self, db: Database) -> None:
        self.db = db

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
        self._weights: dict[str, Weights] = {}
        self._scorers: dict[str, tuple[Weights, Callable[[IdeaFacts], Score]]] = {}
        self._set_scoring(scoring or ScoringConfig(disagree_spread=disagree_spread))
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
        self._score = scorer(scoring)
        self._fingerprint = ranks.fingerprint(scoring)

    def use_scoring(self, scoring: ScoringConfig) -> bool:
        """Score with `scoring` from now on; rebuild what was derived with another config.

        Called when the bot or a command starts: a config changed since the last run
        shows everywhere at once, with nothing to run. Returns whether anything was rebuilt.
        """
        self._set_scoring(scoring)
        return self.ensure_ranks()

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
        with self._opened_lock:
            opened, self._opened = list(self._opened), weakref.WeakSet()
        for held in opened:
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

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, list(params)))

    # ---------------------------------------------------------------- pain points

    def add_pain_point(self, pain: PainPoint, *, now: datetime) -> PainPoint:
        """Store a new pain point and return it with its id."""
        return self.add_pain_points([pain], now=now)[0]

    def add_pain_points(self, pains: Iterable[PainPoint], *, now: datetime) -> list[PainPoint]:
        """Store many pain points in one transaction: all of them or, on error, none."""
        stored = []
        with self.transaction() as db:
            for pain in pains:
                row = pain.model_dump(mode="json", exclude={"id"})
                row["created_at"] = _iso(pain.created_at or now)
                pk = db["pain_points"].insert(row).last_pk
                stored.append(
                    pain.model_copy(update={"id": pk, "created_at": _dt(row["created_at"])})
                )
        return stored

    def pain_point(self, team_id: str, pain_id: int) -> PainPoint:
        """Return pain point `pain_id`; raises NotFound."""
        rows = self._rows(
            "select * from pain_points where team_id = ? and id = ?", [team_id, pain_id]
        )
        if not rows:
            raise NotFound(f"pain point #{pain_id} does not exist")
        return _pain(rows[0])

    def pain_points(
        self,
        team_id: str,
        *,
        status: PainStatus | None = None,
        reporter: str | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[PainPoint]:
        """Return the workspace's pain points, oldest first, optionally filtered."""
        sql, params = "select * from pain_points where team_id = ?", [team_id]
        if status is not None:
            sql += " and status = ?"
            params.append(status.value)
        if reporter is not None:
            sql += " and reporter = ?"
            params.append(reporter)
        if ids is not None:
            wanted = list(ids)
            sql += f" and id in ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        return [_pain(row) for row in self._rows(sql + " order by id", params)]

    def update_pain_point(self, team_id: str, pain_id: int, **changes: Any) -> PainPoint:
        """Apply `changes` (validated as a PainPoint) and return the result; raises NotFound."""
        with self.transaction() as db:
            current = self.pain_point(team_id, pain_id)
            updated = PainPoint.model_validate({**current.model_dump(), **changes})
            row = updated.model_dump(mode="json", exclude={"id", "created_at", "team_id"})
            db["pain_points"].update(pain_id, row)
            for idea_id in self._ideas_linked_to(pain_id):
                self.refresh_stats(idea_id)
        return updated

    def similar_pain_points(
        self, team_id: str, text: str, *, limit: int = 3, exclude: int | None = None
    ) -> list[PainPoint]:
        """Return open pain points sharing most of `text`'s significant words, best first."""
        words = _keywords(text)
        if len(words) < 2:
            return []
        query = " OR ".join(f'"{w}"' for w in words)
        rows = self._rows(
            """
            select p.* from pain_points_fts f join pain_points p on p.id = f.rowid
            where pain_points_fts match ? and p.team_id = ? and p.status = 'Open'
              and p.id is not ?
            order by f.rank limit 20
            """,
            [query, team_id, exclude],
        )
        wanted = set(words)
        picked = []
        for row in rows:
            shared = wanted & set(_keywords(row["text"]))
            if len(shared) >= 2 and len(shared) >= 0.5 * min(len(wanted), 8):
                picked.append(_pain(row))
                if len(picked) == limit:
                    break  # building models is the costly part; stop at what is asked
        return picked

    def search_pain_points(self, team_id: str, text: str, *, limit: int = 50) -> list[PainPoint]:
        """Return open pain points as a person types: `#12` by id, words by prefix, newest first.

        With no words, return the newest open pain points.
        """
        text = text.strip()
        if (pain_id := parse_id(text)) is not None:
            rows = self._rows(
                "select * from pain_points where team_id = ? and id = ? and status = 'Open'",
                [team_id, pain_id],
            )
            return [_pain(row) for row in rows]
        words = re.findall(r"\w+", text.casefold())[:8]
        if not words:
            rows = self._rows(
                "select * from pain_points where team_id = ? and status = 'Open'"
                " order by id desc limit ?",
                [team_id, limit],
            )
            return [_pain(row) for row in rows]
        rows = self._rows(
            """
            select p.* from pain_points_fts f join pain_points p on p.id = f.rowid
            where pain_points_fts match ? and p.team_id = ? and p.status = 'Open'
            order by p.id desc limit ?
            """,
            [" ".join(f'"{w}"*' for w in words), team_id, limit],
        )
        return [_pain(row) for row in rows]

    def vote_pain_point(self, team_id: str, pain_id: int, user: str, *, now: datetime) -> bool:
        """Record that `user` hits this pain point too; False if they had said so already."""
        with self.transaction() as db:
            self.pain_point(team_id, pain_id)
            before = db["pain_votes"].count_where("pain_point_id = ? and user = ?", [pain_id, user])
            db["pain_votes"].insert(
                {
                    "pain_point_id": pain_id,
                    "user": user,
                    "team_id": team_id,
                    "created_at": _iso(now),
                },
                replace=True,
            )
        return before == 0

    def pain_votes(self, pain_id: int) -> int:
        """Return how many people said they hit this pain point too."""
        return self.db["pain_votes"].count_where("pain_point_id = ?", [pain_id])

    def pain_vote_counts(self, team_id: str) -> dict[int, int]:
        """Return, for each pain point of the workspace that has any, how many hit it too."""
        rows = self._rows(
            "select pain_point_id, count(*) as n from pain_votes where team_id = ?"
            " group by pain_point_id",
            [team_id],
        )
        return {row["pain_point_id"]: row["n"] for row in rows}

    # ---------------------------------------------------------------- ideas

    def add_idea(self, idea: Idea, *, now: datetime) -> Idea:
        """Store a new idea with its pain point links; raises InvalidInput for unknown links."""
        with self.transaction() as db:
            self._check_pain_ids(idea.team_id, idea.pain_point_ids)
            row = idea.model_dump(mode="json", exclude={"id", "pain_point_ids"})
            row["created_at"] = row["updated_at"] = _iso(idea.created_at or now)
            pk = db["ideas"].insert(row).last_pk
            db["idea_pain_points"].insert_all(
                {"idea_id": pk, "pain_point_id": p} for p in dict.fromkeys(idea.pain_point_ids)
            )
            self.refresh_stats(pk)
        return self.idea(idea.team_id, pk)

    def _check_pain_ids(self, team_id: str, pain_ids: list[int]) -> None:
        if not pain_ids:
            return
        found = {p.id for p in self.pain_points(team_id, ids=pain_ids)}
        missing = [p for p in pain_ids if p not in found]
        if missing:
            raise InvalidInput(
                "pain_point_ids", "no pain point " + ", ".join(f"#{p}" for p in missing)
            )

    def idea(self, team_id: str, idea_id: int) -> Idea:
        """Return idea `idea_id`; raises NotFound."""
        rows = self._rows("select * from ideas where team_id = ? and id = ?", [team_id, idea_id])
        if not rows:
            raise NotFound(f"idea #{idea_id} does not exist")
        return self._with_links(rows)[0]

    def idea_by_card(self, team_id: str, channel: str, ts: str) -> Idea | None:
        """Return the workspace's idea whose card is the message `ts` in `channel`, if any."""
        rows = self._rows(
            "select * from ideas where team_id = ? and card_channel = ? and card_ts = ?",
            [team_id, channel, ts],
        )
        return self._with_links(rows)[0] if rows else None

    def ideas(
        self,
        team_id: str,
        *,
        proposer: str | None = None,
        ids: Iterable[int] | None = None,
        include_merged: bool = False,
    ) -> list[Idea]:
        """Return the workspace's ideas, oldest first (merged duplicates left out)."""
        sql, params = "select * from ideas where team_id = ?", [team_id]
        if not include_merged:
            sql += " and merged_into is null"
        if proposer is not None:
            sql += " and proposer = ?"
            params.append(proposer)
        if ids is not None:
            wanted = list(ids)
            sql += f" and id in ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        return self._with_links(self._rows(sql + " order by id", params))

    def _with_links(self, rows: list[dict[str, Any]]) -> list[Idea]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        links: dict[int, list[int]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 900):
            for link in self._rows(
                f"select idea_id, pain_point_id from idea_pain_points"
                f" where idea_id in ({','.join('?' * len(chunk))}) order by pain_point_id",
                chunk,
            ):
                links[link["idea_id"]].append(link["pain_point_id"])
        return [_idea(row, links[row["id"]]) for row in rows]

    def ideas_for_pain_points(self, pain_ids: Iterable[int]) -> dict[int, list[int]]:
        """Return, for each pain point id, the ids of ideas linked to it."""
        found: dict[int, list[int]] = {}
        for chunk in _chunks(list(pain_ids), 900):
            for row in self._rows(
                "select pain_point_id, idea_id from idea_pain_points"
                f" where pain_point_id in ({','.join('?' * len(chunk))}) order by idea_id",
                chunk,
            ):
                found.setdefault(row["pain_point_id"], []).append(row["idea_id"])
        return found

    def _ideas_linked_to(self, pain_id: int) -> list[int]:
        return self.ideas_for_pain_points([pain_id]).get(pain_id, [])

    def search_ideas(self, team_id: str, text: str, *, limit: int = 5) -> list[Idea]:
        """Return ideas whose title or description match `text`, best first."""
        words = _keywords(text)
        if not words:
            return []
        rows = self._rows(
            """
            select i.* from ideas_fts f join ideas i on i.id = f.rowid
            where ideas_fts match ? and i.team_id = ? and i.merged_into is null
            order by f.rank limit ?
            """,
            [" OR ".join(f'"{w}"' for w in words), team_id, limit],
        )
        return self._with_links(rows)

    def set_card(self, idea_id: int, *, channel: str, ts: str) -> None:
        """Remember where the idea's card was posted."""
        with self.transaction() as db:
            db["ideas"].update(idea_id, {"card_channel": channel, "card_ts": ts})

    def update_idea(self, team_id: str, idea_id: int, *, now: datetime, **changes: Any) -> Idea:
        """Apply `changes` to the idea (validated) and return it; raises NotFound."""
        with self.transaction() as db:
            current = self.idea(team_id, idea_id)
            pain_ids = changes.get("pain_point_ids")
            updated = Idea.model_validate({**current.model_dump(), **changes})
            row = updated.model_dump(
                mode="json", exclude={"id", "created_at", "team_id", "pain_point_ids"}
            )
            row["updated_at"] = _iso(now)
            db["ideas"].update(idea_id, row)
            if pain_ids is not None:
                self._check_pain_ids(team_id, updated.pain_point_ids)
                db.execute("delete from idea_pain_points where idea_id = ?", [idea_id])
                db["idea_pain_points"].insert_all(
                    {"idea_id": idea_id, "pain_point_id": p}
                    for p in dict.fromkeys(updated.pain_point_ids)
                )
            self.refresh_stats(idea_id)
        return self.idea(team_id, idea_id)

    def set_status(
        self,
        team_id: str,
        idea_id: int,
        status: IdeaStatus,
        *,
        by: str,
        source: str,
        now: datetime,
    ) -> IdeaStatus | None:
        """Set the idea's status; return the old one, or None if it was already `status`.

        Linked pain points follow: they are Addressed once the idea is Done, Open again if
        it is reopened.
        """
        with self.transaction() as db:
            idea = self.idea(team_id, idea_id)
            old = idea.status
            if old is status:
                return None
            db["ideas"].update(idea_id, {"status": status.value, "updated_at": _iso(now)})
            db["status_changes"].insert(
                {
                    "idea_id": idea_id,
                    "old": old.value,
                    "new": status.value,
                    "by": by,
                    "source": source,
                    "at": _iso(now),
                }
            )
            if status is IdeaStatus.DONE or old is IdeaStatus.DONE:
                done = status is IdeaStatus.DONE
                # Only Open <-> Addressed: a pain point someone Closed stays closed, and one
                # that another Done idea still addresses stays Addressed on a reopen.
                before, after = (
                    (PainStatus.OPEN, PainStatus.ADDRESSED)
                    if done
                    else (PainStatus.ADDRESSED, PainStatus.OPEN)
                )
                for pain_id in idea.pain_point_ids:
                    if not done and self._addressed_elsewhere(pain_id, idea_id):
                        continue
                    changed = db.execute(
                        "update pain_points set status = ? where id = ? and status = ?",
                        [after.value, pain_id, before.value],
                    ).rowcount
                    if changed:
                        for other in self._ideas_linked_to(pain_id):
                            self.refresh_stats(other)
        return old

    def _addressed_elsewhere(self, pain_id: int, idea_id: int) -> bool:
        """Whether another live idea that is Done addresses this pain point."""
        return (
            self.db.execute(
                "select 1 from idea_pain_points l join ideas i on i.id = l.idea_id"
                " where l.pain_point_id = ? and i.id != ? and i.status = 'Done'"
                " and i.merged_into is null limit 1",
                [pain_id, idea_id],
            ).fetchone()
            is not None
        )

    def status_changes(self, idea_id: int) -> list[dict[str, Any]]:
        """Return the idea's status history, oldest first."""
        return self._rows("select * from status_changes where idea_id = ? order by id", [idea_id])

    def merge_ideas(self, team_id: str, duplicate_id: int, into_id: int, *, now: datetime) -> Idea:
        """Fold `duplicate_id` into `into_id`: votes and links move; return the survivor.

        Someone who voted on both keeps the vote they gave the survivor.
        Raises InvalidInput when the two are the same idea or the duplicate is merged already.
        """
        if duplicate_id == into_id:
            raise InvalidInput("idea", "an idea cannot be merged into itself")
        with self.transaction() as db:
            duplicate = self.idea(team_id, duplicate_id)
            target = self.idea(team_id, into_id)
            if duplicate.merged_into is not None:
                raise InvalidInput(
                    "idea", f"#{duplicate_id} was already merged into #{duplicate.merged_into}"
                )
            if target.merged_into is not None:
                raise InvalidInput(
                    "idea", f"#{into_id} was itself merged into #{target.merged_into}"
                )
            for table, columns in _VOTE_COLUMNS.items():
                db.execute(
                    f"insert or ignore into {table} (idea_id, {columns})"
                    f" select ?, {columns} from {table} where idea_id = ?",
                    [into_id, duplicate_id],
                )
                db.execute(f"delete from {table} where idea_id = ?", [duplicate_id])
            db.execute(
                "insert or ignore into idea_pain_points (idea_id, pain_point_id)"
                " select ?, pain_point_id from idea_pain_points where idea_id = ?",
                [into_id, duplicate_id],
            )
            db["ideas"].update(duplicate_id, {"merged_into": into_id, "updated_at": _iso(now)})
            db["ideas"].update(into_id, {"updated_at": _iso(now)})
            self.refresh_stats(duplicate_id)
            self.refresh_stats(into_id)
        return self.idea(team_id, into_id)

    # ---------------------------------------------------------------- votes

    def record_estimate(self, estimate: Estimate, *, now: datetime) -> tuple[Estimate, bool]:
        """Store a person's estimate over their earlier one; return it and whether it replaced.

        Criteria the new estimate leaves out keep their earlier values.
        """
        with self.transaction() as db:
            self.idea(estimate.team_id, estimate.idea_id)
            rows = self._rows(
                "select * from estimates where idea_id = ? and voter = ?",
                [estimate.idea_id, estimate.voter],
            )
            older = Estimate.model_validate(rows[0]) if rows else None
            merged = estimate.merged_over(older).model_copy(update={"created_at": now})
            db["estimates"].insert(merged.model_dump(mode="json"), replace=True)
            self.refresh_stats(estimate.idea_id)
        return merged, older is not None

    def estimates(self, idea_id: int) -> list[Estimate]:
        """Return every estimate of the idea, oldest first."""
        rows = self._rows(
            "select * from estimates where idea_id = ? order by created_at, voter", [idea_id]
        )
        return [Estimate.model_validate(row) for row in rows]

    def add_support(self, support: Support, *, now: datetime) -> bool:
        """Record a +1; False when this person supported the idea already."""
        with self.transaction() as db:
            self.idea(support.team_id, support.idea_id)
            cursor = db.execute(
                "insert or ignore into supports (idea_id, user, team_id, team, created_at)"
                " values (?, ?, ?, ?, ?)",
                [support.idea_id, support.user, support.team_id, support.team, _iso(now)],
            )
            added = cursor.rowcount == 1
            if added:
                self.refresh_stats(support.idea_id)
        return added

    def remove_support(self, team_id: str, idea_id: int, user: str) -> bool:
        """Retract a +1; False when there was none."""
        with self.transaction() as db:
            cursor = db.execute(
                "delete from supports where team_id = ? and idea_id = ? and user = ?",
                [team_id, idea_id, user],
            )
            removed = cursor.rowcount == 1
            if removed:
                self.refresh_stats(idea_id)
        return removed

    def supporters(self, idea_id: int) -> list[str]:
        """Return the user ids of the idea's supporters, earliest first."""
        rows = self._rows(
            "select user from supports where idea_id = ? order by created_at, user", [idea_id]
        )
        return [row["user"] for row in rows]

    def estimated_by(self, team_id: str, voter: str) -> set[int]:
        """Return the ids of the ideas `voter` has estimated."""
        rows = self._rows(
            "select idea_id from estimates where team_id = ? and voter = ?", [team_id, voter]
        )
        return {row["idea_id"] for row in rows}

    # ---------------------------------------------------------------- scoring facts

    def refresh_stats(self, idea_id: int) -> None:
        """Recompute the idea's stored aggregates from its estimates, support and links,
        and its place in the ranking index."""
        with self.transaction() as db:
            self.ensure_ranks()
            conn = db.conn
            ratings = [
                _Rating(*row)
                for row in conn.execute(
                    "select team, impact, complexity, weeks from estimates where idea_id = ?",
                    [idea_id],
                )
            ]
            support_teams = [
                team
                for (team,) in conn.execute(
                    "select team from supports where idea_id = ?", [idea_id]
                )
            ]
            severities = [
                severity
                for (_, severity) in conn.execute(
                    _OPEN_SEVERITIES + " and l.idea_id = ?", [idea_id]
                )
            ]
            conn.execute(
                _UPSERT_STATS, self._stats_row(idea_id, ratings, support_teams, severities)
            )
            self._rerank(idea_id)

    def _rerank(self, idea_id: int) -> None:
        """Rewrite the idea's row of the ranking index (none for a merged idea)."""
        conn = self.db.conn
        row = conn.execute(self._RANK_SQL, [idea_id]).fetchone()
        if row is None or row[1] is not None:
            conn.execute("delete from idea_rank where idea_id = ?", [idea_id])
            return
        (facts,) = _facts_of([row[2:]], self.disagree_spread)
        conn.execute(ranks.UPSERT, ranks.rank_row(row[0], self._scorer_of(row[0])(facts)))

    def _rebuild_ranks(self, team_ids: Iterable[str]) -> None:
        """Rewrite the workspaces' rows of the ranking index from their stats.

        In bulk: the index's own indexes and triggers are set aside meanwhile (within the
        transaction, so nobody sees them missing) and the band counts summed once, which
        is several times faster than 100,000 rows each updating two indexes and a count.
        """
        with self.transaction() as db:
            conn = db.conn
            aside = conn.execute(
                "select type, name, sql from sqlite_master where tbl_name = 'idea_rank'"
                " and type in ('index', 'trigger') and sql is not null"
            ).fetchall()
            for kind, name, _ in aside:
                conn.execute(f'drop {kind} "{name}"')
            for team_id in team_ids:
                score = self._scorer_of(team_id)
                conn.execute("delete from idea_rank where team_id = ?", [team_id])
                conn.execute("delete from rank_bands where team_id = ?", [team_id])
                conn.executemany(
                    ranks.UPSERT,
                    [ranks.rank_row(team_id, score(f)) for f in self.facts(team_id, _checked=True)],
                )
                conn.execute(
                    "insert into rank_bands (team_id, off, needs, band, n)"
                    " select team_id, off, needs, band, count(*) from idea_rank"
                    " where team_id = ? group by team_id, off, needs, band",
                    [team_id],
                )
            for _, _, sql in aside:
                conn.execute(sql)

    def ensure_ranks(self) -> bool:
        """Rebuild stats of an older version and a ranking scored with another config.

        Cheap when nothing changed (two small reads). Also run before every read and
        write of the index, so that a process with another config (a command run with an
        edited config file while the bot runs) never mixes its scores into this one's.
        A workspace with weights of its own (see `WEIGHTS_KEY`) is scored with them and
        rebuilt alone when they change. Returns whether anything was rebuilt.
        """
        if self.readonly:
            return False  # reads the whole roadmap through `prioritize`, not the index
        wanted = self._wanted_fingerprints()
        stored = self._stored_fingerprints()
        if stored == wanted:
            return False
        with self.transaction() as db:
            wanted = self._wanted_fingerprints()
            stored = self._stored_fingerprints()
            if stored == wanted:
                return False  # another thread or process got there first
            teams = [t for (t,) in db.execute("select distinct team_id from ideas")]
            if stored.get(ranks.STATS_VERSION_KEY) != ranks.STATS_VERSION:
                for team_id in teams:
                    self._rebuild_stats(team_id)
            everything = any(
                stored.get(key) != wanted[key]
                for key in (ranks.STATS_VERSION_KEY, ranks.RANKS_FINGERPRINT)
            )
            changed = {
                key.rsplit(":", 1)[1]
                for key in set(wanted) | set(stored)
                if ":" in key and stored.get(key) != wanted.get(key)
            }
            self._rebuild_ranks(teams if everything else [t for t in teams if t in changed])
            db.execute("delete from meta where key like ?", [f"{ranks.RANKS_FINGERPRINT}:%"])
            for key, value in wanted.items():
                db["meta"].insert({"key": key, "value": value}, replace=True)
        return True

    def _wanted_fingerprints(self) -> dict[str, str]:
        # Weights a workspace's admins set are read here, so every process scores with
        # them, whatever config file it started with.
        rows = self.db.execute(
            "select team_id, value from workspace_settings where key = ?", [WEIGHTS_KEY]
        ).fetchall()
        self._weights = {team_id: Weights.model_validate_json(value) for team_id, value in rows}
        wanted = {
            ranks.STATS_VERSION_KEY: ranks.STATS_VERSION,
            ranks.RANKS_FINGERPRINT: self._fingerprint,
        }
        for team_id in self._weights:
            wanted[f"{ranks.RANKS_FINGERPRINT}:{team_id}"] = ranks.fingerprint(
                self.scoring_of(team_id)
            )
        return wanted

    def _stored_fingerprints(self) -> dict[str, str]:
        return dict(
            self.db.execute(
                "select key, value from meta where key in (?, ?) or key like ?",
                [ranks.STATS_VERSION_KEY, ranks.RANKS_FINGERPRINT, f"{ranks.RANKS_FINGERPRINT}:%"],
            ).fetchall()
        )

    def scoring_of(self, team_id: str) -> ScoringConfig:
        """Return the scoring config of the workspace: the config file's, with its own
        weights if its admins set them."""
        weights = self._weights.get(team_id)
        return (
            self.scoring
            if weights is None
            else self.scoring.model_copy(update={"weights": weights})
        )

    def _scorer_of(self, team_id: str) -> Callable[[IdeaFacts], Score]:
        weights = self._weights.get(team_id)
        if weights is None:
            return self._score
        cached = self._scorers.get(team_id)
        if cached is None or cached[0] != weights:
            cached = (weights, scorer(self.scoring_of(team_id)))
            self._scorers[team_id] = cached
        return cached[1]

    def _stats_row(
        self,
        idea_id: int,
        ratings: list[_Rating],
        support_teams: list[str | None],
        severities: list[int],
    ) -> tuple[Any, ...]:
        c = consensus(ratings, disagree_spread=self.disagree_spread)
        # The verdict (`disagreement`) is made when read, with the spread of that moment.
        teams = {r.team for r in ratings if r.team} | {team for team in support_teams if team}
        # The named teams are the ones the count counts (estimates and +1s alike), so a card,
        # a one-line explanation and Notion never name fewer teams than "N teams" says.
        return (
            idea_id,
            c.count,
            c.impact,
            c.complexity,
            c.weeks,
            c.impact_spread,
            c.complexity_spread,
            c.weeks_spread,
            None,
            json.dumps(sorted(teams)),
            len(support_teams),
            len(teams),
            len(severities),
            sum(severities),
            max(severities, default=0),
            c.impact_ends,
            c.complexity_ends,
        )

    def rebuild_stats(self, team_id: str) -> int:
        """Recompute every idea's aggregates from scratch; return how many ideas.

        One pass over the workspace's estimates in idea order, written in batches: the
        same numbers as `refresh_stats` on each idea, without a million small queries.
        """
        with self.transaction():
            self.ensure_ranks()
            n = self._rebuild_stats(team_id)
            self._rebuild_ranks([team_id])
        return n

    def _rebuild_stats(self, team_id: str) -> int:
        with self.transaction() as db:
            conn = db.conn
            support_teams: dict[int, list[str | None]] = {}
            for idea_id, team in conn.execute(
                "select idea_id, team from supports where team_id = ?", [team_id]
            ):
                support_teams.setdefault(idea_id, []).append(team)
            severities: dict[int, list[int]] = {}
            for idea_id, severity in conn.execute(
                _OPEN_SEVERITIES + " and p.team_id = ?", [team_id]
            ):
                severities.setdefault(idea_id, []).append(severity)
            ids = [
                i
                for (i,) in conn.execute(
                    "select id from ideas where team_id = ? order by id", [team_id]
                )
            ]
            # The primary key (idea_id, voter) index yields estimates in idea order, no sort.
            estimates = conn.execute(
                "select idea_id, team, impact, complexity, weeks from estimates"
                " where idea_id in (select id from ideas where team_id = ?) order by idea_id",
                [team_id],
            )
            groups = groupby(estimates, key=itemgetter(0))
            group = next(groups, None)
            batch: list[tuple[Any, ...]] = []
            for idea_id in ids:
                ratings: list[_Rating] = []
                if group is not None and group[0] == idea_id:
                    ratings = [_Rating(*row[1:]) for row in group[1]]
                    group = next(groups, None)
                batch.append(
                    self._stats_row(
                        idea_id,
                        ratings,
                        support_teams.get(idea_id, []),
                        severities.get(idea_id, []),
                    )
                )
                if len(batch) >= 10_000:
                    conn.executemany(_UPSERT_STATS, batch)
                    batch.clear()
            conn.executemany(_UPSERT_STATS, batch)
        return len(ids)

    # Listed column by column: facts() unpacks the rows positionally, which must not
    # break when a later migration adds a column to idea_stats.
    _FACTS_COLUMNS = """
        i.id, i.status, i.pinned_bucket, s.n_estimates, s.impact, s.complexity,
        s.weeks, s.impact_spread, s.complexity_spread, s.weeks_spread, s.impact_ends,
        s.complexity_ends, s.estimate_teams, s.supporters, s.teams, s.pain_points,
        s.pain_severity, s.max_severity
    """
    # "+i.team_id": without statistics SQLite would rather probe the workspace's index
    # for every idea (twice the time of a plain scan at 100,000 ideas) or for a dozen
    # ids (instead of their primary keys); the unary plus rules that index out.
    _FACTS_SQL = f"""
        select {_FACTS_COLUMNS}
        from ideas i join idea_stats s on s.idea_id = i.id
        where +i.team_id = ? and i.merged_into is null
    """
    _RANK_SQL = f"""
        select i.team_id, i.merged_into, {_FACTS_COLUMNS}
        from ideas i join idea_stats s on s.idea_id = i.id
        where i.id = ?
    """

    def facts(
        self,
        team_id: str,
        *,
        idea_id: int | None = None,
        ids: Iterable[int] | None = None,
        _checked: bool = False,
    ) -> list[IdeaFacts]:
        """Return the scoring facts of every idea in the workspace (or of one idea, or some).

        Whether raters disagree is judged here, with the configured `disagree_spread`.
        """
        if not _checked:
            self.ensure_ranks()  # stats of an older version are rebuilt first
        sql, params = self._FACTS_SQL, [team_id]
        if idea_id is not None:
            sql += " and i.id = ?"
            params.append(idea_id)
        if ids is not None:
            out: list[IdeaFacts] = []
            for chunk in _chunks(list(ids), 900):
                rows = self.db.execute(
                    sql + f" and i.id in ({','.join('?' * len(chunk))})", [*params, *chunk]
                ).fetchall()
                out.extend(_facts_of(rows, self.disagree_spread))
            return out
        return _facts_of(self.db.execute(sql, params).fetchall(), self.disagree_spread)

    # ---------------------------------------------------------------- the ranking index

    def standing(
        self, team_id: str, idea_id: int, *, capacity: Capacity | None = None
    ) -> tuple[int, Bucket | None] | None:
        """Return the idea's rank and bucket, as `prioritize.roadmap` would give them.

        None for an idea that is not ranked (merged, or unknown). A few indexed reads,
        whatever the size of the workspace (see `storage.ranks`).
        """
        self.ensure_ranks()
        with self._snapshot() as conn:
            rank = ranks.position(conn, team_id, idea_id)
            if rank is None:
                return None
            capacity = capacity or self.scoring.capacity
            return rank, ranks.bucket_of(conn, team_id, idea_id, capacity)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Run several reads on one snapshot of the database (a read transaction).

        A rank and a bucket take a few queries; a vote committed between two of them must
        not leave them describing two different rankings.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("begin")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("commit")

    def ranked(
        self, team_id: str, ids: Iterable[int], *, capacity: Capacity | None = None
    ) -> dict[int, tuple[int, Bucket | None]]:
        """Return the rank and bucket of each of `ids` that is ranked (one capacity walk)."""
        self.ensure_ranks()
        with self._snapshot() as conn:
            positions = {i: ranks.position(conn, team_id, i) for i in ids}
            buckets = ranks.buckets_of(
                conn,
                team_id,
                [i for i, r in positions.items() if r is not None],
                capacity or self.scoring.capacity,
            )
        return {i: (r, buckets[i]) for i, r in positions.items() if r is not None}

    def top_ids(self, team_id: str, n: int) -> list[int]:
        """Return the ids of the `n` best ranked ideas still on the roadmap, best first."""
        self.ensure_ranks()
        return ranks.top_ids(self.db.conn, team_id, n)

    def waiting_ids(self, team_id: str, voter: str, n: int) -> list[int]:
        """Return the `n` best ranked ideas on the roadmap that `voter` has not estimated."""
        self.ensure_ranks()
        return ranks.waiting_ids(self.db.conn, team_id, voter, n)

    def cards_drawn_with(self, scoring: ScoringConfig) -> bool:
        """Whether the cards were last drawn under `scoring` (see `cards_to_redraw`)."""
        wanted = ranks.fingerprint(scoring, everything=True)
        return self.get_meta(ranks.CARDS_FINGERPRINT) == wanted

    def cards_to_redraw(self, scoring: ScoringConfig) -> dict[str, list[int]]:
        """Return, per workspace, the live ideas with a card, when the cards were last
        drawn under another scoring config than `scoring` (else nothing); and remember
        `scoring` as the one they are drawn with from now on.

        Unlike the ranking's fingerprint this covers every setting a card shows (capacity
        moves buckets, `min_estimates` the "needs estimates" note).
        """
        key = ranks.CARDS_FINGERPRINT
        wanted = ranks.fingerprint(scoring, everything=True)
        with self.transaction() as db:
            if self.get_meta(key) == wanted:
                return {}
            db["meta"].insert({"key": key, "value": wanted}, replace=True)
            found: dict[str, list[int]] = {}
            for team_id, idea_id in db.execute(
                "select team_id, id from ideas where card_ts is not null"
                " and merged_into is null order by team_id, id"
            ):
                found.setdefault(team_id, []).append(idea_id)
            return found

    def own_ids(self, team_id: str, proposer: str, n: int) -> list[int]:
        """Return up to `n` of the ranked ideas `proposer` proposed, lowest ranked first."""
        self.ensure_ranks()
        return ranks.own_ids(self.db.conn, team_id, proposer, n)

    def unposted_ids(self, team_id: str, *, limit: int) -> list[int]:
        """Return up to `limit` live, open ideas whose card was never posted, oldest first."""
        rows = self.db.execute(
            "select id from ideas where team_id = ? and card_ts is null and merged_into is null"
            " and status not in ('Done', 'Won''t do', 'Archived') order by id limit ?",
            [team_id, limit],
        ).fetchall()
        return [r[0] for r in rows]

    def active_count(self, team_id: str) -> int:
        """Return how many live ideas are on the roadmap (not merged, Done or Won't do)."""
        self.ensure_ranks()
        return ranks.active_count(self.db.conn, team_id)

    def ideas_and_facts(self, team_id: str) -> tuple[dict[int, Idea], list[IdeaFacts]]:
        """Return every live idea of the workspace and its scoring facts, read together.

        What the whole roadmap needs, in one pass over the ideas and one over the links:
        at 100,000 ideas, building the Idea models is most of the cost of the roadmap.
        """
        self.ensure_ranks()
        conn = self.db.conn
        links: dict[int, list[int]] = {}
        for idea_id, pain_id in conn.execute(
            # CROSS JOIN keeps the links outermost: read in primary key order (no sort),
            # one look-up per link rather than one per idea of the workspace.
            "select l.idea_id, l.pain_point_id from idea_pain_points l"
            " cross join ideas i on i.id = l.idea_id"
            " where i.team_id = ? and i.merged_into is null"
            " order by l.idea_id, l.pain_point_id",
            [team_id],
        ):
            links.setdefault(idea_id, []).append(pain_id)
        rows = conn.execute(
            f"select {self._FACTS_COLUMNS}, {_IDEA_COLUMNS}"
            " from ideas i join idea_stats s on s.idea_id = i.id"
            " where +i.team_id = ? and i.merged_into is null",
            [team_id],
        ).fetchall()
        width = len(_STATS_FACTS)
        facts = _facts_of((row[:width] for row in rows), self.disagree_spread)
        ideas = _ideas_of((row[width:] for row in rows), links)
        return ideas, facts

    def ideas_by_id(self, team_id: str, ids: Iterable[int]) -> dict[int, Idea]:
        """Return the workspace's live ideas among `ids`, by id, with their links."""
        conn = self.db.conn
        out: dict[int, Idea] = {}
        for chunk in _chunks(list(ids), 900):
            marks = ",".join("?" * len(chunk))
            links: dict[int, list[int]] = {}
            for idea_id, pain_id in conn.execute(
                "select idea_id, pain_point_id from idea_pain_points"
                f" where idea_id in ({marks}) order by idea_id, pain_point_id",
                chunk,
            ):
                links.setdefault(idea_id, []).append(pain_id)
            # "+team_id": look the ids up by primary key, not by walking the workspace.
            rows = conn.execute(
                f"select {_IDEA_COLUMNS} from ideas i where +i.team_id = ?"
                f" and i.merged_into is null and i.id in ({marks})",
                [team_id, *chunk],
            )
            out.update(_ideas_of(rows, links))
        return out

    def addressing(self, team_id: str) -> dict[int, list[int]]:
        """Return, for the open pain points that an idea on the roadmap addresses, one such
        idea each, as {idea id: [pain point ids]}: enough to tell the weakest stage.

        One indexed look-up per open pain point, instead of reading every link.
        """
        found: dict[int, list[int]] = {}
        for pain_id, idea_id in self.db.execute(
            """
            select p.id, (
              select l.idea_id from idea_pain_points l join ideas i on i.id = l.idea_id
              where l.pain_point_id = p.id and i.merged_into is null
                and i.status not in ('Done', 'Won''t do')
              limit 1
            ) from pain_points p where p.team_id = ? and p.status = 'Open'
            """,
            [team_id],
        ):
            if idea_id is not None:
                found.setdefault(idea_id, []).append(pain_id)
        return found

    def pain_facts(self, team_id: str) -> list[PainFact]:
        """Return what journey heat needs of every pain point in the workspace."""
        rows = self._rows(
            "select id, stage, severity, status from pain_points where team_id = ?", [team_id]
        )
        return [PainFact(r["id"], r["stage"], r["severity"], PainStatus(r["status"])) for r in rows]

    def active_links(self, team_id: str) -> dict[int, list[int]]:
        """Return the pain point ids linked to each active, unmerged idea."""
        rows = self._rows(
            """
            select l.idea_id, l.pain_point_id from idea_pain_points l
            join ideas i on i.id = l.idea_id
            where i.team_id = ? and i.merged_into is null
              and i.status not in ('Done', 'Won''t do', 'Archived')
            """,
            [team_id],
        )
        links: dict[int, list[int]] = {}
        for row in rows:
            links.setdefault(row["idea_id"], []).append(row["pain_point_id"])
        return links

    # ---------------------------------------------------------------- people

    def team_of(self, team_id: str, user: str) -> str | None:
        """Return the cross-functional team a person said they belong to, if any."""
        rows = self._rows(
            "select team from people where team_id = ? and user_id = ?", [team_id, user]
        )
        return rows[0]["team"] if rows else None

    def set_team(self, team_id: str, user: str, team: str) -> None:
        """Remember which cross-functional team a person belongs to."""
        with self.transaction() as db:
            db.execute(
                "insert into people (team_id, user_id, team, notify) values (?, ?, ?, 1)"
                " on conflict (team_id, user_id) do update set team = excluded.team",
                [team_id, user, team],
            )

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        """Turn a person's direct messages on or off."""
        with self.transaction() as db:
            db.execute(
                "insert into people (team_id, user_id, notify) values (?, ?, ?)"
                " on conflict (team_id, user_id) do update set notify = excluded.notify",
                [team_id, user, int(notify)],
            )

    def wants_dms(self, team_id: str, user: str) -> bool:
        """Whether a person still accepts direct messages from journeybot."""
        rows = self._rows(
            "select notify from people where team_id = ? and user_id = ?", [team_id, user]
        )
        return not rows or bool(rows[0]["notify"])

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting of journeybot's own (for example the Notion roadmap URL)."""
        rows = self._rows("select value from meta where key = ?", [key])
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Store (or with None, forget) a setting of journeybot's own."""
        with self.transaction() as db:
            if value is None:
                db.execute("delete from meta where key = ?", [key])
            else:
                db["meta"].insert({"key": key, "value": value}, replace=True)

    def workspaces(self) -> list[str]:
        """Return the ids of the workspaces that have any record."""
        rows = self._rows(
            "select team_id from pain_points union select team_id from ideas order by 1"
        )
        return [row["team_id"] for row in rows]


_STATS_FACTS = tuple(c.strip() for c in Store._FACTS_COLUMNS.split(","))
_IDEA_FIELDS = (
    "id", "team_id", "title", "description", "proposer", "owning_team", "status",
    "pinned_bucket", "merged_into", "card_channel", "card_ts", "created_at", "updated_at",
)  # fmt: skip
_IDEA_COLUMNS = ", ".join(f"i.{name}" for name in _IDEA_FIELDS)
_IDEA_SET = frozenset((*_IDEA_FIELDS, "pain_point_ids"))


def _ideas_of(rows: Iterable[tuple[Any, ...]], links: dict[int, list[int]]) -> dict[int, Idea]:
    """Return Idea models from rows of `_IDEA_COLUMNS`, with their linked pain point ids.

    Rows were validated on their way in. `Idea.model_construct` costs about ten
    microseconds an idea, most of the time of a 100,000-idea roadmap; this sets the same
    instance state (`__dict__`, the fields set, no extras or private attributes) directly.
    """
    statuses = {s.value: s for s in IdeaStatus}
    buckets: dict[str | None, Bucket | None] = {b.value: b for b in Bucket}
    buckets[None] = buckets[""] = None
    parse = datetime.fromisoformat
    new, set_ = Idea.__new__, object.__setattr__
    fields_set = set(_IDEA_SET)
    out: dict[int, Idea] = {}
    for (
        iid, team_id, title, description, proposer, owning_team, status, pinned,
        merged_into, card_channel, card_ts, created_at, updated_at,
    ) in rows:  # fmt: skip
        idea = new(Idea)
        set_(idea, "__dict__", {
            "id": iid, "team_id": team_id, "title": title, "description": description or "",
            "proposer": proposer, "owning_team": owning_team,
            "pain_point_ids": links.get(iid, []), "status": statuses[status],
            "pinned_bucket": buckets[pinned], "merged_into": merged_into,
            "card_channel": card_channel, "card_ts": card_ts,
            "created_at": (created := parse(created_at) if created_at else None),
            # Never edited: the same moment, parsed once (datetimes are immutable).
            "updated_at": created if updated_at == created_at
            else parse(updated_at) if updated_at else None,
        })  # fmt: skip
        # One set for all: every field is in it, so assigning a field never changes it.
        set_(idea, "__pydantic_fields_set__", fields_set)
        set_(idea, "__pydantic_extra__", None)
        set_(idea, "__pydantic_private__", None)
        out[iid] = idea
    return out


def _facts_of(rows: Iterable[tuple[Any, ...]], spread: int) -> list[IdeaFacts]:
    """Return IdeaFacts from rows of `Store._FACTS_COLUMNS`, judging disagreement at `spread`."""
    statuses = {s.value: s for s in IdeaStatus}
    buckets: dict[str | None, Bucket | None] = {b.value: b for b in Bucket}
    buckets[None] = buckets[""] = None
    # Few distinct team lists recur across many ideas: decode each JSON text once.
    team_lists: dict[str, tuple[str, ...]] = {"[]": ()}
    out = []
    append = out.append
    # Column order is fixed by _FACTS_COLUMNS; tuples and positional arguments (in the
    # dataclasses' field order) are much faster than dicts and keywords over 100,000 ideas.
    for (
        iid, status, pinned, n, impact, complexity, weeks, i_spread, c_spread,
        w_spread, i_ends, c_ends, teams_json, supporters, teams, pains, severity, max_sev,
    ) in rows:  # fmt: skip
        estimate_teams = team_lists.get(teams_json)
        if estimate_teams is None:
            estimate_teams = team_lists[teams_json] = tuple(json.loads(teams_json))
        verdict = (
            disagreement(i_spread, i_ends, c_spread, c_ends, spread=spread)
            if i_ends is not None or c_ends is not None
            else None
        )
        c = Consensus(
            n, impact, complexity, weeks, i_spread, c_spread, w_spread, verdict,
            estimate_teams, i_ends, c_ends,
        )  # fmt: skip
        f = IdeaFacts(
            iid, c, supporters, pains, severity, max_sev, teams, statuses[status],
            buckets[pinned],
        )  # fmt: skip
        append(f)
    return out


class _Rating(NamedTuple):
    """An estimate as a plain row: what `consensus` reads, without validating it again."""

    team: str | None
    impact: int | None
    complexity: int | None
    weeks: float | None


_STATS_COLUMNS = (
    "idea_id",
    "n_estimates",
    "impact",
    "complexity",
    "weeks",
    "impact_spread",
    "complexity_spread",
    "weeks_spread",
    "disagreement",
    "estimate_teams",
    "supporters",
    "teams",
    "pain_points",
    "pain_severity",
    "max_severity",
    "impact_ends",
    "complexity_ends",
)
_UPSERT_STATS = (
    f"insert or replace into idea_stats ({', '.join(_STATS_COLUMNS)})"
    f" values ({', '.join('?' * len(_STATS_COLUMNS))})"
)
# Severity of each open pain point linked to an idea; callers add "and ..." to narrow it.
_OPEN_SEVERITIES = """
    select l.idea_id, p.severity from idea_pain_points l
    join pain_points p on p.id = l.pain_point_id
    where p.status = 'Open'
"""

_VOTE_COLUMNS = {
    "estimates": "voter, team_id, team, impact, complexity, weeks, created_at",
    "supports": "user, team_id, team, created_at",
}


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pain(row: dict[str, Any]) -> PainPoint:
    return PainPoint(
        id=row["id"],
        team_id=row["team_id"],
        reporter=row["reporter"],
        text=row["text"],
        stage=row["stage"],
        touchpoint=row["touchpoint"],
        persona=row["persona"],
        severity=row["severity"],
        source=EvidenceSource(row["source"]) if row["source"] else None,
        link=row["link"],
        owning_team=row["owning_team"],
        status=PainStatus(row["status"]),
        created_at=_dt(row["created_at"]),
    )


def _idea(row: dict[str, Any], pain_ids: list[int]) -> Idea:
    # Rows were validated on their way in; reading 100,000 back need not validate again.
    return Idea.model_construct(
        id=row["id"],
        team_id=row["team_id"],
        title=row["title"],
        description=row["description"] or "",
        proposer=row["proposer"],
        owning_team=row["owning_team"],
        pain_point_ids=pain_ids,
        status=IdeaStatus(row["status"]),
        pinned_bucket=Bucket(row["pinned_bucket"]) if row["pinned_bucket"] else None,
        merged_into=row["merged_into"],
        card_channel=row["card_channel"],
        card_ts=row["card_ts"],
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )
