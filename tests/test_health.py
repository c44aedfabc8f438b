"""`GET /healthz`: providers in, one status and a readable report out."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.health import (
    Check,
    database_writable,
    health,
    last_sync,
    outbox_backlog,
    scheduler_alive,
    slack_connection,
)
from bot.slack.http_server import serve_http
from storage.notion_state import NotionState
from storage.outbox import Outbox
from storage.store import Store

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "journeybot.db"
    Store.open(path).close()
    return path


def test_all_checks_ok_is_200_and_any_failure_is_503() -> None:
    ok = {"a": lambda: Check(True, {"n": 1}), "b": lambda: Check(True)}
    assert health(ok) == (
        200,
        {"status": "ok", "checks": {"a": {"ok": True, "n": 1}, "b": {"ok": True}}},
    )
    status, body = health({**ok, "c": lambda: Check(False, {"why": "down"})})
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["c"] == {"ok": False, "why": "down"}


def test_a_provider_that_raises_is_an_unhealthy_answer_not_a_crash() -> None:
    def broken() -> Check:
        raise RuntimeError("boom")

    status, body = health({"broken": broken})
    assert status == 503
    assert body["checks"]["broken"] == {"ok": False, "error": "RuntimeError: boom"}


def test_a_writable_database_is_healthy_and_a_locked_one_is_not(db: Path) -> None:
    assert database_writable(db)() == Check(True, {"writable": True})
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("begin immediate")
    try:
        check = database_writable(db, timeout=0.1)()
    finally:
        holder.execute("rollback")
        holder.close()
    assert not check.ok
    assert check.info["error"] == "database is locked"


def test_a_missing_database_is_not_created_by_the_check(tmp_path: Path) -> None:
    check = database_writable(tmp_path / "gone.db")()
    assert not check.ok
    assert not (tmp_path / "gone.db").exists()


def test_a_database_without_an_outbox_owes_nothing(db: Path) -> None:
    assert outbox_backlog(db)() == Check(True, {"backlog": 0, "failed": 0})


def test_the_outbox_backlog_counts_effects_not_delivered_yet(db: Path) -> None:
    store = Store.open(db)
    outbox = Outbox(store)
    for n in range(5):
        outbox.add("T1", "status_dm", {"n": n}, key=f"k{n}", now=NOW)
    _still_sending, done, failed = outbox.take(now=NOW, limit=3)
    outbox.done(done.id, now=NOW)
    outbox.fail(failed.id, error="channel_not_found", now=NOW)
    store.close()
    assert outbox_backlog(db)() == Check(True, {"backlog": 3, "failed": 1})
    assert outbox_backlog(db, limit=2)().ok is False


def test_the_last_sync_is_stale_after_its_limit(db: Path) -> None:
    store = Store.open(db)
    try:
        NotionState(store).record_run(
            "T1",
            started_at=NOW,
            finished_at=NOW,
            created=1,
            updated=0,
            archived=0,
            read_back=0,
            requests=3,
        )
        NotionState(store).record_run(
            "T1",
            started_at=NOW + timedelta(minutes=5),
            finished_at=NOW + timedelta(minutes=5),
            created=0,
            updated=0,
            archived=0,
            read_back=0,
            requests=1,
            error="Notion is down",
        )
    finally:
        store.close()
    limit = timedelta(minutes=15)

    def at(moment: datetime) -> Check:
        return last_sync(
            db, enabled=True, stale_after=limit, started_at=NOW, clock=lambda: moment
        )()

    fresh = at(NOW + timedelta(minutes=10))
    assert fresh.ok
    assert fresh.info["last_success"] == NOW.isoformat()  # the failed run does not count
    assert fresh.info["age_seconds"] == 600
    assert not at(NOW + timedelta(minutes=16)).ok


def test_before_any_sync_a_new_process_has_the_limit_to_make_one(db: Path) -> None:
    def at(moment: datetime) -> Check:
        return last_sync(
            db,
            enabled=True,
            stale_after=timedelta(minutes=15),
            started_at=NOW,
            clock=lambda: moment,
        )()

    assert at(NOW + timedelta(minutes=1)).ok
    assert not at(NOW + timedelta(minutes=20)).ok
    off = last_sync(db, enabled=False, stale_after=timedelta(0), started_at=NOW)()
    assert off == Check(True, {"enabled": False})


def test_the_scheduler_and_the_socket_are_reported_as_they_are() -> None:
    assert scheduler_alive(lambda: True)() == Check(True, {"running": True})
    assert scheduler_alive(lambda: False)() == Check(False, {"running": False})
    assert slack_connection(lambda: False)() == Check(False, {"connected": False})


def test_the_health_listener_serves_the_report_as_json_and_nothing_else(db: Path) -> None:
    checks = {"database": database_writable(db), "scheduler": scheduler_alive(lambda: False)}
    server, url = serve_http(None, health=lambda: health(checks))
    base = url.removesuffix("/slack/events")
    try:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(base + "/healthz", timeout=5)
        assert answer.value.code == 503
        assert answer.value.headers["Content-Type"] == "application/json"
        body = json.loads(answer.value.read())
        assert body["checks"]["database"]["ok"] is True
        assert body["checks"]["scheduler"]["ok"] is False
        with pytest.raises(urllib.error.HTTPError) as events:
            urllib.request.urlopen(urllib.request.Request(url, data=b"x"), timeout=5)
        assert events.value.code == 404  # a health listener takes no Slack requests
    finally:
        server.shutdown()
        server.server_close()
