"""The journey questions in Slack, the evidence buttons of /pain, and "Is this better now?"."""

from __future__ import annotations

import json
from typing import Any

from helpers import wait_for
from slack_helpers import BOSS, TEAM, Bot

from bot.sandbox.slack import plain_text_value, static_select_value
from bot.slack.blocks.kit import LIMITS
from bot.slack.blocks.questions import QUESTIONS
from bot.slack.ids import Action, Block, View
from prioritize.models import EvidenceSource, IdeaStatus
from prioritize.outcomes import SurveyAnswer


def texts(node: Any) -> list[str]:
    """Every "text" string in a Block Kit tree."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found += texts(value)
    elif isinstance(node, list):
        for value in node:
            found += texts(value)
    return found


# ---------------------------------------------------------------- /journey questions


def test_journey_questions_answers_privately_one_section_per_question(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Checkout fails on mobile")
    bot.propose("U0BEN", "One-page checkout", pain_ids=(1,), impact=4, complexity=1, weeks="1w")
    reply = bot.slash("U0CHLOE", "/journey", "questions")
    assert reply.body == ""
    answer = bot.slack.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    text = bot.text_of(answer)
    for n, question in enumerate(QUESTIONS, start=1):
        assert f"*{n}. {question}*" in text
    assert "#1 *One-page checkout* · impact 4" in text
    assert "quick win" in text
    assert bot.slack.count("chat.postMessage") == 1  # only the idea's card; nothing public


def test_journey_questions_stay_within_block_kit_limits_with_many_long_ideas(bot: Bot) -> None:
    for n in range(20):
        bot.services.log_pain_point(
            TEAM, "U0BEN", f"Pain {n} " + "x" * 3000, stage="Purchase",
            touchpoint=("Checkout", "Billing", "Docs")[n % 3] if n < 9 else None, severity=5,
        )  # fmt: skip
    for n in range(12):
        bot.services.propose_idea(
            TEAM, "U0BEN", f"Idea {n} " + "y" * 140, pain_point_ids=[n + 1],
            impact=5, complexity=1 + n % 5, weeks=1 + n,
        )  # fmt: skip
    bot.slash("U0CHLOE", "/journey", "questions")
    answer = bot.slack.responses()[-1]
    # The emulator refuses what Slack refuses; check the limits here too.
    assert len(answer["blocks"]) <= LIMITS.MESSAGE_BLOCKS
    assert all(len(t) <= LIMITS.SECTION for t in texts(answer["blocks"]))
    assert sum(b["type"] == "header" for b in answer["blocks"]) == 1


def test_journey_questions_in_an_empty_workspace_say_what_is_missing(bot: Bot) -> None:
    bot.slash("U0BEN", "/journey", "questions")
    text = bot.text_of(bot.slack.responses()[-1])
    assert "no active ideas yet: propose one with /idea" in text
    assert "no pain points yet: log one with /pain" in text


def test_journey_help_mentions_the_questions(bot: Bot) -> None:
    assert "/journey questions" in bot.slash("U0BEN", "/journey", "help").json()["text"]


def test_app_home_has_a_journey_questions_section(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Checkout fails on mobile")
    bot.people.open_home("U0BEN")
    bot.settle()
    home = bot.slack.home("U0BEN")
    assert home is not None
    text = bot.text_of(home)
    assert "Journey questions" in text
    for n, question in enumerate(QUESTIONS, start=1):
        assert f"*{n}. {question}*" in text
    assert "weakest: Awareness" in text
    assert len(home["blocks"]) <= LIMITS.VIEW_BLOCKS


# ---------------------------------------------------------------- evidence on /pain


def test_pain_is_unknown_until_one_click_says_what_backs_it(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    assert bot.store.pains.get(TEAM, 1).source is None
    confirmation = bot.slack.ephemerals("U0BEN")[-1]
    assert "evidence unknown" in bot.text_of(confirmation)
    buttons = {
        e["action_id"]: e
        for b in confirmation["blocks"]
        if b.get("block_id") == f"{Block.PAIN_SOURCE}:1"
        for e in b["elements"]
    }
    assert set(buttons) == {Action.PAIN_SAID, Action.PAIN_OBSERVED, Action.PAIN_INTERNAL}
    reply = bot.people.block_action(
        "U0BEN", Action.PAIN_OBSERVED, "1", channel="C0ROADMAP", message_ts=confirmation["ts"]
    )
    assert reply.status == 200
    # Stored before the ack: no waiting for the redraw to find it.
    assert bot.store.pains.get(TEAM, 1).source is EvidenceSource.OBSERVED
    bot.settle()
    redrawn = bot.slack.responses()[-1]
    assert redrawn["replace_original"] is True
    assert "evidence observed behaviour" in bot.text_of(redrawn)
    chosen = [
        e["action_id"]
        for b in redrawn["blocks"]
        if b.get("block_id") == f"{Block.PAIN_SOURCE}:1"
        for e in b["elements"]
        if e.get("style") == "primary"
    ]
    assert chosen == [Action.PAIN_OBSERVED]


def test_someone_else_cannot_set_the_evidence_of_your_pain_point(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    bot.click_confirmation("U0BEN", "U0DAN", Action.PAIN_INTERNAL, "1")
    assert bot.store.pains.get(TEAM, 1).source is None
    assert "only the person who logged it" in bot.slack.responses()[-1]["text"]


def test_the_pain_modal_left_without_evidence_stores_unknown(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain")
    modal = bot.slack.modal("U0BEN")
    source = next(b for b in modal["blocks"] if b.get("block_id") == Block.SOURCE)
    assert source["optional"] is True and "initial_option" not in source["element"]
    values = {
        Block.TEXT: {Block.TEXT: plain_text_value("SSO docs are stale")},
        Block.STAGE: {Block.STAGE: static_select_value("Onboarding")},
        Block.SEVERITY: {Block.SEVERITY: static_select_value("3")},
        Block.LINK: {Block.LINK: {"type": "url_text_input", "value": None}},
    }
    reply = bot.people.view_submission("U0BEN", View.PAIN, values)
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    [pain] = bot.store.pains.all(TEAM)
    assert pain.source is None


# ---------------------------------------------------------------- did it work?


def ship(bot: Bot, clock: Any) -> int:
    """Ben reports, Chloé says me too, Dan (DMs off) reports: the idea is Done now."""
    bot.slash("U0BEN", "/pain", "Checkout fails on mobile")
    bot.slash("U0DAN", "/pain", "Card declined for nothing")
    bot.services.me_too(TEAM, "U0CHLOE", 1)
    bot.slash("U0DAN", "/journey", "notify off")
    idea = bot.propose("U0EVE", "Retry payments", pain_ids=(1, 2))
    clock.tick(hours=1)
    bot.services.change_status(TEAM, idea.id or 0, IdeaStatus.DONE, by=BOSS)
    bot.settle()
    return idea.id or 0


def survey_dms(bot: Bot, user: str) -> list[dict[str, Any]]:
    return [m for m in bot.slack.dms(user) if "Is this better now?" in bot.text_of(m)]


def test_is_this_better_now_is_asked_by_dm_and_answered_in_one_click(bot: Bot, clock: Any) -> None:
    idea_id = ship(bot, clock)
    clock.tick(days=14)
    # What the scheduled job does: the use case decides who is due.
    assert bot.services.ask_if_better(TEAM) == 2
    [dm] = wait_for(lambda: survey_dms(bot, "U0BEN"))
    wait_for(lambda: survey_dms(bot, "U0CHLOE"))
    assert survey_dms(bot, "U0DAN") == [] and survey_dms(bot, "U0EVE") == []
    assert "Retry payments" in bot.text_of(dm) and "shipped 14 days ago" in bot.text_of(dm)
    actions = next(b for b in dm["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        Action.SURVEY_YES,
        Action.SURVEY_NOT_YET,
        Action.SURVEY_WORSE,
    ]
    reply = bot.people.block_action(
        "U0BEN", Action.SURVEY_YES, str(idea_id), channel=dm["channel"], message_ts=dm["ts"]
    )
    assert reply.status == 200
    assert bot.services.surveys.answers(TEAM) == {idea_id: [SurveyAnswer.YES]}
    bot.settle()
    thanks = bot.slack.responses()[-1]
    assert thanks["replace_original"] is True
    assert "you said *yes*" in bot.text_of(thanks)
    # Asked once: the next run asks nobody again.
    assert bot.services.ask_if_better(TEAM) == 0


def test_someone_not_asked_cannot_answer_for_an_idea(bot: Bot, clock: Any) -> None:
    idea_id = ship(bot, clock)
    clock.tick(days=14)
    bot.services.ask_if_better(TEAM)
    [dm] = wait_for(lambda: survey_dms(bot, "U0BEN"))
    bot.people.block_action(
        "U0EVE", Action.SURVEY_WORSE, str(idea_id), channel=dm["channel"], message_ts=dm["ts"]
    )
    bot.settle()
    assert bot.services.surveys.answers(TEAM) == {}
    assert "only the people asked" in bot.slack.responses()[-1]["text"]


def test_a_person_who_turns_dms_off_after_being_queued_gets_no_survey(bot: Bot, clock: Any) -> None:
    ship(bot, clock)
    clock.tick(days=14)
    with bot.services.store.transaction():
        # Queued and opted out in the same breath: delivery checks again.
        bot.services.ask_if_better(TEAM)
        bot.services.store.people.set_notify(TEAM, "U0CHLOE", False)
    wait_for(lambda: survey_dms(bot, "U0BEN"))
    bot.settle()
    assert survey_dms(bot, "U0CHLOE") == []


def test_the_card_of_a_done_idea_shows_its_outcome_with_the_figures(bot: Bot, clock: Any) -> None:
    idea_id = ship(bot, clock)
    idea = bot.store.ideas.get(TEAM, idea_id)
    assert "too early to tell: shipped today" in bot.text_of(bot.card(idea))
    clock.tick(days=14)
    bot.services.ask_if_better(TEAM)
    dms = {}
    for user in ("U0BEN", "U0CHLOE"):
        [dms[user]] = wait_for(lambda user=user: survey_dms(bot, user))
        bot.people.block_action(
            user,
            Action.SURVEY_YES,
            str(idea_id),
            channel=dms[user]["channel"],
            message_ts=dms[user]["ts"],
        )
    bot.settle()
    assert "too early to tell" in bot.text_of(bot.card(idea))
    clock.tick(days=14)
    # An answer redraws the card: one given after four weeks shows the verdict.
    dm = dms["U0BEN"]
    bot.people.block_action(
        "U0BEN", Action.SURVEY_YES, str(idea_id), channel=dm["channel"], message_ts=dm["ts"]
    )
    bot.settle()
    card = wait_for(lambda: "worked:" in bot.text_of(bot.card(idea)) and bot.card(idea))
    text = bot.text_of(card)
    assert "*Did it work?*" in text and "asked, 2 yes" in text
    summary = json.dumps(card["blocks"])
    assert "new pain points a week since shipping" in summary
