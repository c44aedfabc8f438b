"""`journeybot purge --workspace`: one workspace's records go, in one transaction; no other's."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import database_locked
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services
from storage.notion_state import NotionState
from storage.store import Store

T1, T2 = "T0001", "T0002"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CHILDREN = ("idea_stats", "status_changes", "idea_pain_points")
"""Tables whose rows belong to a workspace through an idea, without naming it."""


def fill(s: Services, team_id: str) -> None:
    s.set_team(team_id, "U1", "Sales")
    pain = s.log_pain_point(team_id, "U1", f"{team_id} checkout fails", stage="Purchase").pain
    s.me_too(team_id, "U2", pain.id or 0)
    idea = s.propose_idea(team_id, "U1", f"{team_id} retry payments", pain_point_ids=[pain.id or 0])
    for user in ("U1", "U2", "U3"):
        s.record_estimate(team_id, idea.id or 0, user, impact=4, complexity=2, weeks=2)
    s.support(team_id, idea.id or 0, "U4")
    dup = s.propose_idea(team_id, "U2", f"{team_id} retry payment", impact=3)
    s.merge(team_id, dup.id or 0, idea.id or 0, by="U1")
    s.change_status(team_id, idea.id or 0, "In progress", by="U1")
    s.set_roadmap_channel(team_id, "C0ROADMAP", by="U1")
    s.store.meta.set(f"notion.roadmap_url:{team_id}", f"https://notion.so/{team_id}")
    NotionState(s.store).save_object(team_id, "roadmap", notion_id=f"db-{team_id}")
    s.weekly_digest(team_id, now=NOW)


@pytest.fixture
def db(cli_db: Path) -> Path:
    """Two workspaces with a bit of everything, in the database the commands use."""
    path = cli_db
    store = Store.open(path)
    s = Services(store, clock=lambda: NOW, admins=frozenset({"U1"}))
    fill(s, T1)
    fill(s, T2)
    s.workspace.set_digest(T2, cron="0 8 * * *", timezone="UTC", by="U1")
    store.close()
    return path


def rows_of(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (but the search indexes), sorted, by table."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            name
            for (name,) in conn.execute("select name from sqlite_master where type = 'table'")
            if "_fts" not in name and not name.startswith(("sqlite_", "_sqlite"))
        ]
        return {t: sorted(map(repr, conn.execute(f'select * from "{t}"'))) for t in tables}


def mentions(rows: dict[str, list], team_id: str) -> list[str]:
    return [f"{t}: {r}" for t, found in rows.items() for r in found if team_id in r]


def test_purge_deletes_one_workspace_and_leaves_the_other_exactly_as_it_was(db: Path) -> None:
    before = rows_of(db)
    assert mentions(before, T2)
    result = CliRunner().invoke(app, ["purge", "--workspace", T2], input=f"{T2}\n")
    assert result.exit_code == 0, result.output
    assert f"Deleted workspace {T2}:" in result.output
    after = rows_of(db)
    assert mentions(after, T2) == []
    kept = {t: [r for r in rs if T2 not in r] for t, rs in before.items()}
    # What belonged to T0002 without naming it (its ideas' stats, links, history) is gone too.
    with closing(sqlite3.connect(db)) as conn:
        for table, column in [*((t, "idea_id") for t in CHILDREN), ("pain_votes", "pain_point_id")]:
            orphans = conn.execute(
                f"select count(*) from {table} where {column} not in (select id from ideas)"
            ).fetchone()[0]
            assert orphans == 0, table
    assert {t: r for t, r in after.items() if t not in CHILDREN} == {
        t: r for t, r in kept.items() if t not in CHILDREN
    }
    exported = json.loads(CliRunner().invoke(app, ["export", "-w", T1]).stdout)
    assert [i["title"] for i in exported["ideas"]] == [
        "T0001 retry payments",
        "T0001 retry payment",
    ]


def test_purge_asks_for_the_id_typed_and_deletes_nothing_on_a_mismatch(db: Path) -> None:
    before = rows_of(db)
    result = CliRunner().invoke(app, ["purge", "-w", T2], input="T0003\n")
    assert result.exit_code == 2
    assert "does not match; nothing was deleted" in result.output
    assert rows_of(db) == before


def test_purge_of_an_unknown_workspace_names_the_known_ones(db: Path) -> None:
    result = CliRunner().invoke(app, ["purge", "-w", "T9999", "--yes"])
    assert result.exit_code == 2
    assert "holds nothing of workspace T9999 (it knows T0001, T0002)" in result.output


def test_a_purge_that_cannot_write_deletes_nothing(db: Path) -> None:
    before = rows_of(db)
    with database_locked(db):  # another process in the middle of a write
        result = CliRunner().invoke(app, ["purge", "-w", T2, "--yes"])
    assert result.exit_code == 2
    assert "nothing was changed" in result.output
    assert rows_of(db) == before
