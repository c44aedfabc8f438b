"""Everyday upkeep from Slack: edit, withdraw, close, find again and +1, through the real app."""

from __future__ import annotations

import json

from slack_helpers import BOSS, CHANNEL, TEAM, Bot, pain_values

from bot.demo.transcript import transcript
from bot.sandbox.slack import plain_text_value
from bot.slack.ids import Action, Block, View
from prioritize.models import IdeaStatus, PainStatus

LONG = "The invoice PDF is unreadable. " * 120  # 3,720 characters: more than a form shows


def pain_form(text: str | None) -> dict:
    return pain_values(text, severity="5")


def open_home(bot: Bot, user: str) -> dict:
    bot.people.open_home(user)
    bot.settle()
    home = bot.slack.home(user)
    assert home is not None
    return home


def triage(bot: Bot, user: str, choice: str) -> None:
    home = open_home(bot, user)
    reply = bot.people.block_action(user, Action.PAIN_TRIAGE, choice, view=home)
    assert reply.status == 200
    bot.settle()


def test_the_reporter_edits_a_pain_point_from_app_home_and_the_edit_is_kept_in_history(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    home = open_home(bot, "U0BEN")
    assert "Search pain points" in bot.text_of(home)
    bot.people.block_action("U0BEN", Action.PAIN_TRIAGE, "edit:1", view=home)
    bot.settle()
    assert bot.slack.modal("U0BEN")["callback_id"] == View.PAIN_EDIT
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN_EDIT, pain_form("Trial expiry surprises admins")
    )
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    pain = bot.store.pains.get(TEAM, 1)
    assert (pain.stage, pain.severity) == ("Onboarding", 5)
    [edit] = bot.services.editing.history_of(TEAM, "pain", 1)
    assert edit["by"] == "U0BEN"
    assert edit["changes"] == {
        "stage": ["Awareness", "Onboarding"],
        "severity": [3, 5],
        "source": [None, "customer said"],
    }
    assert "text" not in edit["changes"]  # unchanged fields are not written


def test_a_text_longer_than_the_form_shows_is_kept_whole_and_the_form_says_so(bot: Bot) -> None:
    pain = bot.services.log_pain_point(TEAM, "U0BEN", LONG).pain
    bot.slash("U0BEN", "/pain", "something else entirely")
    bot.click_confirmation("U0BEN", "U0BEN", Action.PAIN_DETAILS, str(pain.id))
    modal = bot.slack.modal("U0BEN")
    assert "Slack's form shows only the first 3,000" in bot.text_of(modal)
    shown = modal["blocks"][0]["element"]["initial_value"]
    reply = bot.people.view_submission("U0BEN", View.PAIN_EDIT, pain_form(shown))
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    stored = bot.store.pains.get(TEAM, pain.id)
    assert stored.text == LONG.strip()
    assert stored.severity == 5


def test_someone_else_editing_through_a_crafted_request_is_refused_and_nothing_changes(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    reply = bot.people.view_submission(
        "U0DAN",
        View.PAIN_EDIT,
        pain_form("Hijacked"),
        private_metadata=json.dumps({"pain_id": 1}),
    )
    errors = json.loads(reply.body)["errors"]
    assert "Only the person who logged pain point #1" in errors[Block.TEXT]
    assert bot.store.pains.get(TEAM, 1).text == "Trial expiry surprises admins"
    assert bot.services.editing.history_of(TEAM, "pain", 1) == []


def test_an_edit_that_empties_the_text_is_refused_on_its_field(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN_EDIT, pain_form(None), private_metadata=json.dumps({"pain_id": 1})
    )
    assert "must not be empty" in json.loads(reply.body)["errors"][Block.TEXT]
    assert bot.store.pains.get(TEAM, 1).text == "Trial expiry surprises admins"


def test_a_pain_point_of_another_workspace_cannot_be_edited(bot: Bot) -> None:
    bot.services.log_pain_point("T0OTHER", "U0BEN", "Someone else's problem")
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN_EDIT, pain_form("Mine now"), private_metadata=json.dumps({"pain_id": 1})
    )
    assert "does not exist" in json.loads(reply.body)["errors"][Block.TEXT]
    assert bot.store.pains.get("T0OTHER", 1).text == "Someone else's problem"


