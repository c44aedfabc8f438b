"""`journeybot doctor` against the emulators: ok, or one line saying what to fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from storage.outbox import Outbox
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


def checked(tmp_path: Path, notion: NotionEmulator, scopes=None, **overrides) -> dict[str, str]:
    """Run every check against a Slack emulator granting `scopes`; return what failed."""
    emulator = SlackEmulator() if scopes is None else SlackEmulator(scopes=scopes)
    with emulator as slack:
        return failures(run_checks(settings(tmp_path, slack, notion, **overrides)))


def _config(tmp_path: Path, channel: str) -> Path:
    path = tmp_path / "journeybot.toml"
    path.write_text(f'[slack]\nroadmap_channel = "{channel}"\n')
    return path


def test_a_complete_installation_passes_every_check(tmp_path, notion):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        config = _config(tmp_path, "C0ROADMAP")
        checks = run_checks(settings(tmp_path, slack, notion, journeybot_config=config))
    assert failures(checks) == {}
    names = [c.name for c in checks]
    assert names[:3] == ["Config file", "Database", "Slack token"]
    assert "Slack scopes" in names and "Notion parent page" in names


def test_a_token_without_a_scope_the_manifest_needs_is_named(tmp_path, notion):
    granted = manifest_scopes() - {"files:write"}
    problems = checked(tmp_path, notion, scopes=granted)
    assert "files:write" in problems["Slack scopes"]
    assert "reinstall" in problems["Slack scopes"]


def test_a_wrong_slack_token_and_an_unreachable_notion_are_told_apart(tmp_path, notion):
    problems = checked(
        tmp_path, notion, slack_bot_token="xoxb-wrong", notion_api_url="http://127.0.0.1:9"
    )
    assert problems["Slack token"] == "SLACK_BOT_TOKEN is rejected by Slack (invalid_auth)"
    assert problems["Notion token"].startswith("cannot reach Notion at http://127.0.0.1:9")


def test_a_rejected_notion_token_is_said_in_words(tmp_path, notion, capsys):
    problems = checked(tmp_path, notion, scopes=manifest_scopes(), notion_token="wrong")
    assert "the Notion token is not valid" in problems["Notion token"]
    assert "APIErrorCode" not in problems["Notion token"]
    assert "APIErrorCode" not in capsys.readouterr().err  # nor in a log line beside it


def test_a_parent_page_not_shared_with_the_integration_says_how_to_share_it(tmp_path, notion):
    private = notion.add_page("Not shared", shared=False)
    problems = checked(tmp_path, notion, notion_parent_page_id=private)
    assert "Connections" in problems["Notion parent page"]


def test_missing_secrets_a_bad_app_token_and_a_bad_config_each_get_one_line(tmp_path, notion):
    config = tmp_path / "journeybot.toml"
    config.write_text('[journey]\nstages = ["Only", "only"]\n')
    problems = checked(
        tmp_path,
        notion,
        slack_signing_secret=None,
        slack_app_token="xoxb-not-an-app-token",
        journeybot_config=config,
    )
    assert "names must be unique" in problems["Config file"]
    assert problems["Socket Mode"].startswith("SLACK_APP_TOKEN must be an app-level token")
    assert all("\n" not in detail for detail in problems.values())


def test_a_database_folder_that_does_not_exist_is_named(tmp_path, notion):
    problems = checked(tmp_path, notion, journeybot_db=tmp_path / "no" / "x.db")
    assert problems["Database"] == f"JOURNEYBOT_DB: folder {tmp_path / 'no'} does not exist"


def test_the_command_exits_1_and_counts_what_to_fix(cli_db):
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "fix Slack token: SLACK_BOT_TOKEN is not set" in result.output
    assert "fix Roadmap channel: no roadmap channel is set" in result.output
    assert "3 things to fix before going live." in result.output


def synced(tmp_path: Path, notion: NotionEmulator) -> RoadmapSync:
    """Sync a small roadmap under the emulator's root page, into the doctor's database."""
    store = Store.open(tmp_path / "journeybot.db")
    services = Services(store)
    services.propose_idea("T0001", "U1", "Retry payments")
    store.meta.set("slack.roadmap_channel:T0001", "C0ROADMAP")
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
    problems = checked(tmp_path, notion, scopes=manifest_scopes())
    assert problems["Notion roadmap"].startswith(
        "the Roadmap database journeybot built in Notion is gone"
    )
    assert "--rehome" in problems["Notion roadmap"]


def test_no_roadmap_channel_fails_and_says_how_to_set_one_without_creating_the_database(
    tmp_path, notion
):
    problems = checked(tmp_path, notion, scopes=manifest_scopes())
    assert problems["Roadmap channel"].startswith("no roadmap channel is set")
    assert "App Home" in problems["Roadmap channel"]
    assert "roadmap_channel under [slack]" in problems["Roadmap channel"]
    assert not (tmp_path / "journeybot.db").exists()


def test_a_channel_name_instead_of_an_id_is_explained(tmp_path, notion):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        config = _config(tmp_path, "#roadmap")
        problems = failures(run_checks(settings(tmp_path, slack, notion, journeybot_config=config)))
    assert (
        "'#roadmap' is a channel name; journeybot needs the channel id" in problems["Config file"]
    )
    assert (
        problems["Roadmap channel"] == "cannot tell until the config file loads (see Config file)"
    )


def test_a_channel_name_picked_some_other_way_is_explained_too(tmp_path, notion):
    store = Store.open(tmp_path / "journeybot.db")
    store.meta.set("slack.roadmap_channel:T0001", "roadmap")  # not through App Home's picker
    store.close()
    problems = checked(tmp_path, notion, scopes=manifest_scopes())
    assert problems["Roadmap channel"].startswith(
        "'roadmap' (picked by an admin on App Home) is not a channel id: use the id"
    )


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("missing", "C0NOWHERE (roadmap_channel under [slack] in the config file) does not exist"),
        ("archived", "#roadmap (C0ROADMAP, roadmap_channel under [slack] in the config file)"
         " is archived"),
        ("not a member", "the bot is not a member; invite it with /invite @journeybot"),
        ("no scope", "the token lacks channels:read or groups:read"),
    ],
)  # fmt: skip
def test_a_channel_that_is_gone_archived_or_without_the_bot_is_named(tmp_path, notion, fault, says):
    granted = manifest_scopes() - (
        {"channels:read", "groups:read"} if fault == "no scope" else set()
    )
    with SlackEmulator(scopes=granted) as slack:
        if fault == "archived":
            slack.archive_channel("C0ROADMAP")
        if fault == "not a member":
            slack.set_bot_member("C0ROADMAP", False)
        config = _config(tmp_path, "C0NOWHERE" if fault == "missing" else "C0ROADMAP")
        problems = failures(run_checks(settings(tmp_path, slack, notion, journeybot_config=config)))
    assert says in problems["Roadmap channel"]


def test_the_channel_an_admin_picked_on_app_home_is_the_one_checked(tmp_path, notion):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        store = Store.open(tmp_path / "journeybot.db")
        Services(store, admins=frozenset({"U0ADA"})).set_roadmap_channel(
            slack.workspace_id, "C0GENERAL", by="U0ADA"
        )
        store.close()
        checks = {c.name: c for c in run_checks(settings(tmp_path, slack, notion))}
    channel = checks["Roadmap channel"]
    assert channel.ok, channel.detail
    assert channel.detail == (
        "#general (C0GENERAL, picked by an admin on App Home) exists and the bot is a member"
    )


def test_the_outbox_shows_what_slack_refused_for_good_and_what_waits(tmp_path, notion):
    store = Store.open(tmp_path / "journeybot.db")
    services = Services(store)
    idea = services.propose_idea("T0001", "U0BEN", "Retry payments")
    outbox = Outbox(store)
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with store.transaction():
        outbox.add("T0001", "status_thread", {"idea_id": idea.id}, key="thread:1", now=now)
    [effect] = [e for e in outbox.take(now=now + timedelta(days=9)) if e.key == "thread:1"]
    outbox.fail(effect.id, error="is_archived", now=now)
    waiting = outbox.backlog()
    store.close()
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        config = _config(tmp_path, "C0ROADMAP")
        problems = failures(run_checks(settings(tmp_path, slack, notion, journeybot_config=config)))
    said = problems["Slack updates"]
    assert said.startswith(
        f"Slack refused 1 for good: status thread of idea #{idea.id}: is_archived at"
        " 2026-03-02T09:30:00Z;"
    )
    assert f"; {waiting} waiting since " in said
    assert "journeybot repost" in said


def test_an_empty_outbox_is_fine_and_a_missing_database_is_not_created(tmp_path, notion):
    with SlackEmulator(scopes=manifest_scopes()) as slack:
        config = _config(tmp_path, "C0ROADMAP")
        checks = {
            c.name: c
            for c in run_checks(settings(tmp_path, slack, notion, journeybot_config=config))
        }
    assert checks["Slack updates"].ok
    assert checks["Slack updates"].detail == "no database yet: nothing sent or waiting"
    assert not (tmp_path / "journeybot.db").exists()
