"""Button values no Slack client can send are refused with 400, never coerced."""

from __future__ import annotations

import pytest
from slack_helpers import CHANNEL, TEAM, Bot

from bot.slack.ids import Action
from prioritize.models import PainStatus


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


@pytest.mark.parametrize("number", ["²", "99999999999999999999999"])
@pytest.mark.parametrize(
    ("action_id", "kind", "template"),
    [
        (Action.IDEA_EDIT, "button", "idea:{}"),
        (Action.PAIN_TRIAGE, "overflow", "close:{}"),
        (Action.IDEA_ADMIN, "overflow", "status:Planned:{}"),
    ],
)
def test_an_id_that_is_not_a_plain_number_changes_nothing_and_never_fails(
    bot: Bot, action_id: str, kind: str, template: str, number: str
) -> None:
    # `²` passes str.isdigit() yet int() refuses it; 23 digits overflow SQLite's integers.
    bot.slash("U0BEN", "/pain", "Exports time out")
    idea = bot.propose()
    value = template.format(number)
    option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
    reply = bot.people.block_action(
        "U0BEN",
        action_id,
        value,
        action_type=kind,
        selected_option=option if kind == "overflow" else None,
        channel=CHANNEL,
        message_ts=idea.card_ts,
    )
    bot.settle()
    assert reply.status == 200  # told nothing, changed nothing: no Slack client sends these
    assert bot.store.pains.get(TEAM, 1).status is PainStatus.OPEN
    assert bot.store.ideas.get(TEAM, idea.id or 0).status == idea.status
