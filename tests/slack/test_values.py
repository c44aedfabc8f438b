"""Button values no Slack client can send are refused with 400, never coerced."""

from __future__ import annotations

import pytest
from slack_helpers import CHANNEL, Bot

from bot.slack.ids import Action


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "7; drop table ideas", ""])
def test_a_plus_one_with_a_crafted_idea_id_is_refused_and_stores_nothing(
    bot: Bot, value: str
) -> None:
    idea = bot.propose()
    reply = bot.people.block_action(
        "U0EVE", Action.IDEA_SUPPORT, value, channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    if not bot.people.socket_mode:
        assert reply.status == 400
    assert bot.store.votes.supporters(idea.id or 0) == []


def test_the_same_button_with_the_idea_id_journeybot_sent_counts(bot: Bot) -> None:
    idea = bot.propose()
    reply = bot.people.block_action(
        "U0EVE", Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    assert reply.status == 200
    assert bot.store.votes.supporters(idea.id or 0) == ["U0EVE"]


def test_a_me_too_button_needs_both_ids(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Exports time out")
    reply = bot.people.block_action(
        "U0BEN", Action.PAIN_ME_TOO, "1:x", channel=CHANNEL, message_ts="1.000001"
    )
    bot.settle()
    if not bot.people.socket_mode:
        assert reply.status == 400
