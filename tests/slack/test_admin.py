"""Admin actions from the card, and closing the loop when an idea's status changes."""

from __future__ import annotations

import json
import socket

from slack_helpers import ADMIN, BOSS, CHANNEL, TEAM, Bot, BotFactory
from slack_sdk import WebClient

from bot.sandbox.slack import static_select_value
from bot.slack.admins import Admins
from bot.slack.ids import Action, Block, View
from prioritize.models import Bucket, Idea, IdeaStatus, PainStatus


def admin_values(
    status: str = "Proposed", bucket: str = "auto", merge_into: int | None = None
) -> dict:
    values: dict = {
        Block.STATUS: {Block.STATUS: static_select_value(status)},
        Block.BUCKET: {Block.BUCKET: static_select_value(bucket)},
    }
    if merge_into is not None:
        values[Block.MERGE_INTO] = {
            Action.IDEA_SEARCH: {
                "type": "external_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": f"#{merge_into}"},
                    "value": str(merge_into),
                },
            }
        }
    return values


def open_admin(bot: Bot, user: str, idea: Idea, what: str = "status") -> None:
    bot.people.block_action(
        user,
        Action.IDEA_ADMIN,
        action_type="overflow",
        selected_option={
            "text": {"type": "plain_text", "text": what},
            "value": f"{what}:{idea.id}",
        },
        channel=CHANNEL,
        message_ts=idea.card_ts,
    )
    bot.settle()


def submit_admin(bot: Bot, user: str, idea: Idea, **values: object) -> dict | None:
    reply = bot.people.view_submission(
        user,
        View.ADMIN,
        admin_values(**values),  # type: ignore[arg-type]
        private_metadata=json.dumps({"idea_id": idea.id}),
    )
    assert reply.status == 200
    bot.settle()
    return reply.json()


def seeded(bot: Bot) -> Idea:
    """An idea linked to pain points from Chloé and Dan, supported by Eve and Ben."""
    bot.slash("U0CHLOE", "/pain", "Exports time out for large accounts")
    bot.slash("U0DAN", "/pain", "CSV export drops accents")
    idea = bot.propose("U0BEN", "Rebuild the export pipeline", pain_ids=(1, 2))
    for user in ("U0EVE", "U0BEN"):
        bot.people.block_action(
            user, Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
        )
    bot.settle()
    return idea


def test_someone_who_is_not_an_admin_gets_a_polite_refusal(bot: Bot) -> None:
    idea = bot.propose()
    open_admin(bot, "U0EVE", idea)
    assert bot.slack.modal("U0EVE") is None
    [refusal] = bot.slack.ephemerals("U0EVE")
    assert "Sorry, only journeybot admins and workspace admins" in refusal["text"]
    assert f"<@{BOSS}>" in refusal["text"]


def test_an_admin_named_in_config_gets_the_modal_without_asking_slack(bot: Bot) -> None:
    idea = bot.propose()
    open_admin(bot, BOSS, idea)
    assert bot.slack.modal(BOSS)["callback_id"] == View.ADMIN
    assert [c for c in bot.slack.calls_to("users.info") if c.params.get("user") == BOSS] == []


def test_a_workspace_owner_is_an_admin_and_slack_is_asked_once(bot: Bot) -> None:
    idea = bot.propose()
    open_admin(bot, ADMIN, idea)
    open_admin(bot, ADMIN, idea, "bucket")
    assert bot.slack.modal(ADMIN)["callback_id"] == View.ADMIN
    assert [c.params.get("user") for c in bot.slack.calls_to("users.info")].count(ADMIN) == 1


def test_a_forged_admin_submission_by_someone_else_changes_nothing(bot: Bot) -> None:
    idea = bot.propose()
    answer = submit_admin(bot, "U0EVE", idea, status="Done")
    assert answer and answer["response_action"] == "errors"
    assert bot.store.ideas.get(TEAM, idea.id).status is IdeaStatus.PROPOSED


def test_a_status_change_replies_in_the_thread_and_dms_reporters_and_supporters(
    bot: Bot,
) -> None:
    idea = seeded(bot)
    bot.slash("U0DAN", "/journey", "notify off")
    answer = submit_admin(bot, BOSS, idea, status="Planned")
    assert answer is None
    assert bot.store.ideas.get(TEAM, idea.id).status is IdeaStatus.PLANNED
    [reply] = bot.slack.thread(CHANNEL, idea.card_ts)[1:]
    assert "*Proposed* to *Planned* (in Slack)" in reply["text"]
    # Chloé reported a pain point, Eve and Ben support it; Dan turned DMs off.
    assert [len(bot.slack.dms(u)) for u in ("U0CHLOE", "U0EVE", "U0BEN", "U0DAN")] == [1, 1, 1, 0]
    dm = bot.slack.dms("U0CHLOE")[0]
    assert "is now *Planned*" in bot.text_of(dm)
    assert "it addresses a pain point you reported" in bot.text_of(dm)
    assert "/archives/C0ROADMAP/p" in bot.text_of(dm)  # a link to the card's thread
    assert "*Status*\nPlanned" in bot.text_of(bot.card(idea))


