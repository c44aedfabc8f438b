"""The outbox: what Slack must hear because of a change, stored with the change.

A use case calls `Outbox.add` inside its own transaction, so the effect (a card redraw, a
thread notice, a DM, an App Home refresh, a digest) exists exactly when the change does.
Whichever process runs the bot takes due effects (`take`), delivers them and marks each
`done`, `retry` (transient failure, with a later `due_at`) or `failed` (Slack said no for
good). An effect taken by a process that died is given back by `recover`.

    with store.transaction():
        ...the change...
        outbox.add(team_id, "card", {"idea_id": 7}, key="card:T1:7:...", coalesce="card:T1:7")
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .store import Store
from .store import iso as _iso

__all__ = ["Effect", "Outbox"]


def _abandoned(
    taken_by: str | None, taken_at: str | None, *, now: datetime, stale_after: float
) -> bool:
    """Whether an effect taken for delivery was left by a process that is gone."""
    if not taken_by or not taken_at:
        return True
    host, _, pid = taken_by.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return (now - datetime.fromisoformat(taken_at)).total_seconds() >= stale_after


@dataclass(frozen=True, slots=True)
class Effect:
    """One effect to deliver."""

    id: int
    team_id: str
    key: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime | None


class Outbox:
    """The `outbox` table, on the Store's database and transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        """Who takes effects for delivery: a process on a host."""
        self._local = threading.local()

    @property
    def added(self) -> int:
        """Effects this thread recorded (to wake the courier after its commit)."""
        return getattr(self._local, "added", 0)

    def add(
        self,
        team_id: str,
        kind: str,
        payload: dict[str, Any],
        *,
        key: str,
        now: datetime,
        coalesce: str | None = None,
        delay: float = 0.0,
    ) -> bool:
        """Record an effect; False when `key` was recorded before or `coalesce` is waiting.

        An effect with a `coalesce` key that is already waiting is absorbed by it: the
        waiting one reads the database when it is delivered, so it shows this change too.
        """
        with self.store.transaction() as db:
            cursor = db.execute(
                "insert or ignore into outbox"
                " (team_id, key, kind, payload, coalesce_key, state, attempts, due_at, created_at)"
                " values (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                [
                    team_id,
                    key,
                    kind,
                    json.dumps(payload, sort_keys=True),
                    coalesce,
                    _iso(now + timedelta(seconds=delay)),
                    _iso(now),
                ],
            )
            if cursor.rowcount == 1:
                self._local.added = self.added + 1
            return cursor.rowcount == 1

    def take(self, *, now: datetime, limit: int = 50, kinds: tuple[str, ...] = ()) -> list[Effect]:
        """Claim up to `limit` due effects for delivery (oldest first) and return them."""
        where = "state = 'pending' and due_at <= ?"
        params: list[Any] = [_iso(now)]
        if kinds:
            where += f" and kind in ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        with self.store.transaction() as db:
            rows = list(
                db.query(
                    f"select * from outbox where {where} order by due_at, id limit ?",
                    [*params, limit],
                )
            )
            if not rows:
                return []
            ids = [r["id"] for r in rows]
            db.execute(
                "update outbox set state = 'sending', attempts = attempts + 1, taken_by = ?,"
                f" taken_at = ? where id in ({', '.join('?' for _ in ids)})",
                [self.owner, _iso(now), *ids],
            )
        return [
            Effect(
                id=r["id"],
                team_id=r["team_id"],
                key=r["key"],
                kind=r["kind"],
                payload=json.loads(r["payload"]),
                attempts=r["attempts"] + 1,
                created_at=datetime.fromisoformat(r["created_at"]) if r["created_at"] else None,
            )
            for r in rows
        ]

    def done(self, effect_id: int, *, now: datetime) -> None:
        """Mark an effect delivered."""
        with self.store.transaction() as db:
            db.execute(
                "update outbox set state = 'done', delivered_at = ?, error = null,"
                " coalesce_key = null where id = ?",
                [_iso(now), effect_id],
            )

    def retry(self, effect_id: int, *, at: datetime, error: str, counts: bool = True) -> None:
        """Give an effect back to be tried again at `at` (a transient failure).

        `counts=False` takes the try back: an outage of Slack's as a whole (a revoked
        token, a rate limit) says nothing about this effect, so it never uses it up.
        """
        with self.store.transaction() as db:
            # A newer redraw of the same card may be waiting already; it covers this one.
            row = db.execute("select coalesce_key from outbox where id = ?", [effect_id]).fetchone()
            if row and row[0] is not None:
                waiting = db.execute(
                    "select 1 from outbox where coalesce_key = ? and state = 'pending'", [row[0]]
                ).fetchone()
                if waiting:
                    db.execute(
                        "update outbox set state = 'done', error = ?, coalesce_key = null,"
                        " delivered_at = ? where id = ?",
                        [f"superseded after: {error}", _iso(at), effect_id],
                    )
                    return
            db.execute(
                "update outbox set state = 'pending', due_at = ?, error = ?,"
                " attempts = max(0, attempts - ?) where id = ?",
                [_iso(at), error, 0 if counts else 1, effect_id],
            )

    def fail(self, effect_id: int, *, error: str, now: datetime) -> None:
        """Record that Slack refused an effect for good; it is not tried again."""
        with self.store.transaction() as db:
            db.execute(
                "update outbox set state = 'failed', error = ?, delivered_at = ?,"
                " coalesce_key = null where id = ?",
                [error, _iso(now), effect_id],
            )

    def recover(self, *, now: datetime, stale_after: float = 600.0) -> int:
        """Give back the effects a stopped process had taken; return how many.

        Taken by a process of this host that is gone, or taken `stale_after` seconds ago
        or more (a process elsewhere): a live process keeps what it is delivering.
        """
        with self.store.transaction() as db:
            pending = {
                r[0]
                for r in db.execute(
                    "select coalesce_key from outbox where state = 'pending'"
                    " and coalesce_key is not null"
                ).fetchall()
            }
            taken = db.execute(
                "select id, coalesce_key, taken_by, taken_at from outbox where state = 'sending'"
            ).fetchall()
            given = 0
            for effect_id, coalesce, taken_by, taken_at in taken:
                if not _abandoned(taken_by, taken_at, now=now, stale_after=stale_after):
                    continue
                given += 1
                if coalesce is not None and coalesce in pending:
                    db.execute(
                        "update outbox set state = 'done', coalesce_key = null,"
                        " error = 'superseded', delivered_at = ? where id = ?",
                        [_iso(now), effect_id],
                    )
                    continue
                db.execute("update outbox set state = 'pending' where id = ?", [effect_id])
                if coalesce is not None:
                    pending.add(coalesce)
            return given

    def retry_now(self, *, now: datetime) -> int:
        """Make every effect waiting after a failure due now; return how many."""
        with self.store.transaction() as db:
            return db.execute(
                "update outbox set due_at = ? where state = 'pending' and error is not null"
                " and due_at > ?",
                [_iso(now), _iso(now)],
            ).rowcount

    def backlog(self, team_id: str | None = None, *, scheduled: bool = True) -> int:
        """Return how many effects wait to be delivered.

        `scheduled=False` leaves out effects recorded to be sent much later (an
        end-of-day DM), which nobody is waiting for now.
        """
        where, params = "state in ('pending', 'sending')", []
        if not scheduled:
            where += (
                " and (state = 'sending' or attempts > 0"
                " or julianday(due_at) <= julianday(created_at) + 5.0 / 1440)"
            )
        if team_id is not None:
            where += " and team_id = ?"
            params.append(team_id)
        return self.store.db["outbox"].count_where(where, params)

    def oldest_waiting(self) -> datetime | None:
        """Return when the oldest effect still waiting to be delivered was recorded."""
        row = self.store.db.execute(
            "select min(created_at) from outbox where state in ('pending', 'sending')"
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def failed_count(self) -> int:
        """Return how many effects Slack refused for good (see `failures`)."""
        return self.store.db["outbox"].count_where("state = 'failed'")

    def next_due(self) -> datetime | None:
        """Return when the next waiting effect is due, if any."""
        row = self.store.db.execute(
            "select min(due_at) from outbox where state = 'pending'"
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def failures(self, *, limit: int = 20) -> list[dict[str, Any]]:
        """Return the most recent effects Slack refused for good, newest first."""
        return list(
            self.store.db.query(
                "select id, team_id, kind, key, payload, error, delivered_at from outbox"
                " where state = 'failed' order by id desc limit ?",
                [limit],
            )
        )

    def forget(self, *, before: datetime) -> int:
        """Drop delivered effects older than `before`."""
        with self.store.transaction() as db:
            return db.execute(
                "delete from outbox where state in ('done', 'failed') and delivered_at < ?",
                [_iso(before)],
            ).rowcount
