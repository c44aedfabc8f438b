"""A workspace that uninstalls journeybot (or revokes its bot token): its Notion connection
is forgotten, and the scheduler runs nothing more for it while the others go on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fleet import Fleet, Member, oauth_settings
from pydantic import SecretStr

from bot.cli.run import make_jobs
from bot.config import AppConfig, DigestConfig
from bot.sandbox.notion import NotionEmulator
from bot.slack.run import Started
from bot.workspace_settings import WorkspaceDefaults, notion_check

ACME, UMB = "T0ACME", "T0UMB"
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def notion() -> Iterator[NotionEmulator]:
    with NotionEmulator(rate_limit=400.0, burst=50) as emulator:
        yield emulator


def connected(fleet: Fleet, notion: NotionEmulator) -> tuple[Member, Member]:
    """Install two workspaces, each with its roadmap channel, a pain point, an idea and
    its own Notion integration connected on App Home."""
    fleet.services.workspace.defaults = WorkspaceDefaults(
        digest=DigestConfig(cron="0 9 * * mon", timezone="UTC"),
        secret_key=SecretStr(Fernet.generate_key().decode()),
        check_notion=notion_check(notion.base_url),
    )
    members = fleet.workspace(ACME), fleet.workspace(UMB)
    fleet.services.admins = frozenset(m.users[0] for m in members)
    for member in members:
        fleet.install(member.team_id, member.users[0])
        fleet.set_channel(member)
        fleet.services.log_pain_point(member.team_id, member.users[1], "Checkout is slow")
        fleet.propose(member, member.users[1], f"{member.team_id} one-click checkout")
        token = f"secret_{member.team_id.lower()}_integration_0000000000000000"
        page = notion.add_integration(token, page_title=f"{member.team_id} roadmap")
        fleet.services.workspace.connect_notion(
            member.team_id, token=token, parent_page_id=page, by=member.users[0]
        )
    fleet.settle()
    return members


def leave(fleet: Fleet, member: Member, event: str, **inner: Any) -> None:
    fleet.slack.revoke_install(member.team_id)
    reply = member.people.event({"type": event, **inner})
    assert reply.status == 200
    fleet.settle()


def jobs_of_the_running_bot(fleet: Fleet, notion: NotionEmulator) -> Any:
    settings = oauth_settings(
        fleet.slack,
        fleet.tmp_path,
        socket_mode=fleet.transport == "socket_mode",
        notion_api_url=notion.base_url,
    )
    started = Started(settings, AppConfig(), fleet.services, fleet.app, fleet.runtime, None)
    return make_jobs(started)


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_leaving_forgets_that_workspaces_notion_token_and_no_other(
    fleet: Fleet, notion: NotionEmulator, event: str
) -> None:
    acme, _ = connected(fleet, notion)
    inner = (
        {"tokens": {"oauth": [], "bot": [acme.slack.bot_user_id]}}
        if event != "app_uninstalled"
        else {}
    )
    leave(fleet, acme, event, **inner)
    assert [i.team_id for i in fleet.installs.installed()] == [UMB]
    assert fleet.services.workspace.of(ACME).notion is None
    stored = fleet.services.workspace.repo.get(ACME)
    assert "notion_token" not in stored and "notion_parent_page_id" not in stored
    umb = fleet.services.workspace.of(UMB).notion
    assert umb is not None and umb.own


def test_revoking_only_user_tokens_keeps_the_notion_connection(
    fleet: Fleet, notion: NotionEmulator
) -> None:
    acme, _ = connected(fleet, notion)
    reply = acme.people.event({"type": "tokens_revoked", "tokens": {"oauth": [acme.users[1]]}})
    assert reply.status == 200
    fleet.settle()
    assert ACME in {i.team_id for i in fleet.installs.installed()}
    assert fleet.services.workspace.of(ACME).notion is not None


def test_the_running_bot_syncs_digests_and_surveys_only_the_workspaces_still_installed(
    fleet: Fleet, notion: NotionEmulator
) -> None:
    acme, _ = connected(fleet, notion)
    jobs = jobs_of_the_running_bot(fleet, notion)
    assert set(jobs.sync_now()) == {ACME, UMB}
    jobs.schedule_digests()
    assert jobs.scheduler.get_job(f"weekly-digest:{ACME}") is not None
    # The installation is gone while the Notion connection stays (as if forgetting it
    # had failed): nothing runs for the workspace all the same.
    fleet.installs.store.delete_all(enterprise_id=None, team_id=ACME)
    assert fleet.services.workspace.of(ACME).notion is not None
    assert set(jobs.sync_now()) == {UMB}
    assert set(jobs.sync_now([ACME, UMB])) == {UMB}  # a sync asked for it, too
    assert set(jobs.post_digest(now=NOW)) == {UMB}
    assert set(jobs.post_digest(now=NOW, teams=[ACME])) == set()
    assert ACME not in jobs.ask_if_better(now=NOW)
    jobs.schedule_digests()
    assert jobs.scheduler.get_job(f"weekly-digest:{ACME}") is None
    assert jobs.scheduler.get_job(f"weekly-digest:{UMB}") is not None
    # Installing again brings it back.
    fleet.install(ACME, acme.users[0])
    assert set(jobs.sync_now()) == {ACME, UMB}
