"""`journeybot doctor` against the emulators: ok, or one line saying what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from notion_client import Client
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.doctor import manifest_scopes, run_checks
from bot.notion.client import NotionClient
from bot.notion.sync import RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from storage.store import Store

SECRET = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def notion():
    with NotionEmulator(rate_limit=None) as emulator:
        yield emulator


def settings(tmp_path: Path, slack: SlackEmulator, notion: NotionEmulator, **overrides) -> Settings:
    values = {
        "_env_file": None,
        "slack_bot_token": slack.token,
        "slack_signing_secret": SECRET,
        "slack_app_token": None,
        "slack_api_url": slack.api_url,
        "notion_token": notion.token,
        "notion_parent_page_id": notion.root_page_id,
        "notion_api_url": notion.base_url,
        "journeybot_db": tmp_path / "journeybot.db",
        "journeybot_config": None,
    }
    return Settings(**{**values, **overrides})


def failures(checks) -> dict[str, str]:
    return {c.name: c.detail for c in checks if not c.ok}


def test_a_complete_installation_passes_every_check(tmp_path, notion):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        checks = run_checks(settings(tmp_path, slack, notion))
    assert failures(checks) == {}
    names = [c.name for c in checks]
    assert names[:3] == ["Config file", "Database", "Slack token"]
    assert "Slack scopes" in names and "Notion parent page" in names


def test_a_token_without_a_scope_the_manifest_needs_is_named(tmp_path, notion):
    granted = manifest_scopes() - {"files:write"}
    with SlackEmulator(scopes=granted) as slack:
        problems = failures(run_checks(settings(tmp_path, slack, notion)))
    assert "files:write" in problems["Slack scopes"]
    assert "reinstall" in problems["Slack scopes"]


def test_a_wrong_slack_token_and_an_unreachable_notion_are_told_apart(tmp_path, notion):
    with SlackEmulator() as slack:
        problems = failures(
            run_checks(
                settings(
                    tmp_path,
                    slack,
                    notion,
                    slack_bot_token="xoxb-wrong",
                    notion_api_url="http://127.0.0.1:9",
                )
            )
        )
    assert problems["Slack token"] == "SLACK_BOT_TOKEN is rejected by Slack (invalid_auth)"
    assert problems["Notion token"].startswith("cannot reach Notion at http://127.0.0.1:9")


def test_a_rejected_notion_token_is_said_in_words(tmp_path, notion, capsys):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        problems = failures(run_checks(settings(tmp_path, slack, notion, notion_token="wrong")))
    assert "the Notion token is not valid" in problems["Notion token"]
    assert "APIErrorCode" not in problems["Notion token"]
    assert "APIErrorCode" not in capsys.readouterr().err  # nor in a log line beside it


def test_a_parent_page_not_shared_with_the_integration_says_how_to_share_it(tmp_path, notion):
    private = notion.add_page("Not shared", shared=False)
    with SlackEmulator() as slack:
        problems = failures(
            run_checks(settings(tmp_path, slack, notion, notion_parent_page_id=private))
        )
    assert "Connections" in problems["Notion parent page"]


def test_missing_secrets_a_bad_app_token_and_a_bad_config_each_get_one_line(tmp_path, notion):
    config = tmp_path / "journeybot.toml"
    config.write_text('[journey]\nstages = ["Only", "only"]\n')
    with SlackEmulator() as slack:
        problems = failures(
            run_checks(
                settings(
                    tmp_path,
                    slack,
                    notion,
                    slack_signing_secret=None,
                    slack_app_token="xoxb-not-an-app-token",
                    journeybot_config=config,
                )
            )
        )
    assert "names must be unique" in problems["Config file"]
    assert problems["Socket Mode"].startswith("SLACK_APP_TOKEN must be an app-level token")
    assert all("\n" not in detail for detail in problems.values())


def test_a_database_folder_that_does_not_exist_is_named(tmp_path, notion):
    with SlackEmulator() as slack:
        problems = failures(
            run_checks(settings(tmp_path, slack, notion, journeybot_db=tmp_path / "no" / "x.db"))
        )
    assert problems["Database"] == f"JOURNEYBOT_DB: folder {tmp_path / 'no'} does not exist"


def test_the_command_exits_1_and_counts_what_to_fix(tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "NOTION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOURNEYBOT_DB", str(tmp_path / "journeybot.db"))
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "fix Slack token: SLACK_BOT_TOKEN is not set" in result.output
    assert "2 things to fix before going live." in result.output


def synced(tmp_path: Path, notion: NotionEmulator) -> RoadmapSync:
    """Sync a small roadmap under the emulator's root page, into the doctor's database."""
    store = Store.open(tmp_path / "journeybot.db")
    services = Services(store)
    services.propose_idea("T0001", "U1", "Retry payments")
    client = NotionClient(notion.token, base_url=notion.base_url, requests_per_second=100)
    sync = RoadmapSync(services, client, team_id="T0001", parent_page_id=notion.root_page_id)
    sync.run()
    return sync


def test_a_roadmap_in_place_passes_and_a_changed_parent_page_is_said_in_one_line(tmp_path, notion):
    synced(tmp_path, notion)
    elsewhere = notion.add_page("New roadmap home")
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        here = run_checks(settings(tmp_path, slack, notion))
        moved = failures(
            run_checks(settings(tmp_path, slack, notion, notion_parent_page_id=elsewhere))
        )
    assert failures(here) == {}
    assert any(c.name == "Notion roadmap" and "databases are under" in c.detail for c in here)
    assert moved["Notion roadmap"].startswith("NOTION_PARENT_PAGE_ID changed")
    assert "journeybot sync --rehome" in moved["Notion roadmap"]


def test_a_deleted_roadmap_database_is_said_in_one_line(tmp_path, notion):
    sync = synced(tmp_path, notion)
    roadmap = sync.state.object("T0001", "roadmap")
    assert roadmap is not None and roadmap.notion_id
    Client(auth=notion.token, base_url=notion.base_url).databases.update(
        roadmap.notion_id, in_trash=True
    )
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        problems = failures(run_checks(settings(tmp_path, slack, notion)))
    assert problems["Notion roadmap"].startswith(
        "the Roadmap database journeybot built in Notion is gone"
    )
    assert "--rehome" in problems["Notion roadmap"]
