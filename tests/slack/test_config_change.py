"""A changed scoring config shows on every surface after a restart, with no command to run.

The bot runs with the defaults while people vote; it is stopped, one setting is changed,
and it starts again on the same database. The card in the channel, `/roadmap` through the
Bolt app, `journeybot roadmap` and the Notion page of the idea must all show what
`prioritize.roadmap` says under the new setting, and differ from what they showed before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from slack_helpers import BOSS, CHANNEL, SECRET, TEAM, Bot
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.config import AppConfig, Settings, SlackConfig
from bot.notion.render import idea_page
from bot.notion.schema import IdeaProp
from bot.sandbox.slack import SlackEmulator, Workspace
from bot.services import Services
from bot.slack.app import build_app
from bot.slack.http_server import serve_http
from bot.slack.runtime import Runtime
from prioritize.config import Capacity, JourneyConfig, ScoringConfig, Strategy, Weights
from prioritize.scoring import RoadmapEntry, roadmap
from storage.store import Store

CHANGES: dict[str, dict[str, Any]] = {
    # Impacts 5, 4 and 2 are three apart: a disagreement at 3 (the default), none at 4.
    "disagree_spread": {"disagree_spread": 4},
    "weights": {"weights": Weights(impact=1, reach=0, ease=0, speed=0)},
    "capacity": {"capacity": Capacity(now=1, next=3)},
    "strategy": {"strategy": Strategy.RICE},
}
TOML = {
    "disagree_spread": "[journey.scoring]\ndisagree_spread = 4\n",
    "weights": "[journey.scoring.weights]\nimpact = 1\nreach = 0\nease = 0\nspeed = 0\n",
    "capacity": "[journey.scoring.capacity]\nnow = 1\nnext = 3\n",
    "strategy": '[journey.scoring]\nstrategy = "rice"\n',
}


@contextmanager
def running(slack: SlackEmulator, path: Path, journey: JourneyConfig, clock: Any) -> Iterator[Bot]:
    """Run the bot `journeybot run` would build, on the database at `path`, until the end."""
    config = AppConfig(
        journey=journey,
        slack=SlackConfig(roadmap_channel=CHANNEL, admins=[BOSS], card_update_delay=0.05),
    )
    store = Store.open(path, disagree_spread=journey.scoring.disagree_spread)
    services = Services(store, journey, clock=clock, admins=frozenset(config.slack.admins))
    settings = Settings(
        slack_bot_token=slack.token,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        journeybot_db=path,
    )
    runtime = Runtime()
    server, url = serve_http(
        build_app(settings, config, services, runtime=runtime), signing_secret=SECRET
    )
    try:
        yield Bot(slack, Workspace(slack, url, SECRET), services, store, runtime, url, config)
    finally:
        server.shutdown()
        server.server_close()
        runtime.close(timeout=5)
        store.close()


def shown(bot: Bot, idea_id: int) -> dict[str, str]:
    """Return what the card, /roadmap and the Notion page say about the idea."""
    bot.settle()
    idea = bot.services.idea(TEAM, idea_id)
    card = bot.text_of(bot.card(idea))
    bot.slash("U0EVE", "/roadmap")
    answer = bot.text_of(bot.slack.responses()[-1])
    entry = bot.services.entry(TEAM, idea_id)
    page = idea_page(entry, {}, stages=bot.config.journey.stages, pain_pages={}).properties
    return {
        "card": card,
        "roadmap": answer,
        "notion score": page[IdeaProp.SCORE]["number"],
        "notion bucket": page[IdeaProp.BUCKET]["select"]["name"],
        "notion disagree": page[IdeaProp.DISAGREE]["checkbox"],
        "notion why": page[IdeaProp.BREAKDOWN]["rich_text"][0]["text"]["content"],
    }


def expected(bot: Bot, idea_id: int) -> RoadmapEntry:
    """Return the idea's entry as ranking the whole workspace from scratch gives it."""
    items = roadmap(bot.store.stats.facts(TEAM), bot.config.journey.scoring)
    item = next(i for i in items if i.score.idea_id == idea_id)
    return RoadmapEntry(bot.services.idea(TEAM, idea_id), item, scoring=bot.config.journey.scoring)


