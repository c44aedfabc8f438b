"""Two workspaces in one database, each synced to its own Notion: nothing crosses over.

Data is created for two team ids through the use cases; T0001 uses NOTION_TOKEN's page,
T0002's admin connects its own integration from the settings use case (checked with
Notion: the page, read with the token); the scheduled jobs sync both.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from helpers import wait_for
from notion_helpers import make_client

from bot.config import AppConfig, Settings
from bot.jobs import SYNC_JOB, Jobs
from bot.sandbox.notion import NotionEmulator
from bot.services import InvalidInput, Services
from bot.transfer import export_data
from bot.workspace_settings import WorkspaceDefaults, notion_check
from prioritize.config import JourneyConfig
from storage.notion_state import RECONNECTED, NotionState
from storage.store import Store

T1, T2 = "T0001", "T0002"
TOKEN2 = "secret_second_integration_0000000000000abcd"
TOKEN3 = "secret_third_integration_00000000000000efgh"


def settings_for(notion: NotionEmulator) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        notion_token=notion.token,
        notion_parent_page_id=notion.root_page_id,
        notion_api_url=notion.base_url,
        journeybot_secret_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
def settings(notion: NotionEmulator) -> Settings:
    return settings_for(notion)


@pytest.fixture
def services(store: Store, settings: Settings) -> Services:
    return Services(
        store,
        JourneyConfig(),
        admins=frozenset({"U0ADMIN"}),
        workspace_defaults=WorkspaceDefaults.from_settings(settings, AppConfig()),
    )


def jobs_for(services: Services, settings: Settings, notion: NotionEmulator) -> Jobs:
    # Notion's own limit for each workspace's integration; NOTION_TOKEN's client is fast.
    config = AppConfig.model_validate({"sync": {"requests_per_second": 3.0}})
    return Jobs(settings, config, services, notion_client=make_client(notion))


def fill(services: Services, team_id: str, word: str) -> None:
    pain = services.log_pain_point(team_id, "U1", f"{word} checkout fails", stage="Purchase").pain
    services.propose_idea(
        team_id,
        "U1",
        f"{word} one-click checkout",
        pain_point_ids=[pain.id or 0],
        impact=4,
        complexity=2,
        weeks=2,
    )


def under(notion: NotionEmulator, page_id: str) -> str:
    """Everything reachable under a page (child pages, databases and their rows), as text."""
    seen: list[Any] = []
    for block in notion.blocks(page_id):
        seen.append(block)
        if block["type"] == "child_page":
            seen.append(under(notion, block["id"]))
        if block["type"] == "child_database":
            db = notion.database(block["id"])
            seen.append(db)
            for source in db["data_sources"]:
                seen.extend(notion.pages(source["id"]))
    return json.dumps(seen, ensure_ascii=False)


@pytest.fixture
def two(services: Services, notion: NotionEmulator) -> str:
    """Fill both workspaces and connect T0002 to its own integration; return its page."""
    notion.configure_rate_limit(400.0, burst=50)
    page2 = notion.add_integration(TOKEN2, page_title="Second roadmap")
    fill(services, T1, "Alpha")
    fill(services, T2, "Bravo")
    services.workspace.connect_notion(T2, token=TOKEN2, parent_page_id=page2, by="U0ADMIN")
    return page2


def test_each_workspace_syncs_to_its_own_notion_page_and_never_to_the_other(
    services: Services, settings: Settings, notion: NotionEmulator, two: str
) -> None:
    jobs = jobs_for(services, settings, notion)
    reports = jobs.sync_now()
    assert set(reports) == {T1, T2}
    first, second = under(notion, notion.root_page_id), under(notion, two)
    assert "Alpha one-click checkout" in first and "Bravo" not in first
    assert "Bravo one-click checkout" in second and "Alpha" not in second
    url1, url2 = services.notion_url(T1), services.notion_url(T2)
    assert url1 and url2 and url1 != url2
    assert url2.rsplit("-", 1)[-1].replace("-", "") in second.replace("-", "")


def test_the_digest_and_export_of_a_workspace_carry_only_its_own(
    services: Services, settings: Settings, notion: NotionEmulator, two: str
) -> None:
    jobs_for(services, settings, notion).sync_now()
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    digests = jobs_for(services, settings, notion).post_digest(now=now)
    assert services.notion_url(T2) in digests[T2].text
    assert services.notion_url(T1) not in digests[T2].text
    assert "Alpha" not in digests[T2].text and "Bravo" not in digests[T1].text
    exported = json.dumps(export_data(services, T2), ensure_ascii=False)
    assert "Bravo" in exported and "Alpha" not in exported
    assert services.notion_url(T1) not in exported


def test_a_revoked_token_stops_only_its_own_workspace(
    services: Services,
    settings: Settings,
    notion: NotionEmulator,
    two: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    jobs = jobs_for(services, settings, notion)
    jobs.sync_now()
    notion.revoke(TOKEN2)
    fill(services, T1, "Charlie")
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        reports = jobs.sync_now()
    assert set(reports) == {T1}
    assert reports[T1].created >= 1
    assert "Charlie one-click checkout" in under(notion, notion.root_page_id)
    assert any("Notion sync of T0002 failed" in r.message for r in caplog.records)
    assert TOKEN2 not in caplog.text


def test_a_workspace_without_its_own_connection_is_not_synced_under_another_ones_page(
    services: Services, settings: Settings, notion: NotionEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    notion.configure_rate_limit(400.0, burst=50)
    fill(services, T1, "Alpha")
    jobs = jobs_for(services, settings, notion)
    assert set(jobs.sync_now()) == {T1}
    fill(services, T2, "Bravo")
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        assert set(jobs.sync_now()) == {T1}
    assert "Bravo" not in under(notion, notion.root_page_id)
    assert services.notion_url(T2) is None
    assert any(
        "Notion sync of T0002 is off: NOTION_PARENT_PAGE_ID holds the roadmap of T0001" in r.message
        for r in caplog.records
    )


def test_a_token_notion_rejects_is_not_stored(services: Services, notion: NotionEmulator) -> None:
    page = notion.add_page("Somewhere")
    with pytest.raises(InvalidInput, match="Notion rejected this token"):
        services.workspace.connect_notion(
            T2, token="secret_not_an_integration", parent_page_id=page, by="U0ADMIN"
        )
    assert services.workspace.of(T2).own == frozenset()


def test_each_workspace_gets_its_digest_on_its_own_schedule(
    services: Services, settings: Settings, notion: NotionEmulator
) -> None:
    fill(services, T1, "Alpha")
    fill(services, T2, "Bravo")
    services.workspace.set_digest(T2, cron="30 16 * * fri", timezone="Asia/Tokyo", by="U0ADMIN")
    jobs = jobs_for(services, settings, notion)
    jobs.schedule_digests()
    one = jobs.scheduler.get_job(f"weekly-digest:{T1}")
    two = jobs.scheduler.get_job(f"weekly-digest:{T2}")
    assert str(one.trigger.timezone) == "UTC" and "hour='9'" in str(one.trigger)
    assert str(two.trigger.timezone) == "Asia/Tokyo" and "hour='16'" in str(two.trigger)
    assert two.kwargs == {"teams": [T2]}


def test_a_change_in_one_workspace_syncs_that_workspace_alone(
    services: Services, settings: Settings, notion: NotionEmulator, two: str
) -> None:
    config = AppConfig.model_validate(
        {"sync": {"requests_per_second": 3.0, "debounce_seconds": 0.2, "interval_minutes": 60}}
    )
    jobs = Jobs(settings, config, services, notion_client=make_client(notion))
    jobs.start()
    try:
        wait_for(lambda: jobs.syncs >= 1, timeout=20)
        assert set(jobs.last_reports) == {T1, T2}
        idea = services.store.ideas.all(T2)[0]
        services.record_estimate(T2, idea.id or 0, "U9", impact=5, complexity=1, weeks=1)
        wait_for(lambda: jobs.syncs >= 2, timeout=20)
        assert set(jobs.last_reports) == {T2}
    finally:
        jobs.shutdown()


def test_a_workspace_that_connects_notion_after_the_start_is_synced_on_schedule(
    services: Services, notion: NotionEmulator, two: str
) -> None:
    without_env = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notion_api_url=notion.base_url,
        journeybot_secret_key=Fernet.generate_key().decode(),
    )
    jobs = Jobs(without_env, AppConfig(), services)
    jobs.start()
    try:
        job = jobs.scheduler.get_job(SYNC_JOB)
        assert job is not None and job.next_run_time is not None  # scheduled, not paused
        assert set(jobs.sync_now()) == {T2}  # T0002 connected its own page; T0001 has none
    finally:
        jobs.shutdown()


def test_the_number_of_workspaces_synced_side_by_side_comes_from_the_config(
    services: Services, settings: Settings, notion: NotionEmulator, two: str
) -> None:
    config = AppConfig.model_validate({"sync": {"workers": 1}})
    jobs = Jobs(settings, config, services, notion_client=make_client(notion))
    assert jobs.sync_workers == 1
    assert set(jobs.sync_now()) == {T1, T2}  # one after another, both all the same
    with pytest.raises(ValueError, match="workers"):
        AppConfig.model_validate({"sync": {"workers": 0}})


def bot_id(services: Services, team_id: str) -> str | None:
    kept = NotionState(services.store).object(team_id, "bot")
    return kept.notion_id if kept is not None else None


def test_an_admin_who_connects_another_page_gets_the_roadmap_rebuilt_there_and_syncs_go_on(
    services: Services, settings: Settings, notion: NotionEmulator, two: str
) -> None:
    jobs = jobs_for(services, settings, notion)
    assert set(jobs.sync_now()) == {T1, T2}
    # The old integration's bot user, as the read-back filter would still use it.
    NotionState(services.store).save_object(T2, "bot", notion_id="old-integration-bot")
    page3 = notion.add_integration(TOKEN3, page_title="Third roadmap")
    services.workspace.connect_notion(T2, token=TOKEN3, parent_page_id=page3, by="U0ADMIN")
    reports = jobs.sync_now()
    assert set(reports) == {T1, T2}
    assert reports[T2].created == 2  # the idea and the pain point, under the new page
    assert "Bravo one-click checkout" in under(notion, page3)
    assert "Bravo one-click checkout" in under(notion, two)  # the old pages are left as is
    assert "Alpha" not in under(notion, page3)
    assert bot_id(services, T2) == notion.bot_user_id
    fill(services, T2, "Delta")
    again = jobs.sync_now()
    assert again[T2].created == 2 and "Delta" in under(notion, page3)
    assert "Delta" not in under(notion, two)


def test_a_workspace_moved_from_the_environments_page_to_its_own_and_back_keeps_syncing(
    services: Services, settings: Settings, notion: NotionEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    notion.configure_rate_limit(400.0, burst=50)
    fill(services, T1, "Alpha")
    jobs = jobs_for(services, settings, notion)
    assert set(jobs.sync_now()) == {T1}
    before = under(notion, notion.root_page_id).count("Alpha one-click checkout")
    own = notion.add_integration(TOKEN2, page_title="Own roadmap")
    services.workspace.connect_notion(T1, token=TOKEN2, parent_page_id=own, by="U0ADMIN")
    with caplog.at_level(logging.ERROR, logger="bot.jobs"):
        assert jobs.sync_now()[T1].created == 2
        services.workspace.disconnect_notion(T1, by="U0ADMIN")
        back = jobs.sync_now()
    assert "Alpha one-click checkout" in under(notion, own)
    # Back under the environment's page, the pages left there are taken over, not doubled.
    assert back[T1].created == 0
    assert under(notion, notion.root_page_id).count("Alpha one-click checkout") == before
    assert "--rehome" not in caplog.text
    assert set(jobs.sync_now()) == {T1}


def test_a_page_not_shared_with_the_integration_is_refused_on_its_field_and_nothing_saved(
    services: Services, notion: NotionEmulator
) -> None:
    hidden = notion.add_page("Not shared", shared=False)
    with pytest.raises(InvalidInput, match="not shared with the integration") as caught:
        services.workspace.connect_notion(
            T2, token=notion.token, parent_page_id=hidden, by="U0ADMIN"
        )
    assert caught.value.field == "notion_parent_page_id"
    assert services.workspace.of(T2).own == frozenset()
    assert NotionState(services.store).object(T2, RECONNECTED) is None


def test_notion_too_slow_to_answer_the_check_is_said_at_once_and_not_retried() -> None:
    """A server that accepts connections and never answers: the check gives up in its
    timeout, once, so the modal is answered within Slack's 3 s."""
    accepted: list[socket.socket] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(5)

        def hold() -> None:
            try:
                while True:
                    accepted.append(server.accept()[0])
            except OSError:
                return  # the test closed the server

        threading.Thread(target=hold, daemon=True).start()
        port = server.getsockname()[1]
        check = notion_check(f"http://127.0.0.1:{port}", timeout_seconds=0.3)
        with pytest.raises(InvalidInput, match=r"did not answer within 0.3 s") as caught:
            check("secret_any", "0123456789abcdef0123456789abcdef")
    for conn in accepted:
        conn.close()
    assert caught.value.field == "notion_token"
    assert len(accepted) == 1  # asked once: no retries while a person waits
