"""Closing the loop for everyone, and cards that show the bucket the roadmap gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_helpers import BOSS, CHANNEL, TEAM, Bot, BotFactory
from slack_sdk import WebClient

from bot.services import Effects
from bot.slack.outbound import Outbound
from prioritize.config import Capacity, JourneyConfig, ScoringConfig


def test_the_proposer_and_the_estimators_hear_of_a_status_change(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Rebuild the export pipeline")
    bot.services.record_estimate(TEAM, idea.id, "U0CHLOE", impact=4)
    bot.services.change_status(TEAM, idea.id, "Planned", by=BOSS)
    bot.settle()
    assert "you proposed it" in bot.text_of(bot.slack.dms("U0BEN")[-1])
    assert "you estimated it" in bot.text_of(bot.slack.dms("U0CHLOE")[-1])
    assert bot.slack.dms(BOSS) == []


def test_a_leaders_pin_is_announced_in_the_cards_thread(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Rebuild the export pipeline")
    bot.services.manage(TEAM, idea.id, BOSS, bucket="Now")
    bot.settle()
    [reply] = bot.slack.thread(CHANNEL, idea.card_ts or "")[1:]
    assert f"<@{BOSS}> moved this idea from *Later* to *Now*" in reply["text"]


def test_over_the_daily_cap_the_days_last_status_comes_in_one_end_of_day_dm(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Rebuild the export pipeline")
    for status in ("Planned", "In progress", "Done"):
        bot.services.change_status(TEAM, idea.id, status, by=BOSS)
        bot.settle()
    assert len(bot.slack.dms("U0BEN")) == 1  # the cap (one a day) still holds
    day_end = datetime.now(UTC).replace(hour=23, minute=59, second=59)
    waiting = bot.services.outbox.take(now=day_end, kinds=(Effects.STATUS_DAY_END,))
    assert len(waiting) == 1  # two changes over the cap, one end-of-day DM
    assert bot.services.outbox.take(now=day_end - timedelta(hours=24)) == []
    outbound = Outbound(
        bot.services, WebClient(token=bot.slack.token, base_url=bot.slack.api_url), per_day=1
    )
    outbound.courier.deliver(waiting[0])
    last = bot.text_of(bot.slack.dms("U0BEN")[-1])
    assert "At the end of the day" in last and "*Done*" in last
    assert len(bot.slack.dms("U0BEN")) == 2


def test_votes_that_move_other_ideas_between_buckets_redraw_their_cards(
    make_bot: BotFactory,
) -> None:
    journey = JourneyConfig(
        scoring=ScoringConfig(min_estimates=1, capacity=Capacity(now=4, next=24))
    )
    bot = make_bot(journey=journey)
    first = bot.propose("U0BEN", "Rebuild the export pipeline", impact=3, complexity=3, weeks="3w")
    second = bot.propose("U0DAN", "Send invoices as PDFs")
    third = bot.propose("U0EVE", "Untouched idea", impact=1, complexity=5, weeks="30w")
    assert "*Bucket*\nNow" in bot.text_of(bot.card(first))
    updates_before = bot.slack.count("chat.update")
    bot.services.record_estimate(TEAM, second.id, "U0CHLOE", impact=5, complexity=1, weeks=3)
    bot.settle()
    buckets = {e.idea.id: e.item.bucket.value for e in bot.services.roadmap(TEAM) if e.item.bucket}
    assert (buckets[second.id], buckets[first.id]) == ("Now", "Next")
    assert "*Bucket*\nNext" in bot.text_of(bot.card(first))
    assert "*Bucket*\nNow" in bot.text_of(bot.card(second))
    # Only the voted idea and the one it pushed out are redrawn, not every card.
    assert bot.slack.count("chat.update") - updates_before == 2
    assert "*Bucket*\nLater" in bot.text_of(bot.card(third))


def test_a_pin_made_in_notion_is_announced_and_a_pin_that_moves_nothing_is_not(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Rebuild the export pipeline")
    bot.services.pin_bucket(TEAM, idea.id, "Later", by="Ada Park")  # already in Later
    bot.settle()
    assert bot.slack.thread(CHANNEL, idea.card_ts or "")[1:] == []
    bot.services.pin_bucket(TEAM, idea.id, "Next", by="someone in Notion")
    bot.settle()
    [reply] = bot.slack.thread(CHANNEL, idea.card_ts or "")[1:]
    assert "Someone in Notion moved this idea from *Later* to *Next*" in reply["text"]
