"""`GET /healthz`: is this journeybot process able to do its job?

`health(checks)` runs small providers, each answering one question, and returns the HTTP
status and a JSON-ready body: 200 when every check is ok, 503 when any is not.

    status, body = health({"database": database_writable(path), "scheduler": ...})

A provider is any `() -> Check`; one that raises counts as unhealthy with the error named,
so a broken provider can never make the health endpoint itself fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "Check",
    "Provider",
    "database_writable",
    "health",
    "last_sync",
    "outbox_backlog",
    "scheduler_alive",
    "slack_connection",
]


@dataclass(frozen=True)
class Check:
    """One answer: whether it is healthy, and what a person reading `/healthz` should see."""

    ok: bool
    info: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[], Check]
"""Answers one health question; may raise (counted as unhealthy)."""


def health(checks: Mapping[str, Provider]) -> tuple[int, dict[str, Any]]:
    """Run every provider; return (200 or 503, {"status": ..., "checks": {name: {...}}})."""
    results: dict[str, dict[str, Any]] = {}
    for name, provider in checks.items():
        try:
            check = provider()
        except Exception as e:  # a provider's own failure is an unhealthy answer
            check = Check(False, {"error": f"{type(e).__name__}: {e}"})
        results[name] = {"ok": check.ok, **check.info}
    healthy = all(r["ok"] for r in results.values())
    return (200 if healthy else 503), {
        "status": "ok" if healthy else "unhealthy",
        "checks": results,
    }


def _connect(path: Path, *, timeout: float) -> sqlite3.Connection:
    # A connection of its own: the health check must never wait behind the bot's lock on
    # its shared connection, and `mode=rw` never creates a missing file.
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout, isolation_level=None
    )


def database_writable(path: Path, *, timeout: float = 1.0) -> Provider:
    """Check that the database can take a write now (takes the write lock, changes nothing)."""

    def check() -> Check:
        try:
            conn = _connect(path, timeout=timeout)
        except sqlite3.Error as e:
            return Check(False, {"writable": False, "error": str(e)})
        try:
            conn.execute("begin immediate")
            try:
                # The write lock alone is granted on a read-only file; a write statement
                # (one that matches no row, rolled back) is refused there.
                table = conn.execute(
                    "select name from sqlite_master where type = 'table'"
                    " and name not like 'sqlite_%' limit 1"
                ).fetchone()
                if table is not None:
                    conn.execute(f'delete from "{table[0]}" where 0')
            finally:
                conn.execute("rollback")
        except sqlite3.Error as e:
            return Check(False, {"writable": False, "error": str(e)})
        finally:
            conn.close()
        return Check(True, {"writable": True})

    return check


def outbox_backlog(path: Path, *, limit: int | None = None, timeout: float = 1.0) -> Provider:
    """Count the Slack effects not delivered yet; a database without an outbox has none.

    Effects Slack refused for good (`failed`) are counted apart: they are reported, not
    retried. With `limit`, a backlog larger than it is unhealthy.
    """

    def check() -> Check:
        conn = _connect(path, timeout=timeout)
        try:
            counts = dict(conn.execute("select state, count(*) from outbox group by state"))
        except sqlite3.OperationalError as e:
            # An older database (no outbox table, or none of its columns yet) owes nothing.
            if "no such table" not in str(e) and "no such column" not in str(e):
                raise
            counts = {}
        finally:
            conn.close()
        backlog = counts.get("pending", 0) + counts.get("sending", 0)
        return Check(
            limit is None or backlog <= limit,
            {"backlog": backlog, "failed": counts.get("failed", 0)},
        )

    return check


def last_sync(
    path: Path,
    *,
    enabled: bool,
    stale_after: timedelta,
    started_at: datetime,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    timeout: float = 1.0,
) -> Provider:
    """Check that every workspace had a successful Notion sync within `stale_after`.

    Until the first sync a process has `stale_after` from `started_at` to make one. Syncs
    run by another process (`journeybot sync`) count too: they are read from the database.
    """

    def check() -> Check:
        if not enabled:
            return Check(True, {"enabled": False})
        conn = _connect(path, timeout=timeout)
        try:
            rows = conn.execute(
                "select team_id, max(finished_at) from notion_sync_runs"
                " where error is null and finished_at is not null group by team_id"
            ).fetchall()
        except sqlite3.OperationalError as e:
            if "no such table" not in str(e):
                raise
            rows = []
        finally:
            conn.close()
        now = clock()
        if not rows:
            age = now - started_at
            return Check(
                age <= stale_after,
                {
                    "enabled": True,
                    "last_success": None,
                    "waiting_seconds": round(age.total_seconds()),
                },
            )
        oldest = min(datetime.fromisoformat(at) for _, at in rows)
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = now - oldest
        return Check(
            age <= stale_after,
            {
                "enabled": True,
                "last_success": oldest.isoformat(),
                "age_seconds": round(age.total_seconds()),
                "stale_after_seconds": round(stale_after.total_seconds()),
            },
        )

    return check


def scheduler_alive(running: Callable[[], bool]) -> Provider:
    """Check that the scheduler (Notion sync, digest) is running."""

    def check() -> Check:
        alive = bool(running())
        return Check(alive, {"running": alive})

    return check


def slack_connection(connected: Callable[[], bool]) -> Provider:
    """Check that the Socket Mode connection to Slack is open."""

    def check() -> Check:
        up = bool(connected())
        return Check(up, {"connected": up})

    return check