def test_the_reporter_withdraws_and_an_admin_closes_reopens_and_archives(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    triage(bot, "U0BEN", "Withdrawn:1")
    assert bot.store.pains.get(TEAM, 1).status is PainStatus.WITHDRAWN
    triage(bot, "U0BEN", "Closed:1")
    assert "Only journeybot admins and workspace admins" in bot.text_of(bot.slack.dms("U0BEN")[-1])
    assert bot.store.pains.get(TEAM, 1).status is PainStatus.WITHDRAWN
    for status in (PainStatus.OPEN, PainStatus.CLOSED, PainStatus.ARCHIVED):
        bot.services.editing.set_pain_status(TEAM, BOSS, 1, status)
        assert bot.store.pains.get(TEAM, 1).status is status
    # Never deleted, kept with its history, and off the heat table.
    assert [
        e["changes"]["status"][1] for e in bot.services.editing.history_of(TEAM, "pain", 1)
    ] == [
        "Withdrawn",
        "Open",
        "Closed",
        "Archived",
    ]
    assert sum(row.open_pain_points for row in bot.services.heat(TEAM).stages) == 0


def test_an_admin_closing_someones_pain_point_tells_its_reporter_in_a_dm(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    triage(bot, BOSS, "Closed:1")
    assert bot.store.pains.get(TEAM, 1).status is PainStatus.CLOSED
    told = [bot.text_of(m) for m in bot.slack.dms("U0BEN")]
    assert any(f"<@{BOSS}> closed your pain point *#1*:" in t for t in told), told
    triage(bot, BOSS, "Open:1")
    triage(bot, BOSS, "Closed:1")
    assert sum("closed your pain point" in bot.text_of(m) for m in bot.slack.dms("U0BEN")) == 2


def test_the_proposer_edits_an_idea_from_the_cards_menu_and_the_card_follows(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Guided onboarding checklist")
    reply = bot.people.block_action(
        "U0BEN", Action.IDEA_ADMIN, f"edit:{idea.id}", channel=CHANNEL, message_ts=idea.card_ts
    )
    assert reply.status == 200
    bot.settle()
    assert bot.slack.modal("U0BEN")["callback_id"] == View.IDEA_EDIT
    values = {
        Block.TITLE: {Block.TITLE: plain_text_value("Guided setup checklist")},
        Block.DESCRIPTION: {Block.DESCRIPTION: plain_text_value(None)},
        Block.PAIN_POINTS: {
            Action.PAIN_SEARCH: {"type": "multi_external_select", "selected_options": []}
        },
    }
    reply = bot.people.view_submission("U0BEN", View.IDEA_EDIT, values)
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    assert bot.store.ideas.get(TEAM, idea.id).title == "Guided setup checklist"
    assert "Guided setup checklist" in bot.text_of(bot.card(idea))
    [edit] = bot.services.editing.history_of(TEAM, "idea", idea.id)
    assert edit["changes"] == {"title": ["Guided onboarding checklist", "Guided setup checklist"]}


def test_someone_else_opening_an_ideas_edit_form_is_told_who_may(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Guided onboarding checklist")
    bot.people.block_action(
        "U0DAN", Action.IDEA_ADMIN, f"edit:{idea.id}", channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    assert bot.slack.modal("U0DAN") is None
    said = bot.text_of(bot.slack.ephemerals("U0DAN")[-1])
    assert f"Only the person who proposed idea #{idea.id}" in said


def test_an_archived_idea_leaves_the_roadmap_but_is_kept(bot: Bot) -> None:
    idea = bot.propose("U0BEN", "Guided onboarding checklist")
    bot.services.editing.archive_idea(TEAM, BOSS, idea.id)
    bot.settle()
    assert bot.store.ideas.get(TEAM, idea.id).status is IdeaStatus.ARCHIVED
    [entry] = bot.services.roadmap(TEAM)
    assert entry.item.bucket is None


def test_pain_search_answers_privately_with_plus_one_and_propose_buttons(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Invoices arrive as blurry scans")
    bot.slash("U0BEN", "/pain", "Password reset email never arrives")
    reply = bot.slash("U0CHLOE", "/pain", "search invoice")
    assert reply.status == 200
    answer = bot.slack.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    text = bot.text_of(answer)
    assert "#1" in text and "Password reset" not in text
    assert len(bot.store.pains.all(TEAM)) == 2  # a search is not logged as a pain point
    bot.people.block_action(
        "U0CHLOE", Action.PAIN_PLUS_ONE, "1", channel=CHANNEL, message_ts=answer.get("ts", "1.0")
    )
    bot.settle()
    assert bot.store.pains.votes(1) == 1
    assert "2 people now" in bot.slack.responses()[-1]["text"]


def test_pain_list_filters_by_stage_and_mine_and_pages(bot: Bot) -> None:
    for n in range(12):
        bot.services.log_pain_point(
            TEAM, "U0BEN", f"Onboarding problem number {n}", stage="Onboarding"
        )
    bot.services.log_pain_point(TEAM, "U0DAN", "Another onboarding problem", stage="Onboarding")
    bot.services.log_pain_point(TEAM, "U0BEN", "An awareness problem")
    bot.slash("U0BEN", "/pain", "list stage:onboarding mine")
    answer = bot.slack.responses()[-1]
    assert "12 pain points" in bot.text_of(answer)
    assert "Page 1 of 2" in bot.text_of(answer)
    assert "awareness" not in bot.text_of(answer).casefold()
    assert len(bot.store.pains.all(TEAM)) == 14


def test_a_search_for_a_star_or_2000_characters_gets_a_clear_message(bot: Bot) -> None:
    star = bot.people.slash("U0BEN", "/pain", "search *")
    assert "give words to look for" in json.loads(star.body)["text"]
    long = bot.people.slash("U0BEN", "/pain", "search " + "x" * 2000)
    assert "at most 200 characters, not 2,000" in json.loads(long.body)["text"]
    assert bot.store.pains.all(TEAM) == []


def test_propose_an_idea_for_a_found_pain_point_links_it_and_shows_similar_ideas(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "Invoices arrive as blurry scans")
    bot.propose("U0DAN", "Send invoices as crisp PDFs")
    bot.slash("U0CHLOE", "/pain", "search invoices")
    answer = bot.slack.responses()[-1]
    bot.people.block_action(
        "U0CHLOE", Action.PAIN_PROPOSE, "1", channel=CHANNEL, message_ts=answer.get("ts", "1.0")
    )
    bot.settle()
    modal = bot.slack.modal("U0CHLOE")
    assert modal["callback_id"] == View.IDEA
    text = bot.text_of(modal)
    assert "Similar ideas already exist" in text and "Send invoices as crisp PDFs" in text
    [pains] = [b for b in modal["blocks"] if b.get("block_id") == Block.PAIN_POINTS]
    assert [o["value"] for o in pains["element"]["initial_options"]] == ["1"]


def test_app_home_search_opens_a_form_whose_results_replace_it(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Invoices arrive as blurry scans")
    home = open_home(bot, "U0BEN")
    bot.people.block_action("U0BEN", Action.HOME_SEARCH, "search", view=home)
    bot.settle()
    assert bot.slack.modal("U0BEN")["callback_id"] == View.PAIN_SEARCH
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN_SEARCH, {Block.SEARCH: {Block.SEARCH: plain_text_value("invoices")}}
    )
    body = json.loads(reply.body)
    assert body["response_action"] == "update"
    assert "Invoices arrive as blurry scans" in bot.text_of(body["view"])


def test_idea_with_a_title_shows_similar_ideas_above_the_form_and_still_posts(bot: Bot) -> None:
    bot.propose("U0DAN", "Send invoices as crisp PDFs")
    bot.slash("U0BEN", "/idea", "PDF invoices")
    modal = bot.slack.modal("U0BEN")
    assert "Similar ideas already exist" in bot.text_of(modal)
    assert "#1" in bot.text_of(modal)
    posted = bot.propose("U0BEN", "PDF invoices")
    assert posted.id == 2


def idea_form(title: str | None) -> dict:
    return {
        Block.TITLE: {Block.TITLE: plain_text_value(title)},
        Block.DESCRIPTION: {Block.DESCRIPTION: plain_text_value(None)},
        Block.PAIN_POINTS: {
            Action.PAIN_SEARCH: {"type": "multi_external_select", "selected_options": []}
        },
    }


def test_a_crafted_idea_edit_by_someone_else_or_with_an_empty_title_changes_nothing(
    bot: Bot,
) -> None:
    idea = bot.propose("U0BEN", "Guided onboarding checklist")
    meta = json.dumps({"idea_id": idea.id})
    crafted = bot.people.view_submission(
        "U0DAN", View.IDEA_EDIT, idea_form("Hijacked"), private_metadata=meta
    )
    assert "Only the person who proposed idea #1" in json.loads(crafted.body)["errors"][Block.TITLE]
    empty = bot.people.view_submission(
        "U0BEN", View.IDEA_EDIT, idea_form(None), private_metadata=meta
    )
    assert "must not be empty" in json.loads(empty.body)["errors"][Block.TITLE]
    assert bot.store.ideas.get(TEAM, idea.id).title == "Guided onboarding checklist"
    assert bot.services.editing.history_of(TEAM, "idea", idea.id) == []


def test_an_admin_may_edit_anyones_pain_point_and_archive_an_idea_from_the_status_menu(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    edited = bot.services.editing.edit_pain(TEAM, BOSS, 1, severity=4)
    assert edited.changed == ("severity",)
    idea = bot.propose("U0BEN", "Guided onboarding checklist")
    bot.services.manage(TEAM, idea.id, BOSS, status="Archived")
    bot.settle()
    assert bot.store.ideas.get(TEAM, idea.id).status is IdeaStatus.ARCHIVED
    assert "*Status*\nArchived" in bot.text_of(bot.card(idea))


def test_private_answers_to_slash_commands_reach_the_transcript_labelled_private(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "search *")  # answered in the ack
    bot.slash("U0BEN", "/pain", "list")  # answered on the response_url
    calls = sorted([*bot.slack.calls, *bot.slack.response_calls], key=lambda c: c.at)
    md = transcript(calls, name_of=lambda i: {"U0BEN": "@Ben", CHANNEL: "#roadmap"}.get(i, i))
    assert md.count("## answered @Ben privately in #roadmap (only they see it)") == 2
    assert "give words to look for" in md and "0 pain points logged" in md


def test_next_shows_the_second_page_in_place(bot: Bot) -> None:
    for n in range(12):
        bot.services.log_pain_point(TEAM, "U0BEN", f"Checkout problem number {n}")
    bot.slash("U0CHLOE", "/pain", "search checkout")
    first = bot.slack.responses()[-1]
    assert "showing 1–10" in bot.text_of(first)
    [pages] = [b for b in first["blocks"] if b.get("block_id") == "found:pages"]
    [next_button] = pages["elements"]
    bot.people.block_action(
        "U0CHLOE", Action.PAIN_PAGE, next_button["value"], channel=CHANNEL, message_ts="1.0"
    )
    bot.settle()
    second = bot.slack.responses()[-1]
    assert second["replace_original"] is True
    assert "showing 11–12" in bot.text_of(second) and "Page 2 of 2" in bot.text_of(second)


def test_enter_in_the_idea_title_lists_similar_ideas_and_keeps_the_form_open(bot: Bot) -> None:
    bot.propose("U0DAN", "Send invoices as crisp PDFs")
    bot.slash("U0BEN", "/idea")
    modal = bot.slack.modal("U0BEN")
    assert "Similar ideas" not in bot.text_of(modal)
    reply = bot.people.block_action("U0BEN", Action.IDEA_TITLE, "PDF invoices", view=modal)
    assert reply.status == 200
    bot.settle()
    updated = bot.slack.modal("U0BEN")
    assert updated["id"] == modal["id"] and updated["callback_id"] == View.IDEA
    assert "Similar ideas already exist" in bot.text_of(updated)
    assert "Send invoices as crisp PDFs" in bot.text_of(updated)
    assert bot.propose("U0BEN", "PDF invoices").id == 2  # still posts: suggest, never block
