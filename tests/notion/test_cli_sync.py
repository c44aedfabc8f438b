"""`journeybot sync`: one sync with a progress bar and a summary, or one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sandbox.notion import NotionEmulator
from bot.services import Services
from storage.notion_state import NotionState
from storage.store import Store


@pytest.fixture
def db(cli_db: Path) -> Path:
    path = cli_db
    store = Store.open(path)
    services = Services(store)
    pain = services.log_pain_point("T0001", "U1", "Checkout fails on mobile", stage="Purchase")
    services.propose_idea("T0001", "U1", "Retry payments", pain_point_ids=[pain.pain.id or 0])
    store.close()
    return path


def point_at(monkeypatch: pytest.MonkeyPatch, notion: NotionEmulator) -> None:
    """Set the Notion settings to the emulator, its root page as the roadmap's home."""
    monkeypatch.setenv("NOTION_TOKEN", notion.token)
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", notion.root_page_id)
    monkeypatch.setenv("NOTION_API_URL", notion.base_url)


def test_without_a_notion_token_sync_says_so_in_one_line(db: Path) -> None:
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: NOTION_TOKEN is not set: create an integration and set its secret"
    ]


def test_without_a_parent_page_sync_says_so_in_one_line(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "secret")
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 2
    assert "NOTION_PARENT_PAGE_ID is not set" in result.output


def test_sync_pushes_the_roadmap_and_prints_what_it_did(
    db: Path, monkeypatch: pytest.MonkeyPatch, notion: NotionEmulator
) -> None:
    point_at(monkeypatch, notion)
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert "Synced to Notion: 2 created, 0 updated, 0 archived, 0 read back;" in result.output
    again = CliRunner().invoke(app, ["sync"])
    assert "0 created, 0 updated, 0 archived, 0 read back; 3 requests in" in again.output
    store = Store.open(db)
    team_id = store.workspaces()[0]
    assert (store.meta.get(f"notion.roadmap_url:{team_id}") or "").startswith(
        "https://www.notion.so/"
    )
    store.close()


def test_a_sync_after_a_killed_sync_does_not_wait_for_its_lease(
    db: Path, monkeypatch: pytest.MonkeyPatch, notion: NotionEmulator
) -> None:
    point_at(monkeypatch, notion)
    reached, release = threading.Event(), threading.Event()

    def hold_the_first_page_create(method: str, path: str) -> None:
        if method == "POST" and path == "/v1/pages" and not reached.is_set():
            reached.set()
            release.wait(10)
            raise ConnectionError("the process that sent this is gone")  # never performed

    notion.on_request = hold_the_first_page_create
    killed = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "sync"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert reached.wait(30), "the sync never got to its first page"
        store = Store.open(db)
        owner = NotionState(store).lease_owner("T0001")
        store.close()
        assert owner is not None and owner["pid"] == killed.pid
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        release.set()
    notion.on_request = None

    began = time.monotonic()
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 30  # not the three minutes of a lease left to expire
    assert "Synced to Notion: 2 created" in result.output


def test_a_changed_parent_page_stops_sync_with_one_line_and_rehome_builds_it_there(
    db: Path, monkeypatch: pytest.MonkeyPatch, notion: NotionEmulator
) -> None:
    point_at(monkeypatch, notion)
    assert CliRunner().invoke(app, ["sync"]).exit_code == 0
    new_home = notion.add_page("New roadmap home")
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", new_home)

    refused = CliRunner().invoke(app, ["sync"])
    assert refused.exit_code != 0
    (line,) = [text for text in refused.output.splitlines() if text.strip()]
    assert "NOTION_PARENT_PAGE_ID changed" in line and "journeybot sync --rehome" in line

    rehomed = CliRunner().invoke(app, ["sync", "--rehome"])
    assert rehomed.exit_code == 0, rehomed.output
    assert "Synced to Notion: 2 created" in rehomed.output
    kinds = [b["type"] for b in notion.blocks(new_home)]
    assert kinds == ["child_database", "child_database", "child_page"]


def test_an_unreachable_notion_is_one_line_naming_the_url(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "secret")
    monkeypatch.setenv("NOTION_PARENT_PAGE_ID", "0" * 32)
    monkeypatch.setenv("NOTION_API_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code != 0
    (line,) = [text for text in result.output.splitlines() if text.strip()]
    assert "cannot reach Notion at http://127.0.0.1:9" in line


def test_an_unreachable_notion_is_still_one_line_after_journeybot_run_in_the_same_process(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The order that once failed: `run` installed its log handler and left it behind, so
    # the sync's retry lines landed in the next command's output.
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
    ran = CliRunner().invoke(app, ["run", "--port", "0"])
    assert ran.output.strip().splitlines() == ["error: SLACK_BOT_TOKEN is not set"]
    test_an_unreachable_notion_is_one_line_naming_the_url(db, monkeypatch)


def test_sync_of_a_second_workspace_never_builds_it_under_the_first_ones_page(
    db: Path, monkeypatch: pytest.MonkeyPatch, notion: NotionEmulator
) -> None:
    point_at(monkeypatch, notion)
    assert CliRunner().invoke(app, ["sync", "-w", "T0001"]).exit_code == 0
    store = Store.open(db)
    Services(store).log_pain_point("T0002", "U1", "Another workspace's pain point")
    store.close()
    before = notion.request_count
    result = CliRunner().invoke(app, ["sync", "-w", "T0002"])
    assert result.exit_code == 2
    assert "NOTION_PARENT_PAGE_ID holds the roadmap of T0001" in result.output
    assert notion.request_count == before
