"""No made-up roadmap channel: until one is set, people are told whom to ask; an admin
picks it on App Home; a card that could not be posted can be posted again."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_helpers import BOSS, CHANNEL, TEAM, Bot, BotFactory

from bot.config import ConfigError, load_config
from bot.slack.ids import Action


def test_idea_without_a_roadmap_channel_says_whom_to_ask(make_bot: BotFactory) -> None:
    bot = make_bot(roadmap_channel=None)
    reply = bot.people.slash("U0BEN", "/idea", "Guided onboarding")
    bot.settle()
    assert reply.status == 200
    assert "no roadmap channel yet" in reply.body and BOSS in reply.body
    assert bot.slack.modal("U0BEN") is None


def test_an_admin_picks_the_roadmap_channel_on_app_home_and_cards_go_there(
    make_bot: BotFactory,
) -> None:
    bot = make_bot(roadmap_channel=None)
    bot.people.open_home(BOSS)
    bot.settle()
    home = bot.slack.home(BOSS)
    assert "No roadmap channel yet" in bot.text_of(home)
    bot.people.block_action(BOSS, Action.HOME_CHANNEL, CHANNEL, view=home["id"])
    bot.settle()
    assert bot.services.roadmap_channel(TEAM) == CHANNEL
    assert f"<#{CHANNEL}>" in bot.text_of(bot.slack.home(BOSS))
    idea = bot.propose()
    assert idea.card_channel == CHANNEL


def test_someone_who_is_not_an_admin_cannot_pick_the_channel(make_bot: BotFactory) -> None:
    bot = make_bot(roadmap_channel=None)
    bot.people.open_home("U0BEN")
    bot.settle()
    home = bot.slack.home("U0BEN")
    assert "Roadmap channel" not in bot.text_of(home)
    bot.people.block_action(
        "U0BEN", Action.HOME_CHANNEL, CHANNEL, view=home["id"], action_type="conversations_select"
    )
    bot.settle()
    assert bot.services.roadmap_channel(TEAM) is None
    assert "only journeybot admins" in bot.text_of(bot.slack.dms("U0BEN")[-1])


def test_a_card_that_could_not_be_posted_is_reposted_from_app_home(make_bot: BotFactory) -> None:
    bot = make_bot(roadmap_channel="C0MISSING")
    bot.people.view_submission(
        "U0BEN",
        "idea_modal",
        {"title": {"title": {"type": "plain_text_input", "value": "Retry payments"}}},
    )
    bot.settle()
    [idea] = bot.store.ideas.all(TEAM)
    assert idea.card_ts is None
    assert "could not post its card" in bot.text_of(bot.slack.dms("U0BEN")[-1])
    bot.services.set_roadmap_channel(TEAM, CHANNEL, by=BOSS)
    bot.people.open_home(BOSS)
    bot.settle()
    home = bot.slack.home(BOSS)
    assert "has no card" in bot.text_of(home)
    bot.people.block_action(BOSS, Action.HOME_REPOST, str(idea.id), view=home["id"])
    bot.settle()
    assert bot.store.ideas.get(TEAM, idea.id or 0).card_channel == CHANNEL
    assert len(bot.slack.messages(CHANNEL)) == 1


def test_journeybot_repost_queues_the_card_for_the_running_bot(bot: Bot) -> None:
    idea = bot.propose()
    bot.services.repost_card(TEAM, idea.id or 0, by="journeybot repost", admin=True)
    bot.settle()
    cards = [m for m in bot.slack.messages(CHANNEL, include_replies=False)]
    assert len(cards) == 2


@pytest.mark.parametrize(
    ("value", "says"),
    [("#roadmap", "channel name"), ("roadmap", "channel name"), ("C0-X!", "not a Slack channel")],
)
def test_a_roadmap_channel_that_is_not_an_id_is_explained(
    tmp_path: Path, value: str, says: str
) -> None:
    path = tmp_path / "journeybot.toml"
    path.write_text(f'[slack]\nroadmap_channel = "{value}"\n')
    with pytest.raises(ConfigError, match=says):
        load_config(path)
