"""A bad day in production: Slack refuses, limits or forgets the bot for a while. Each fault
gives one clear line or message, nothing stored is lost, and it all catches up by itself."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import UTC, datetime

import pytest
from helpers import database_locked, wait_for
from slack_helpers import BOSS, CHANNEL, TEAM, Bot, BotFactory
from slack_sdk import WebClient

from bot.config import Settings
from bot.doctor import check_outbox
from bot.sandbox.slack import SlackEmulator
from bot.services import Effects, Services
from bot.slack.ids import Action
from bot.slack.outbound import Outbound
from bot.slack.outbound.courier import Courier
from prioritize.models import IdeaStatus
from storage.outbox import Effect, Outbox
from storage.store import Store

MANY = 12
"""More refusals in a row than a transient error would ever be retried for within a test."""

COURIER = "bot.slack.outbound.courier"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == COURIER and r.levelno >= 30]


def test_a_modal_that_cannot_open_in_time_tells_the_person_to_try_again(bot: Bot) -> None:
    bot.slack.fail_next("views.open", error="expired_trigger_id")
    bot.slash("U0BEN", "/pain")
    assert bot.slack.modal("U0BEN") is None
    [told] = bot.slack.ephemerals("U0BEN")
    assert "did not let me open that form in time (expired_trigger_id)" in told["text"]
    assert "please try again" in told["text"]
    assert told["channel"] == CHANNEL
    # Trying again works.
    bot.slash("U0BEN", "/pain")
    assert bot.slack.modal("U0BEN") is not None


def test_an_estimate_form_that_cannot_open_says_so_to_whoever_clicked(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Retry payments")
    bot.slack.fail_next("views.open", status=500, error="internal_error")
    reply = bot.people.block_action(
        "U0CHLOE", Action.IDEA_ESTIMATE, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    assert reply.status == 200
    bot.settle()
    assert [e["text"] for e in bot.slack.ephemerals("U0BEN")] == []
    [told] = bot.slack.ephemerals("U0CHLOE")
    assert "Slack would not open that form (internal_error). Please try again." in told["text"]


def test_a_card_update_that_fails_several_times_is_retried_until_the_card_shows_the_votes(
    bot: Bot,
) -> None:
    idea = bot.propose("U0BEN", "Retry payments")
    bot.slack.fail_next("chat.update", status=500, error="internal_error", times=3)
    for voter in ("U0CHLOE", "U0DAN", "U0EVE"):
        assert bot.people.reply_in_thread(voter, CHANNEL, idea.card_ts or "", "+1").status == 200
    # Backoff of 1, 2 and 4 s after the three failures.
    wait_for(lambda: "*Supporters*\\n3" in str(bot.card(idea)["blocks"]), timeout=20)
    assert bot.store.votes.supporters(idea.id or 0) == ["U0CHLOE", "U0DAN", "U0EVE"]
    failed = [c for c in bot.slack.calls_to("chat.update") if c.error is not None]
    assert len(failed) == 3
    assert bot.services.outbox.failures() == []
    wait_for(lambda: bot.services.outbox.backlog() == 0, timeout=10)


@pytest.fixture
def courier_of(slack: SlackEmulator, services: Services):
    """courier_of() -> a started Outbound with a plain WebClient (each refusal reaches it)."""
    started: list[Outbound] = []

    def start() -> Outbound:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        services.default_channel = CHANNEL
        outbound = Outbound(services, client, per_day=3, poll=0.05).start()
        outbound.courier.auth_retry = 0.2  # ten seconds in production
        started.append(outbound)
        return outbound

    yield start
    for outbound in started:
        outbound.close()


def test_a_token_revoked_mid_run_keeps_every_effect_waiting_with_one_log_line(
    slack: SlackEmulator, services: Services, courier_of, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=COURIER)
    outbound = courier_of()
    idea = services.propose_idea(TEAM, "U0BEN", "Retry payments")
    wait_for(lambda: services.idea(TEAM, idea.id or 0).card_ts, timeout=10)
    slack.revoke_token()
    services.change_status(TEAM, idea.id or 0, "Planned", by=BOSS)
    for voter in ("U0CHLOE", "U0DAN"):
        services.support(TEAM, idea.id or 0, voter)
    # Long enough for many more tries than an effect is otherwise allowed.
    wait_for(
        lambda: len([c for c in slack.calls if c.error == "token_revoked"]) > MANY + 2,
        timeout=20,
    )
    assert services.outbox.failures() == []  # waiting, not given up
    assert services.outbox.backlog() > 0
    revoked = [w for w in _warnings(caplog) if "token_revoked" in w]
    assert revoked == [
        "the bot token was revoked (token_revoked); Slack updates wait in the outbox and go"
        " out when it allows (replace SLACK_BOT_TOKEN and restart)"
    ]

    slack.revoke_token(False)
    wait_for(lambda: outbound.courier.idle(), timeout=10)
    assert services.outbox.failures() == []
    thread = slack.thread(CHANNEL, services.idea(TEAM, idea.id or 0).card_ts or "")
    assert any("Planned" in (m.get("text") or "") for m in thread[1:])
    card = slack.message(CHANNEL, services.idea(TEAM, idea.id or 0).card_ts or "") or {}
    assert "*Supporters*\\n2" in str(card["blocks"])
    assert any("takes journeybot's updates again" in r.getMessage() for r in caplog.records)


def test_slack_answering_429_for_a_while_delays_updates_but_gives_none_up(
    slack: SlackEmulator, services: Services, courier_of, caplog: pytest.LogCaptureFixture
) -> None:
    # "A minute" of 429s, compressed: twice as many refusals in a row as an effect may
    # otherwise fail, each saying "retry at once".
    caplog.set_level(logging.INFO, logger=COURIER)
    slack.fail_next("chat.postMessage", status=429, retry_after=0, times=2 * MANY)
    outbound = courier_of()
    idea = services.propose_idea(TEAM, "U0BEN", "Retry payments")
    wait_for(lambda: services.idea(TEAM, idea.id or 0).card_ts, timeout=20)
    wait_for(lambda: outbound.courier.idle(), timeout=10)
    assert services.outbox.failures() == []
    assert len(slack.messages(CHANNEL)) == 1
    limited = [w for w in _warnings(caplog) if "rate limiting" in w]
    assert len(limited) == 1


def test_a_channel_archived_under_a_card_is_recorded_for_good_and_the_rest_goes_on(
    slack: SlackEmulator, services: Services, courier_of
) -> None:
    outbound = courier_of()
    idea = services.propose_idea(TEAM, "U0BEN", "Retry payments")
    wait_for(lambda: services.idea(TEAM, idea.id or 0).card_ts, timeout=10)
    slack.archive_channel(CHANNEL)
    services.record_estimate(TEAM, idea.id or 0, "U0CHLOE", impact=4)
    services.change_status(TEAM, idea.id or 0, "Planned", by=BOSS)
    wait_for(lambda: outbound.courier.idle(), timeout=10)
    [failure] = services.outbox.failures()
    assert (failure["kind"], failure["error"]) == (Effects.STATUS_THREAD, "is_archived")
    assert services.idea(TEAM, idea.id or 0).status is IdeaStatus.PLANNED  # stored all the same
    assert len(services.store.votes.estimates(idea.id or 0)) == 1
    assert services.outbox.backlog() == 0
    reported = check_outbox(Settings(_env_file=None, journeybot_db=services.store.path))  # type: ignore[call-arg]
    assert not reported.ok
    assert f"status thread of idea #{idea.id}: is_archived at " in reported.detail


def test_a_delivered_update_the_database_cannot_record_yet_is_recorded_later_not_resent(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=COURIER)
    store.busy_timeout_ms = 100  # the courier's own connections wait this long for the lock
    outbox = Outbox(store)
    with store.transaction():
        outbox.add(TEAM, "note", {}, key="note:1", now=datetime.now(UTC))
    holder = sqlite3.connect(
        str(store.path), isolation_level=None, timeout=5, check_same_thread=False
    )
    delivered: list[str] = []

    def deliver(effect: Effect) -> None:
        delivered.append(effect.key)
        holder.execute("BEGIN IMMEDIATE")  # from now on the outbox cannot record anything

    courier = Courier(outbox, {"note": deliver}, poll=0.05).start()
    try:
        wait_for(lambda: delivered, timeout=5)
        time.sleep(0.5)  # several rounds of the courier while the lock is held
        assert not courier.idle()
        holder.execute("ROLLBACK")
        wait_for(courier.idle, timeout=5)
    finally:
        courier.close()
        holder.close()
    assert delivered == ["note:1"]
    assert store.db.execute("select state from outbox").fetchall() == [("done",)]
    assert len([w for w in _warnings(caplog) if "cannot be updated" in w]) == 1


def test_journey_team_and_notify_say_not_saved_while_the_database_is_locked(
    make_bot: BotFactory,
) -> None:
    bot = make_bot()
    bot.store.busy_timeout_ms = 200
    with database_locked(bot.store.path):
        team = bot.people.slash("U0BEN", "/journey", "team support")
        notify = bot.people.slash("U0BEN", "/journey", "notify off")
    for reply in (team, notify):
        assert reply.status == 200
        assert "Not saved: the database is busy" in reply.json()["text"]
    assert bot.store.people.team_of(TEAM, "U0BEN") is None
    assert bot.store.people.wants_dms(TEAM, "U0BEN") is True


def test_a_modal_opens_in_time_while_card_updates_wait_out_a_rate_limit(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Retry payments")
    # Each 429 makes the card's Web API client sleep before trying again.
    bot.slack.fail_next("chat.update", status=429, retry_after=2, times=4)
    assert bot.people.reply_in_thread("U0CHLOE", CHANNEL, idea.card_ts or "", "+1").status == 200
    wait_for(lambda: any(c.error == "ratelimited" for c in bot.slack.calls_to("chat.update")))
    # Trigger ids live 3 s: the modal's work must not queue behind the sleeping update.
    assert bot.people.slash("U0DAN", "/pain").status == 200
    wait_for(lambda: bot.slack.modal("U0DAN"), timeout=3)
    assert not [c for c in bot.slack.calls_to("views.open") if c.error is not None]
    wait_for(lambda: "*Supporters*\\n1" in str(bot.card(idea)["blocks"]), timeout=20)