def test_nobody_gets_a_dm_about_their_own_action(bot: Bot) -> None:
    idea = seeded(bot)
    bot.people.block_action(
        BOSS, Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    submit_admin(bot, BOSS, idea, status="Planned")
    assert bot.slack.dms(BOSS) == []
    assert len(bot.slack.dms("U0EVE")) == 1


def test_at_most_one_dm_per_person_per_idea_per_day(bot: Bot, clock: object) -> None:
    idea = seeded(bot)
    submit_admin(bot, BOSS, idea, status="Planned")
    submit_admin(bot, BOSS, idea, status="In progress")
    assert len(bot.slack.dms("U0EVE")) == 1
    assert len(bot.slack.thread(CHANNEL, idea.card_ts)) == 3  # the card and two replies
    clock.tick(days=1)  # type: ignore[attr-defined]
    submit_admin(bot, BOSS, idea, status="Done")
    assert len(bot.slack.dms("U0EVE")) == 2
    assert bot.store.pains.get(TEAM, 1).status is PainStatus.ADDRESSED


def test_a_status_change_made_in_notion_closes_the_loop_too(bot: Bot) -> None:
    idea = seeded(bot)
    change = bot.services.change_status(TEAM, idea.id, "Done", by="notion", source="notion")
    assert change is not None
    bot.settle()
    [reply] = bot.slack.thread(CHANNEL, idea.card_ts)[1:]
    assert "(in Notion)" in reply["text"] and "marked Addressed" in reply["text"]
    assert len(bot.slack.dms("U0CHLOE")) == 1
    # Told again about the same change (a repeated sync), nobody hears twice.
    bot.runtime.later(bot.services._emit, change)
    bot.settle()
    assert len(bot.slack.thread(CHANNEL, idea.card_ts)) == 2
    assert len(bot.slack.dms("U0CHLOE")) == 1


def test_dms_can_be_capped_at_zero(make_bot: BotFactory) -> None:
    bot = make_bot(dm_per_idea_per_day=0)
    idea = seeded(bot)
    submit_admin(bot, BOSS, idea, status="Planned")
    assert bot.slack.dms("U0EVE") == []
    assert len(bot.slack.thread(CHANNEL, idea.card_ts)) == 2


def test_merging_a_duplicate_moves_votes_and_its_card_says_where_it_went(bot: Bot) -> None:
    survivor = bot.propose("U0BEN", "Bulk export")
    duplicate = bot.propose("U0CHLOE", "Export everything at once", impact=5)
    bot.people.block_action(
        "U0EVE",
        Action.IDEA_SUPPORT,
        str(duplicate.id),
        channel=CHANNEL,
        message_ts=duplicate.card_ts,
    )
    bot.settle()
    open_admin(bot, BOSS, duplicate, "merge")
    assert submit_admin(bot, BOSS, duplicate, merge_into=survivor.id) is None
    assert bot.store.ideas.get(TEAM, duplicate.id).merged_into == survivor.id
    assert bot.store.votes.supporters(survivor.id) == ["U0EVE"]
    assert [e.voter for e in bot.store.votes.estimates(survivor.id)] == ["U0CHLOE"]
    merged = bot.text_of(bot.card(duplicate))
    assert "Merged into" in merged and f"#{survivor.id} Bulk export" in merged
    assert not [b for b in bot.card(duplicate)["blocks"] if b["type"] == "actions"]
    assert "*Supporters*\n1" in bot.text_of(bot.card(survivor))
    # A vote in the duplicate's thread lands on the survivor.
    bot.people.event(bot.slack.post_as_user("U0DAN", CHANNEL, "+1", duplicate.card_ts))
    bot.settle()
    assert sorted(bot.store.votes.supporters(survivor.id)) == ["U0DAN", "U0EVE"]


def test_merging_an_idea_into_itself_is_refused_inline(bot: Bot) -> None:
    idea = bot.propose()
    answer = submit_admin(bot, BOSS, idea, merge_into=idea.id)
    assert answer == {
        "response_action": "errors",
        "errors": {Block.MERGE_INTO: "an idea cannot be merged into itself"},
    }


def test_pinning_a_bucket_shows_on_the_card(bot: Bot) -> None:
    idea = bot.propose()
    submit_admin(bot, BOSS, idea, bucket="Now")
    assert bot.store.ideas.get(TEAM, idea.id).pinned_bucket is Bucket.NOW
    assert "*Bucket*\nNow (pinned)" in bot.text_of(bot.card(idea))


def test_when_slack_cannot_be_reached_nobody_is_taken_for_an_admin() -> None:
    # is_admin runs inside the admin modal's ack: a refused connection must be a refusal,
    # not an exception that leaves the submission unanswered.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    client = WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", timeout=2)
    admins = Admins(client, [BOSS])
    assert admins.is_admin(BOSS)
    assert not admins.is_admin("U0NOBODY")
