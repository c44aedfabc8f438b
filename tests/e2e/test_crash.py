"""A bot killed with SIGKILL loses nothing it acknowledged: after a restart it redraws the
card and marks every vote as counted, each exactly once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bot_process import start_bot
from helpers import wait_for

from bot.sandbox.slack import SlackEmulator, Workspace
from bot.services import Services
from storage.store import Store

SECRET = "crash-test-secret"
TEAM = "T0001"
CHANNEL = "C0ROADMAP"
VOTERS = [f"U0V{i:02d}" for i in range(20)]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _wait(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    return wait_for(predicate, timeout, every=0.05)


def _reactions_added(slack: SlackEmulator) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in slack.calls_to("reactions.add"):
        if call.error is None:
            ts = call.params["timestamp"]
            counted[ts] = counted.get(ts, 0) + 1
    return counted


def test_a_bot_killed_right_after_twenty_votes_delivers_everything_once_after_restart(
    tmp_path: Path,
) -> None:
    (tmp_path / "journeybot.toml").write_text(
        f'[slack]\nroadmap_channel = "{CHANNEL}"\ncard_update_delay = 3\n'
    )
    db = tmp_path / "journeybot.db"
    store = Store.open(db)
    idea = Services(store).propose_idea(TEAM, "U0ADA", "Retry failed payments")
    store.close()
    users = {u: {"name": u.lower()} for u in ["U0ADA", *VOTERS]}
    with SlackEmulator(users=users) as slack:
        process, url, _ = start_bot(slack, tmp_path, secret=SECRET)
        try:
            card = _wait(lambda: Store.open(db).ideas.get(TEAM, idea.id or 0).card_ts)
            people = Workspace(slack, url, SECRET)
            # Slack is slow to take the check marks: they are still waiting when the bot dies.
            slack.set_rate_limit("reactions.add", 1)
            votes = []
            for voter in VOTERS:
                message = slack.post_as_user(voter, CHANNEL, "+1", thread_ts=card)
                assert people.event(message).status == 200
                votes.append(message["event"]["ts"] if "event" in message else message["ts"])
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        reader = Store.open(db)
        assert len(reader.votes.supporters(idea.id or 0)) == 20  # every acknowledged vote is stored
        reader.close()
        updates_before = len(slack.calls_to("chat.update"))
        assert updates_before == 0 and len(_reactions_added(slack)) < 20  # left for the restart

        slack.set_rate_limit("reactions.add", None)
        process, url, _ = start_bot(slack, tmp_path, secret=SECRET)
        try:
            _wait(lambda: set(_reactions_added(slack)) >= set(votes), timeout=30)
            _wait(lambda: len(slack.calls_to("chat.update")) > updates_before, timeout=30)
            time.sleep(1.0)  # anything delivered twice would show by now
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
        assert all(n == 1 for n in _reactions_added(slack).values())
        shown = slack.message(CHANNEL, card) or {}
        assert "20" in str(shown.get("blocks"))
        reader = Store.open(db)
        assert reader.db["outbox"].count_where("state != 'done'") == 0
        reader.close()