def assert_shows(seen: dict[str, str], entry: RoadmapEntry) -> None:
    s, bucket = entry.score, entry.item.bucket
    assert bucket is not None
    assert f"*Score*\n{s.value:g}" in seen["card"]
    assert f"*Bucket*\n{bucket.value}" in seen["card"]
    assert ("*Disagreement*" in seen["card"]) == s.facts.consensus.disagree
    assert f"*{entry.idea.title}*\n{s.value:g} · {bucket.value}" in seen["roadmap"]
    assert seen["notion score"] == s.value
    assert seen["notion bucket"] == bucket.value
    assert seen["notion disagree"] == s.facts.consensus.disagree
    assert seen["notion why"] == entry.breakdown


@pytest.mark.parametrize("setting", list(CHANGES))
def test_a_changed_setting_shows_on_every_surface_after_a_restart(
    setting: str,
    slack: SlackEmulator,
    tmp_path: Path,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "journeybot.db"
    before = JourneyConfig()
    after = JourneyConfig(scoring=ScoringConfig(**CHANGES[setting]))
    with running(slack, path, before, clock) as bot:
        for user, team in (("U0BEN", "Sales"), ("U0CHLOE", "Support"), ("U0DAN", "Product")):
            bot.services.set_team(TEAM, user, team)
        idea = bot.propose("U0BEN", "Single sign-on", impact=5, complexity=2, weeks="2w")
        bot.propose("U0DAN", "Dark mode", impact=2, complexity=3, weeks="1w")
        bot.services.record_estimate(TEAM, idea.id, "U0CHLOE", impact=2, complexity=2, weeks=2)
        bot.services.record_estimate(TEAM, idea.id, "U0DAN", impact=4, complexity=3, weeks=2)
        old = expected(bot, idea.id)
        assert_shows(shown(bot, idea.id), old)

    with running(slack, path, after, clock) as bot:
        new = expected(bot, idea.id)
        assert (new.score.value, new.item.bucket, new.breakdown) != (
            old.score.value,
            old.item.bucket,
            old.breakdown,
        ), "the change must show somewhere, or this test proves nothing"
        # No vote since the restart: the card was redrawn because the config changed.
        assert_shows(shown(bot, idea.id), new)

    config = tmp_path / "journeybot.toml"
    config.write_text(TOML[setting], encoding="utf-8")
    for name, value in {
        "JOURNEYBOT_DB": str(path),
        "JOURNEYBOT_CONFIG": str(config),
        "COLUMNS": "200",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "NOTION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["roadmap", "--workspace", TEAM])
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if "Single sign-on" in row)
    assert f" {new.score.value:g} " in line
    assert new.item.bucket is not None and new.item.bucket.value in line
    assert new.breakdown[:30] in " ".join(result.output.split())


def test_a_restart_while_another_process_holds_the_database_still_starts_and_catches_up(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journeybot.db"
    first = Services(Store.open(path), JourneyConfig())
    idea = first.propose_idea(TEAM, "U0BEN", "Single sign-on", impact=5, complexity=1, weeks=1)
    first.store.close()
    holder = sqlite3.connect(path)
    holder.execute("begin immediate")  # an import, say, that takes its time
    rice = JourneyConfig(scoring=ScoringConfig(strategy=Strategy.RICE, min_estimates=1))
    try:
        store = Store.open(path, busy_timeout_ms=50)
        services = Services(store, rice)  # logs that it will catch up, and starts
    finally:
        holder.execute("rollback")
        holder.close()
    try:
        entry = services.entry(TEAM, idea.id)
        assert entry.breakdown.startswith("RICE ")
        assert (entry.item.rank, entry.item.bucket) == (
            1,
            roadmap(store.stats.facts(TEAM), rice.scoring)[0].bucket,
        )
    finally:
        store.close()
