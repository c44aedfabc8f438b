"""Nothing that must reach Slack is lost: effects are stored with the change (the outbox)
and delivered by whichever process runs the bot, whoever made the change."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import database_locked, wait_for
from slack_helpers import BOSS, CHANNEL, TEAM, Bot, BotFactory
from slack_sdk import WebClient

from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Effects, Services
from bot.slack.outbound import Outbound
from bot.slack.outbound.courier import PERMANENT, backoff
from prioritize.errors import NotSaved
from prioritize.models import IdeaStatus
from storage.outbox import Outbox
from storage.store import Store

PYTHON = sys.executable


def _env(**values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "NOTION_", "JOURNEYBOT_"))
    }
    env.update(values)
    return env


@pytest.fixture
def notion() -> Iterator[NotionEmulator]:
    with NotionEmulator(rate_limit=100, burst=20) as emulator:
        yield emulator


def test_a_status_edited_in_notion_and_read_back_by_another_process_reaches_slack(
    make_bot: BotFactory, notion: NotionEmulator, tmp_path: Path
) -> None:
    bot = make_bot()
    bot.slash("U0CHLOE", "/pain", "Checkout times out on mobile")
    [pain] = bot.store.pains.all(TEAM)
    idea = bot.propose("U0BEN", "Retry payments", pain_ids=(pain.id or 0,))
    env = _env(
        JOURNEYBOT_DB=str(bot.store.path),
        NOTION_TOKEN=notion.token,
        NOTION_PARENT_PAGE_ID=notion.root_page_id,
        NOTION_API_URL=notion.base_url,
    )

    def sync() -> None:
        done = subprocess.run(
            [PYTHON, "-c", "from bot.cli import main; main()", "sync"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr

    sync()
    [page] = [
        p for p in notion.pages() if (p["properties"].get("Idea ID") or {}).get("number") == idea.id
    ]
    notion.edit_page_as_user(page["id"], {"Status": {"select": {"name": "In progress"}}})
    sync()  # another process reads the leader's edit back and records what Slack must hear

    assert bot.store.ideas.get(TEAM, idea.id or 0).status is IdeaStatus.IN_PROGRESS
    thread = wait_for(
        lambda: [
            m
            for m in bot.slack.thread(CHANNEL, idea.card_ts or "")
            if "In progress" in (m.get("text") or "")
        ],
        timeout=10,
    )
    assert len(thread) == 1
    dms = wait_for(lambda: bot.slack.dms("U0CHLOE"), timeout=10)
    assert len(dms) == 1 and "In progress" in bot.text_of(dms[0])
    bot.settle()
    assert len(bot.slack.dms("U0CHLOE")) == 1  # delivered once


def test_an_error_that_will_not_heal_is_recorded_and_not_retried(
    slack: SlackEmulator, services: Services
) -> None:
    idea = services.propose_idea(TEAM, "U0BEN", "Retry payments")
    services.card_posted(TEAM, idea.id or 0, channel="C0GONE", ts="1.000001")
    client = WebClient(token=slack.token, base_url=slack.api_url)
    services.default_channel = "C0GONE"
    outbound = Outbound(services, client, per_day=3, poll=0.05).start()
    try:
        services.change_status(TEAM, idea.id or 0, "Planned", by=BOSS)
        wait_for(lambda: outbound.courier.idle(), timeout=10)
    finally:
        outbound.close()
    failures = services.outbox.failures()
    assert {f["kind"] for f in failures} >= {Effects.STATUS_THREAD}
    assert all(f["error"] in PERMANENT for f in failures)
    assert services.outbox.backlog() == 0


def test_a_transient_slack_error_is_retried_until_it_is_delivered(
    slack: SlackEmulator, services: Services
) -> None:
    client = WebClient(token=slack.token, base_url=slack.api_url)
    services.default_channel = CHANNEL
    outbound = Outbound(services, client, per_day=3, poll=0.05).start()
    try:
        slack.fail_next("chat.postMessage", error="internal_error", status=500)
        idea = services.propose_idea(TEAM, "U0BEN", "Retry payments")
        wait_for(lambda: services.idea(TEAM, idea.id or 0).card_ts, timeout=10)
    finally:
        outbound.close()
    assert len(slack.messages(CHANNEL)) == 1
    assert services.outbox.failures() == []


def test_backoff_doubles_and_stops_growing_at_five_minutes() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(30) == 300.0


def test_a_burst_of_card_redraws_waiting_for_the_same_card_is_one_effect(store: Store) -> None:
    outbox = Outbox(store)
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    added = [
        outbox.add(TEAM, "card", {"idea_id": 1}, key=f"k{i}", coalesce="card:1", now=now)
        for i in range(20)
    ]
    assert added.count(True) == 1 and outbox.backlog() == 1
    [taken] = outbox.take(now=now)
    # While it is being delivered, a new change waits for its own redraw.
    assert outbox.add(TEAM, "card", {"idea_id": 1}, key="k-next", coalesce="card:1", now=now)
    outbox.retry(taken.id, at=now, error="internal_error")
    assert outbox.backlog() == 1  # the failed one is covered by the one that waits


def test_effects_taken_by_a_process_that_died_are_given_back(store: Store) -> None:
    from datetime import UTC, datetime

    outbox = Outbox(store)
    now = datetime.now(UTC)
    outbox.add(TEAM, "status_dm", {"idea_id": 1, "user": "U1"}, key="dm:1", now=now)
    outbox.add(TEAM, "status_dm", {"idea_id": 1, "user": "U2"}, key="dm:2", now=now)
    assert len(outbox.take(now=now)) == 2
    assert outbox.take(now=now) == []
    # A live process keeps what it is delivering: a second one starting takes nothing back.
    assert outbox.recover(now=now) == 0
    gone = subprocess.run([PYTHON, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead = f"{socket.gethostname()}:{int(gone.stdout)}"
    store.db.execute("update outbox set taken_by = ? where key = 'dm:1'", [dead])
    assert outbox.recover(now=now) == 1
    assert [e.key for e in outbox.take(now=now)] == ["dm:1"]


def test_the_same_slash_command_sent_twice_stores_one_pain_point(bot: Bot) -> None:
    fields = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "user_id": "U0BEN",
        "command": "/pain",
        "text": "Invoices are wrong",
        "response_url": bot.slack.new_response_url(channel=CHANNEL, user="U0BEN"),
        "trigger_id": bot.slack.issue_trigger_id("U0BEN"),
    }
    # Over HTTP a replay byte for byte (same signature and time); over Socket Mode the
    # same command delivered twice.
    options = {} if bot.people.socket_mode else {"timestamp": int(time.time())}
    first = bot.people.post_form(fields, **options)
    again = bot.people.post_form(fields, **options)
    bot.settle()
    assert first.status == again.status == 200
    assert len(bot.store.pains.all(TEAM)) == 1


def test_a_pain_point_not_saved_because_the_database_is_locked_is_said_at_once(
    make_bot: BotFactory,
) -> None:
    bot = make_bot()
    bot.store.busy_timeout_ms = 300
    with database_locked(bot.store.path):
        started = time.monotonic()
        reply = bot.people.slash("U0BEN", "/pain", "Exports time out")
        took = time.monotonic() - started
    bot.settle()
    assert reply.status == 200 and "Not saved" in reply.body
    assert took < 3  # Slack's window
    assert bot.store.pains.all(TEAM) == []


def test_reads_do_not_wait_for_a_writer_in_another_thread(store: Store) -> None:
    services = Services(store)
    services.log_pain_point(TEAM, "U1", "Checkout fails")
    store.busy_timeout_ms = 200
    inside, release = threading.Event(), threading.Event()

    def write() -> None:
        with store.transaction():
            inside.set()
            release.wait(5)

    writer = threading.Thread(target=write)
    writer.start()
    inside.wait(5)
    try:
        started = time.monotonic()
        assert len(services.search_pain_points(TEAM, "checkout")) == 1
        assert time.monotonic() - started < 0.5

        def other_write() -> None:
            with pytest.raises(NotSaved, match="busy"):
                services.log_pain_point(TEAM, "U2", "Also broken")

        t = threading.Thread(target=other_write)
        t.start()
        t.join(5)
    finally:
        release.set()
        writer.join(5)
    assert len(store.pains.all(TEAM)) == 1


def test_listeners_reach_the_database_only_through_the_use_cases() -> None:
    root = Path(__file__).resolve().parents[2] / "bot" / "slack" / "listeners"
    surfaces = ("commands", "shortcuts", "actions", "views", "events")
    listeners = [path for surface in surfaces for path in (root / surface).rglob("*.py")]
    offenders = [
        str(path.relative_to(root))
        for path in listeners
        if "storage" in path.read_text() or ".store" in path.read_text()
    ]
    # Every surface was found where the app registers it from: nothing passes by being missed.
    assert {path.relative_to(root).parts[0] for path in listeners} == set(surfaces)
    assert offenders == []


def test_a_thread_per_request_does_not_keep_a_connection_each(store: Store) -> None:
    # The HTTP server runs every Slack request on a thread of its own.
    fds = len(os.listdir("/proc/self/fd"))
    for _ in range(200):
        t = threading.Thread(target=lambda: store.db.execute("select 1").fetchone())
        t.start()
        t.join()
    assert len(os.listdir("/proc/self/fd")) - fds < 20


def test_an_effect_delivered_while_the_database_is_busy_is_recorded_once_it_is_free(
    db_path: Path,
) -> None:
    from datetime import UTC, datetime

    from bot.slack.outbound.courier import Courier

    store = Store.open(db_path, busy_timeout_ms=50)
    outbox = Outbox(store)
    sent: list[str] = []
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)

    def deliver(effect: object) -> None:
        sent.append(effect.key)  # type: ignore[attr-defined]
        other.execute("BEGIN IMMEDIATE")  # `journeybot import` takes the lock meanwhile
        threading.Timer(0.5, lambda: other.execute("ROLLBACK")).start()

    courier = Courier(outbox, {"status_dm": deliver}, poll=0.05).start()
    try:
        outbox.add(TEAM, "status_dm", {"user": "U1"}, key="dm:1", now=datetime.now(UTC))
        courier.wake()
        wait_for(courier.idle, timeout=10)
    finally:
        courier.close()
        other.close()
    state = store.db.execute("select state from outbox where key = 'dm:1'").fetchone()
    assert sent == ["dm:1"] and state[0] == "done"
    store.close()


def test_subscribers_hear_of_a_change_only_once_it_is_committed(
    services: Services, store: Store
) -> None:
    services.admins = frozenset({BOSS})
    idea = services.propose_idea(TEAM, "U0BEN", "Faster onboarding")
    seen: list[str] = []

    def subscriber(_change: object) -> None:
        # The debounced Notion sync reads on another thread, with its own connection.
        t = threading.Thread(
            target=lambda: seen.append(store.ideas.get(TEAM, idea.id or 0).status.value)
        )
        t.start()
        t.join()

    services.subscribe(subscriber)
    services.manage(TEAM, idea.id or 0, BOSS, status="Planned", once="view:V1:h1")
    assert seen and set(seen) == {"Planned"}


def test_a_status_dm_that_failed_once_is_still_sent_when_retried(
    slack: SlackEmulator, services: Services
) -> None:
    services.default_channel = CHANNEL
    services.admins = frozenset({BOSS})
    pain = services.log_pain_point(TEAM, "U0CHLOE", "Checkout times out").pain
    idea = services.propose_idea(TEAM, "U0BEN", "Retry payments", pain_point_ids=[pain.id])
    client = WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=[])
    outbound = Outbound(services, client, per_day=1, poll=0.05).start()
    try:
        wait_for(lambda: services.idea(TEAM, idea.id or 0).card_ts, timeout=10)
        slack.fail_next("chat.postMessage", error="internal_error", status=500, times=2)
        services.change_status(TEAM, idea.id or 0, "Planned", by=BOSS)
        dms = wait_for(lambda: slack.dms("U0CHLOE"), timeout=15)
    finally:
        outbound.close()
    assert len(dms) == 1 and "Planned" in str(dms[0])
