"""Workspace settings from App Home: admins open a modal, bad input is named on its field."""

from __future__ import annotations

import json

from slack_helpers import ADMIN, TEAM, Bot

from bot.sandbox.slack import plain_text_value, static_select_value
from bot.slack.ids import Action, Block, View


def open_settings(bot: Bot, user: str, kind: str) -> dict | None:
    bot.people.open_home(user)
    bot.settle()
    home = bot.slack.home(user)
    assert home is not None
    bot.people.block_action(
        user,
        Action.HOME_WORKSPACE,
        view=home["id"],
        action_type="static_select",
        selected_option=static_select_value(kind)["selected_option"],
    )
    bot.settle()
    return bot.slack.modal(user)


def submit(bot: Bot, user: str, kind: str, values: dict) -> dict:
    reply = bot.people.view_submission(
        user,
        View.WORKSPACE_SETTINGS,
        {block: {block: value} for block, value in values.items()},
        private_metadata=json.dumps({"kind": kind}),
    )
    assert reply.status == 200
    bot.settle()
    return reply.json() if reply.body else {}


def test_an_admin_sees_the_workspace_settings_on_app_home(bot: Bot) -> None:
    bot.people.open_home(ADMIN)
    bot.settle()
    text = bot.text_of(bot.slack.home(ADMIN))
    assert "*Workspace settings*" in text
    assert "Digest: `0 9 * * mon` (UTC)" in text
    assert "Notion: not connected" in text


def test_the_digest_modal_opens_filled_in_and_saves_a_new_schedule(bot: Bot) -> None:
    modal = open_settings(bot, ADMIN, "digest")
    assert modal is not None and modal["callback_id"] == View.WORKSPACE_SETTINGS
    answer = submit(
        bot,
        ADMIN,
        "digest",
        {
            Block.CRON: plain_text_value("30 8 * * fri"),
            Block.TIMEZONE: plain_text_value("Asia/Tokyo"),
        },
    )
    assert answer == {}
    digest = bot.services.workspace.of(TEAM).digest
    assert (digest.cron, digest.timezone) == ("30 8 * * fri", "Asia/Tokyo")
    assert "Digest: `30 8 * * fri` (Asia/Tokyo) (set here)" in bot.text_of(bot.slack.home(ADMIN))


def test_weights_that_are_not_numbers_are_named_in_the_modal_and_nothing_is_saved(bot: Bot) -> None:
    values = {
        Block.WEIGHT_IMPACT: plain_text_value("a lot"),
        Block.WEIGHT_REACH: plain_text_value("1"),
        Block.WEIGHT_EASE: plain_text_value("1"),
        Block.WEIGHT_SPEED: plain_text_value("1"),
        Block.CAPACITY_NOW: plain_text_value("10"),
        Block.CAPACITY_NEXT: plain_text_value("20"),
    }
    answer = submit(bot, ADMIN, "scoring", values)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {Block.WEIGHT_IMPACT: "'a lot' is not a number"}
    assert bot.services.workspace.of(TEAM).own == frozenset()


def test_a_stage_list_that_drops_a_stage_in_use_is_refused_on_the_stages_field(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Checkout rejects cards from abroad")
    in_use = bot.store.pains.all(TEAM)[0].stage
    j = bot.services.journey
    values = {
        Block.STAGES: plain_text_value("\n".join(s for s in j.stages if s != in_use)),
        Block.TEAMS: plain_text_value("\n".join(j.teams)),
        Block.TOUCHPOINTS: plain_text_value(""),
        Block.PERSONAS: plain_text_value(""),
    }
    answer = submit(bot, ADMIN, "journey", values)
    assert answer["response_action"] == "errors"
    assert f"{in_use!r} is still in use" in answer["errors"][Block.STAGES]
    assert bot.services.workspace.of(TEAM).journey.stages == j.stages


def test_someone_who_is_not_an_admin_cannot_open_or_submit_the_settings(bot: Bot) -> None:
    assert open_settings(bot, "U0BEN", "digest") is None
    assert "Only this workspace's journeybot admins" in json.dumps(bot.slack.dms("U0BEN"))
    answer = submit(
        bot,
        "U0BEN",
        "digest",
        {Block.CRON: plain_text_value("0 7 * * *"), Block.TIMEZONE: plain_text_value("UTC")},
    )
    assert answer["response_action"] == "errors"
    assert bot.services.workspace.of(TEAM).own == frozenset()


def test_without_a_secret_key_the_notion_modal_says_a_token_cannot_be_stored(bot: Bot) -> None:
    answer = submit(
        bot,
        ADMIN,
        "notion",
        {
            Block.NOTION_TOKEN: plain_text_value("secret_abcdefghijklmnop"),
            Block.NOTION_PAGE: plain_text_value("0123456789abcdef0123456789abcdef"),
        },
    )
    assert answer["response_action"] == "errors"
    assert "JOURNEYBOT_SECRET_KEY" in answer["errors"][Block.NOTION_TOKEN]
    assert bot.services.workspace.of(TEAM).notion is None
