"""Benchmark: what Slack hears after a burst of 200 changes, through the outbox.

    .venv/bin/python bench/outbox.py            # 200 changes on 20 idea cards
    .venv/bin/python bench/outbox.py --changes 1000 --cards 50

Against the local Slack emulator (real WebClient over HTTP), on a fresh database:

1. the outbox: 200 votes spread over 20 idea cards, two of them also moved to a new status
   (a thread notice and DMs each), recorded with each change and delivered by the courier;
   measured from the first change until every effect is delivered;
2. next to it, in the same run, the direct way the bot worked before the outbox: one
   `chat.update` per change, made by the thread that made it.

It prints the time, the Slack calls by method and the calls per change. This is not a
test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk import WebClient

from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from bot.slack.outbound import Outbound
from bot.slack.outbound.cards import Cards
from storage.store import Store

__all__ = ["main"]

TEAM = "T0BENCH"
CHANNEL = "C0ROADMAP"


def _world(
    folder: Path, client: WebClient, cards: int, *, delay: float
) -> tuple[Services, list[int]]:
    store = Store.open(folder / "bench.db")
    services = Services(store, card_delay=delay, default_channel=CHANNEL)
    ideas = []
    for i in range(cards):
        pain = services.log_pain_point(TEAM, f"U{i:03d}", f"Customers get stuck at step {i}")
        idea = services.propose_idea(TEAM, "U0ADA", f"Idea {i}", pain_point_ids=[pain.pain.id])
        # The card exists in Slack, so that chat.update finds it.
        ts = client.chat_postMessage(channel=CHANNEL, text=f"card {i}")["ts"]
        services.card_posted(TEAM, idea.id or 0, channel=CHANNEL, ts=ts)
        ideas.append(idea.id or 0)
    store.db.execute("delete from outbox")  # the setup's own effects are not measured
    return services, ideas


def _burst(services: Services, ideas: list[int], changes: int) -> None:
    for n in range(changes):
        idea_id = ideas[n % len(ideas)]
        services.record_estimate(TEAM, idea_id, f"V{n:04d}", impact=1 + n % 5, complexity=3)
    for idea_id in ideas[:2]:
        services.change_status(TEAM, idea_id, "In progress", by="U0ADA")


def through_outbox(slack: SlackEmulator, changes: int, cards: int) -> tuple[float, Counter[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        services, ideas = _world(Path(tmp), client, cards, delay=1.0)
        outbound = Outbound(services, client, per_day=3, poll=0.05).start()
        slack.reset_calls()
        started = time.perf_counter()
        _burst(services, ideas, changes)
        while not outbound.courier.idle():
            time.sleep(0.01)
        took = time.perf_counter() - started
        outbound.close()
        calls = Counter(c.method for c in slack.calls)
        services.store.close()
    return took, calls


def direct(slack: SlackEmulator, changes: int, cards: int) -> tuple[float, Counter[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        services, ideas = _world(Path(tmp), client, cards, delay=0.0)
        drawer = Cards(services, client)
        slack.reset_calls()
        started = time.perf_counter()
        for n in range(changes):
            idea_id = ideas[n % len(ideas)]
            services.record_estimate(TEAM, idea_id, f"V{n:04d}", impact=1 + n % 5, complexity=3)
            idea = services.idea(TEAM, idea_id)
            client.chat_update(channel=CHANNEL, ts=idea.card_ts, **drawer.render(idea))
        for idea_id in ideas[:2]:
            change = services.change_status(TEAM, idea_id, "In progress", by="U0ADA")
            idea = services.idea(TEAM, idea_id)
            client.chat_update(channel=CHANNEL, ts=idea.card_ts, **drawer.render(idea))
            client.chat_postMessage(channel=CHANNEL, thread_ts=idea.card_ts, text=str(change))
            client.chat_postMessage(channel=f"U{ideas.index(idea_id):03d}", text=str(change))
        took = time.perf_counter() - started
        calls = Counter(c.method for c in slack.calls)
        services.store.close()
    return took, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--cards", type=int, default=20)
    args = parser.parse_args()
    users = {f"U{i:03d}": {"name": f"u{i}"} for i in range(args.cards)}
    users["U0ADA"] = {"name": "ada"}
    with SlackEmulator(users=users) as slack:
        rows = [
            ("outbox (coalesced, retried)", *through_outbox(slack, args.changes, args.cards)),
            ("direct (one call per change)", *direct(slack, args.changes, args.cards)),
        ]
    total = args.changes + 2
    print(f"{args.changes} votes on {args.cards} cards, then 2 status changes ({total} changes)")
    print(f"{'':30} {'seconds':>8} {'Slack calls':>12} {'per change':>11}  by method")
    for name, took, calls in rows:
        n = sum(calls.values())
        methods = ", ".join(f"{m} {c}" for m, c in sorted(calls.items()))
        print(f"{name:30} {took:8.2f} {n:12d} {n / total:11.2f}  {methods}")


if __name__ == "__main__":
    main()
