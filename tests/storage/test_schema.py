"""Opening a database: migrations, pragmas, and refusing files that are not databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import all_at_once

from prioritize.config import InvalidInput
from storage.schema import migrations
from storage.store import BUSY_TIMEOUT_MS, Store

TABLES = {
    "pain_points",
    "ideas",
    "idea_pain_points",
    "estimates",
    "supports",
    "pain_votes",
    "people",
    "idea_stats",
    "status_changes",
    "meta",
    "pain_points_fts",
    "ideas_fts",
}


def test_opening_a_new_file_creates_the_whole_schema(store):
    assert set(store.db.table_names()) >= TABLES
    applied = [m.name for m in migrations.applied(store.db)]
    assert applied[0] == "m001_core"
    assert "m003_meta" in applied
    assert migrations.pending(store.db) == []


def test_reopening_applies_nothing_twice_and_keeps_the_data(db_path, store):
    store.meta.set("notion_url", "https://notion.so/x")
    applied = migrations.applied(store.db)
    store.close()
    for _ in range(2):
        again = Store.open(db_path)
        assert migrations.applied(again.db) == applied
        assert again.meta.get("notion_url") == "https://notion.so/x"
        again.close()


def test_a_database_from_before_the_meta_table_gets_it_on_open(db_path, store):
    # What a database created by the first release looks like: no meta table, and no
    # record of the migration that adds it.
    store.db.execute("drop table meta")
    store.db.execute("delete from _sqlite_migrations where name = 'm003_meta'")
    store.close()
    upgraded = Store.open(db_path)
    upgraded.meta.set("k", "v")
    assert upgraded.meta.get("k") == "v"
    upgraded.close()


def _before_workspaces(store: Store) -> None:
    """Make the database look as it did when the Notion URLs were kept once for all."""
    store.db.execute("drop table workspace_settings")
    store.db.execute("delete from _sqlite_migrations where name = 'm011_workspaces'")


def _pain(store: Store, team_id: str) -> None:
    store.db["pain_points"].insert(
        {
            "team_id": team_id,
            "reporter": "U1",
            "text": "Checkout times out",
            "stage": "Purchase",
            "severity": 3,
            "status": "open",
            "created_at": "2026-01-01T00:00:00",
        }
    )


def test_the_notion_urls_of_a_single_workspace_move_to_that_workspace(db_path, store):
    _pain(store, "T0001")
    store.meta.set("notion.roadmap_url", "https://notion.so/roadmap")
    store.meta.set("notion.summary_url", "https://notion.so/summary")
    _before_workspaces(store)
    store.close()
    upgraded = Store.open(db_path)
    assert upgraded.meta.get("notion.roadmap_url") is None
    assert upgraded.meta.get("notion.roadmap_url:T0001") == "https://notion.so/roadmap"
    assert upgraded.meta.get("notion.summary_url:T0001") == "https://notion.so/summary"
    assert "workspace_settings" in upgraded.db.table_names()
    upgraded.close()


def test_the_notion_urls_go_to_the_workspace_whose_roadmap_notion_holds(db_path, store):
    _pain(store, "T0001")
    _pain(store, "T0002")
    store.db["notion_objects"].insert(
        {"team_id": "T0002", "key": "roadmap", "notion_id": "db-2", "state": "live"}
    )
    store.meta.set("notion.roadmap_url", "https://notion.so/roadmap")
    _before_workspaces(store)
    store.close()
    upgraded = Store.open(db_path)
    assert upgraded.meta.get("notion.roadmap_url:T0002") == "https://notion.so/roadmap"
    assert upgraded.meta.get("notion.roadmap_url:T0001") is None
    upgraded.close()


def test_notion_urls_nobody_owns_are_dropped_rather_than_shown_to_the_wrong_workspace(
    db_path, store
):
    _pain(store, "T0001")
    _pain(store, "T0002")
    store.meta.set("notion.roadmap_url", "https://notion.so/roadmap")
    _before_workspaces(store)
    store.close()
    upgraded = Store.open(db_path)
    rows = upgraded.db.execute("select key from meta where key like 'notion.%'").fetchall()
    assert rows == []
    upgraded.close()


def test_wal_foreign_keys_and_busy_timeout_are_on(store):
    conn = store.db.conn
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert conn.execute("pragma foreign_keys").fetchone()[0] == 1
    assert conn.execute("pragma busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "insert into estimates (idea_id, voter, team_id, impact, created_at)"
            " values (999, 'U1', 'T1', 3, '2025-01-01')"
        )


def test_a_file_that_is_not_a_database_is_refused_naming_the_setting(tmp_path: Path):
    junk = tmp_path / "notes.db"
    junk.write_text("this is not SQLite " * 100)
    with pytest.raises(InvalidInput) as e:
        Store.open(junk)
    assert e.value.field == "JOURNEYBOT_DB"
    assert str(junk) in e.value.message


def test_the_database_folder_is_created(tmp_path: Path):
    s = Store.open(tmp_path / "new" / "dir" / "journeybot.db")
    assert (tmp_path / "new" / "dir" / "journeybot.db").exists()
    s.close()


def test_opening_a_new_database_from_several_connections_at_once_migrates_it_once(db_path):
    # The bot and a CLI command started together on a fresh file: both must open it.
    assert all_at_once(lambda _: Store.open(db_path).close(), 6) == []
    s = Store.open(db_path)
    names = [m.name for m in migrations.applied(s.db)]
    assert len(names) == len(set(names))
    assert s.db.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    s.close()
