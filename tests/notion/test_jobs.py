"""Scheduled work: the debounced Notion sync and the weekly digest (builder, chart, post)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers import wait_for
from notion_helpers import CLIENT_RATE, TEAM, make_client, make_sync, rows_by_id, seed
from slack_sdk import WebClient

from bot.chart import chart_points, impact_effort_png
from bot.config import AppConfig, Settings
from bot.digest import build_digest
from bot.jobs import Jobs
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from bot.slack.outbound import Outbound
from prioritize.config import JourneyConfig

PNG = b"\x89PNG\r\n\x1a\n"


def settings(**values: object) -> Settings:
    # _env_file=None: the tests must not read a developer's .env.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def jobs_for(
    services: Services,
    notion: NotionEmulator | None = None,
    slack: SlackEmulator | None = None,
    *,
    debounce: float = 0.3,
    notion_rate: float = CLIENT_RATE,
) -> Jobs:
    values: dict[str, object] = {}
    if notion is not None:
        values.update(
            notion_token=notion.token,
            notion_parent_page_id=notion.root_page_id,
            notion_api_url=notion.base_url,
        )
    config = AppConfig.model_validate(
        {"sync": {"debounce_seconds": debounce, "interval_minutes": 60}}
    )
    return Jobs(
        settings(**values),
        config,
        services,
        notion_client=make_client(notion, rate=notion_rate) if notion else None,
    )


# ---------------------------------------------------------------- the sync jobs


def test_many_changes_in_a_burst_become_one_sync(
    notion: NotionEmulator, services: Services
) -> None:
    ws = seed(services, ideas=4, pains=2)
    jobs = jobs_for(services, notion, debounce=1.0)
    jobs.scheduler.start()  # only what changes schedule; no periodic sync in this test
    try:
        for voter in range(25):
            services.support(TEAM, ws.ideas[voter % 4].id or 0, f"U{voter}")
        wait_for(lambda: jobs.syncs >= 1, timeout=10)
        time.sleep(1.5)  # well past the debounce: no second sync follows
        assert jobs.syncs == 1
        report = jobs.last_reports[TEAM]
        assert report.created == 6
        reader = make_sync(services, make_client(notion), notion)
        supporters = {
            i: pages[0]["properties"]["Supporters"]["number"]
            for i, pages in rows_by_id(notion, reader).items()
        }
        assert sum(supporters.values()) == 25
    finally:
        jobs.shutdown()


def test_the_sync_after_a_vote_leaves_rank_only_shifts_to_the_periodic_sync(
    notion: NotionEmulator, services: Services
) -> None:
    seed(services, ideas=8, pains=3)
    jobs = jobs_for(services, notion, debounce=0.2)
    assert jobs.sync_now()[TEAM].created == 11  # the periodic (full) sync
    before = {e.idea.id: (e.item.rank, e.item.bucket) for e in services.roadmap(TEAM)}
    last = max(before, key=lambda i: before[i][0])
    jobs.scheduler.start()
    try:
        for n in range(6):
            services.support(TEAM, last or 0, f"U0FAN{n}")
        wait_for(lambda: jobs.syncs >= 2)  # the debounced sync
        quick = jobs.last_reports[TEAM]
        after = {e.idea.id: (e.item.rank, e.item.bucket) for e in services.roadmap(TEAM)}
        rank_only = {
            i
            for i in before
            if i != last and before[i][0] != after[i][0] and before[i][1] == after[i][1]
        }
        assert rank_only, "the votes must shift other ideas' ranks for this test to mean anything"
        full = jobs.sync_now()[TEAM]
        assert full.updated == len(rank_only)  # what the quick sync left
        assert quick.updated + full.updated == len({i for i in before if before[i] != after[i]})
        reader = make_sync(services, make_client(notion), notion)
        in_notion = sorted(
            (pages[0]["properties"]["Rank"]["number"], i)
            for i, pages in rows_by_id(notion, reader).items()
        )
        assert [i for _, i in in_notion] == [e.idea.id for e in services.roadmap(TEAM)]
    finally:
        jobs.shutdown()


def test_a_change_made_while_a_long_sync_runs_gets_a_sync_of_its_own(
    notion: NotionEmulator, services: Services
) -> None:
    ws = seed(services, ideas=6, pains=3)
    # ~25 requests at 15 a second: the first sync takes well over the debounce.
    jobs = jobs_for(services, notion, debounce=0.2, notion_rate=15)
    jobs.scheduler.start()
    try:
        services.support(TEAM, ws.ideas[0].id or 0, "U1")
        wait_for(jobs._sync_lock.locked, timeout=10)
        services.support(TEAM, ws.ideas[1].id or 0, "U2")  # due long before the sync ends
        wait_for(lambda: jobs.syncs >= 2, timeout=10)
        reader = make_sync(services, make_client(notion), notion)
        (page,) = rows_by_id(notion, reader)[ws.ideas[1].id or 0]
        assert page["properties"]["Supporters"]["number"] == 1
    finally:
        jobs.shutdown()


def test_without_a_notion_token_the_sync_is_skipped_with_one_log_line(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    seed(services, ideas=1, pains=1)
    jobs = jobs_for(services)
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        assert jobs.sync_now() == {}
        assert jobs.sync_now() == {}
        jobs.request_sync()
    lines = [r.message for r in caplog.records if "Notion" in r.message]
    assert lines == [
        "Notion sync is off: NOTION_TOKEN is not set and no workspace connected Notion"
        " on App Home (Slack works without it)"
    ]
    assert all(r.levelno < logging.WARNING for r in caplog.records)


def test_a_failing_notion_is_logged_not_raised(
    notion: NotionEmulator, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    seed(services, ideas=1, pains=1)
    jobs = jobs_for(services, notion)
    notion.fail_next(5, status=503, retry_after=0)
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        assert jobs.sync_now() == {}
    assert "Slack keeps working" in caplog.text
    assert jobs.sync_now()[TEAM].created == 2


def test_a_roadmap_whose_parent_page_changed_is_logged_as_needing_a_rehome(
    notion: NotionEmulator, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    seed(services, ideas=1, pains=1)
    make_sync(services, make_client(notion), notion).run()
    jobs = jobs_for(services, notion)
    jobs.settings = jobs.settings.model_copy(
        update={"notion_parent_page_id": notion.add_page("New roadmap home")}
    )
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        assert jobs.sync_now() == {}
    (line,) = [r for r in caplog.records if r.name == "bot.jobs"]
    assert line.levelno == logging.ERROR and "journeybot sync --rehome" in line.message
    assert "catches up" not in line.message


# ---------------------------------------------------------------- the digest


def test_the_digest_names_the_top_ideas_new_pains_movers_estimates_and_weakest_stage(
    services: Services,
) -> None:
    ws = seed(services, ideas=7, pains=5)
    services.log_pain_point(TEAM, "U1", "Nobody answers the phone", stage="Retention", severity=5)
    entries = services.roadmap(TEAM)
    active = [e for e in entries if e.idea.status.is_active]
    # Last week the bottom idea was first: it fell the furthest since.
    last = active[-1]
    previous = {e.idea.id or 0: (rank + 1, e.score.value, None) for rank, e in enumerate(active)}
    previous[last.idea.id or 0] = (1, 99.0, "Now")
    previous[active[0].idea.id or 0] = (len(active), 1.0, "Later")
    digest = build_digest(
        entries,
        ws.pains[:3],
        services.heat(TEAM),
        previous,
        now=datetime(2025, 3, 10, 9, tzinfo=UTC),
        roadmap_url="https://www.notion.so/roadmap",
    )
    assert [e.idea.id for e in digest.top] == [e.idea.id for e in active[:5]]
    assert sum(digest.new_pains.values()) == 3
    assert digest.movers[0].idea_id in (last.idea.id, active[0].idea.id)
    assert {m.idea_id for m in digest.movers[:2]} == {last.idea.id, active[0].idea.id}
    assert all(e.score.needs_estimates for e in digest.needing_estimates)
    assert digest.weakest is not None and digest.weakest.stage == "Retention"
    assert "Retention: 5 severity unaddressed" in digest.text
    text = digest.text
    assert text.startswith("*Weekly roadmap digest* · Monday 10 March 2025")
    for heading in ("*Top 5*", "*New pain points*", "*Biggest movers*", "*Weakest stage*"):
        assert heading in text
    assert "*Still needing estimates*" in text
    assert "<https://www.notion.so/roadmap|Open the roadmap in Notion>" in text


def test_the_first_digest_says_movers_come_next_week(services: Services) -> None:
    seed(services, ideas=2, pains=1)
    digest = build_digest(
        services.roadmap(TEAM), [], services.heat(TEAM), None, now=datetime.now(UTC)
    )
    assert digest.first and digest.movers == ()
    assert "first digest" in digest.text


def test_titles_cannot_inject_slack_markup(services: Services) -> None:
    services.propose_idea(TEAM, "U1", "<!channel> & <https://x|click>")
    digest = build_digest(
        services.roadmap(TEAM), [], services.heat(TEAM), None, now=datetime.now(UTC)
    )
    assert "&lt;!channel&gt; &amp; &lt;https://x|click&gt;" in digest.text


def test_stage_names_and_multi_line_titles_are_escaped_in_the_digest(store) -> None:
    journey = JourneyConfig(stages=["Sign-up & <trial>", "Use"])
    services = Services(store, journey)
    services.log_pain_point(TEAM, "U1", "The trial form loses input", severity=5)
    services.propose_idea(TEAM, "U1", "Keep the form\n*Draft* & <restore>")
    digest = build_digest(
        services.roadmap(TEAM),
        store.pains.all(TEAM),
        services.heat(TEAM),
        None,
        now=datetime.now(UTC),
    )
    assert "Sign-up &amp; &lt;trial&gt; 1" in digest.text  # new pain points by stage
    assert "Sign-up &amp; &lt;trial&gt;: 5 severity unaddressed" in digest.text  # weakest
    assert "*Keep the form *Draft* &amp; &lt;restore&gt;*" in digest.text
    assert "<trial>" not in digest.text and "<restore>" not in digest.text


def test_the_chart_is_a_png_with_a_point_per_rated_idea(services: Services) -> None:
    seed(services, ideas=6, pains=2)
    services.propose_idea(TEAM, "U1", "Not rated yet")
    points = chart_points(services.roadmap(TEAM))
    assert len(points) == 6
    assert all(0 <= p.value <= 1 and 0 <= p.effort <= 1 for p in points)
    # Each point sits in the quadrant its card names: the chart plots the deciding axes.
    quadrants = {e.idea.id: e.score.quadrant for e in services.roadmap(TEAM)}
    for p in points:
        high_value, high_effort = p.value >= 0.5, p.effort >= 0.5
        expected = {
            (True, False): "Quick win",
            (True, True): "Big bet",
            (False, False): "Fill-in",
            (False, True): "Money pit",
        }[(high_value, high_effort)]
        assert quadrants[p.idea_id].value == expected
    png = impact_effort_png(points)
    assert png.startswith(PNG) and len(png) > 10_000
    assert impact_effort_png([]).startswith(PNG)


def test_the_weekly_digest_is_posted_with_its_chart_and_remembers_the_ranks(
    services: Services, slack: SlackEmulator
) -> None:
    seed(services, ideas=5, pains=3)
    jobs = jobs_for(services, slack=slack)
    client = WebClient(token=slack.token, base_url=slack.api_url)
    services.default_channel = "C0ROADMAP"
    outbound = Outbound(services, client, per_day=3).start()
    now = datetime.now(UTC)
    posted = jobs.post_digest(now=now)
    assert posted[TEAM].first
    wait_for(lambda: outbound.courier.idle() and bool(slack.files), timeout=10)
    outbound.close()
    (file,) = slack.files
    assert file["name"] == "impact-vs-effort.png" and file["content"].startswith(PNG)
    (message,) = [m for m in slack.messages("C0ROADMAP") if m.get("files")]
    assert message["text"].startswith("*Weekly roadmap digest*")
    assert message["files"][0]["id"] == file["id"]

    ws_idea = services.roadmap(TEAM)[-1].idea
    for voter in range(6):
        services.record_estimate(TEAM, ws_idea.id or 0, f"W{voter}", impact=5, complexity=1)
    again = jobs.post_digest(now=now + timedelta(days=7))
    assert not again[TEAM].first
    assert again[TEAM].movers and again[TEAM].movers[0].idea_id == ws_idea.id
