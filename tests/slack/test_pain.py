"""Pain points from Slack: /pain, its modal, the detail pickers, look-alikes, the shortcut."""

from __future__ import annotations

import json

from slack_helpers import TEAM, Bot, pain_values

from bot.slack.ids import Action, Block, Shortcut, View
from prioritize.models import EvidenceSource, PainStatus


def test_pain_with_text_is_logged_at_once_and_confirmed_ephemerally(bot: Bot) -> None:
    reply = bot.slash("U0BEN", "/pain", "Invoices are emailed as blurry scans")
    assert reply.body == ""  # the ack is empty; the answer follows on the response_url
    [pain] = bot.store.pains.all(TEAM)
    assert (pain.reporter, pain.text, pain.stage) == (
        "U0BEN",
        "Invoices are emailed as blurry scans",
        "Awareness",
    )
    [response] = bot.slack.responses()
    assert response["response_type"] == "ephemeral"
    assert "Logged pain point *#1*" in json.dumps(response["blocks"])
    assert bot.slack.count("chat.postMessage") == 0  # nothing in the channel


def test_pain_suggests_a_similar_open_one_and_plus_one_instead_closes_the_new_one(
    bot: Bot,
) -> None:
    bot.slash("U0BEN", "/pain", "Password reset email never arrives for new users")
    bot.slash("U0CHLOE", "/pain", "New users say the password reset email never arrives")
    confirmation = bot.slack.ephemerals("U0CHLOE")[-1]
    assert "This looks like *#1*" in json.dumps(confirmation["blocks"])
    reply = bot.people.block_action(
        "U0CHLOE", Action.PAIN_ME_TOO, "1:2", channel="C0ROADMAP", message_ts=confirmation["ts"]
    )
    assert reply.status == 200
    bot.settle()
    assert bot.store.pains.votes(1) == 1
    assert bot.store.pains.get(TEAM, 2).status is PainStatus.CLOSED
    assert "Counted: you hit pain point *#1* too" in bot.slack.responses()[-1]["text"]


def test_someone_else_cannot_close_your_pain_point_with_plus_one_instead(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Password reset email never arrives for new users")
    bot.slash("U0CHLOE", "/pain", "New users say the password reset email never arrives")
    bot.click_confirmation("U0CHLOE", "U0DAN", Action.PAIN_ME_TOO, "1:2")
    assert bot.store.pains.get(TEAM, 2).status is PainStatus.OPEN
    assert bot.store.pains.votes(1) == 0


def test_detail_pickers_update_the_pain_point_and_redraw_the_confirmation(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    confirmation = bot.slack.ephemerals("U0BEN")[-1]
    for action_id, value in ((Action.PAIN_STAGE, "Retention"), (Action.PAIN_SEVERITY, "5")):
        reply = bot.people.block_action(
            "U0BEN", action_id, value, channel="C0ROADMAP", message_ts=confirmation["ts"]
        )
        assert reply.status == 200
        bot.settle()
    pain = bot.store.pains.get(TEAM, 1)
    assert (pain.stage, pain.severity) == ("Retention", 5)
    last = bot.slack.responses()[-1]
    assert last["replace_original"] is True
    assert "Stage *Retention* · severity 5" in json.dumps(last["blocks"], ensure_ascii=False)


def test_evidence_and_more_opens_the_prefilled_edit_modal_and_saving_updates(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial expiry surprises admins")
    bot.click_confirmation("U0BEN", "U0BEN", Action.PAIN_DETAILS, "1")
    modal = bot.slack.modal("U0BEN")
    assert modal["callback_id"] == View.PAIN_EDIT
    link = {Block.LINK: {"type": "url_text_input", "value": "https://tickets.example/42"}}
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN_EDIT, pain_values("Trial expiry surprises admins", **{Block.LINK: link})
    )
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    pain = bot.store.pains.get(TEAM, 1)
    assert pain.link == "https://tickets.example/42"
    assert pain.source is EvidenceSource.CUSTOMER_SAID


def test_pain_without_text_opens_the_modal_and_its_submission_is_stored(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain")
    assert bot.slack.modal("U0BEN")["callback_id"] == View.PAIN
    reply = bot.people.view_submission("U0BEN", View.PAIN, pain_values("SSO setup docs are stale"))
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    [pain] = bot.store.pains.all(TEAM)
    assert (pain.stage, pain.severity, pain.source) == (
        "Onboarding",
        4,
        EvidenceSource.CUSTOMER_SAID,
    )
    # The confirmation goes to the channel the command came from, ephemerally.
    assert "SSO setup docs are stale" in bot.slack.ephemerals("U0BEN")[-1]["text"]


def test_modal_problems_come_back_inline_on_their_field(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain")
    bad_link = {Block.LINK: {"type": "url_text_input", "value": "ftp://files.example/x"}}
    reply = bot.people.view_submission(
        "U0BEN", View.PAIN, pain_values("Docs are stale", **{Block.LINK: bad_link})
    )
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [Block.LINK]
    assert bot.store.pains.all(TEAM) == []
    assert bot.slack.modal("U0BEN") is not None  # still open, for the fix


def test_submitting_the_same_modal_twice_stores_one_pain_point(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain")
    view_id = bot.slack.modal("U0BEN")["id"]
    for _ in range(2):
        bot.people.view_submission("U0BEN", View.PAIN, pain_values("Docs stale"), view_id=view_id)
    bot.settle()
    assert len(bot.store.pains.all(TEAM)) == 1


def test_a_40000_character_pain_point_gets_a_clear_answer_and_nothing_is_stored(
    bot: Bot,
) -> None:
    reply = bot.slash("U0BEN", "/pain", "x" * 40_000)
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert "40,000 characters" in answer["text"] and "at most 4,000" in answer["text"]
    assert "Nothing was stored" in answer["text"]
    assert bot.store.pains.all(TEAM) == []


def test_a_channel_ping_typed_into_pain_is_escaped_when_echoed(bot: Bot) -> None:
    # Slack sends what people type with &, < and > escaped; the bot stores the plain text
    # and escapes it again whenever it shows it.
    bot.slash("U0BEN", "/pain", "&lt;!channel&gt; checkout is down &amp; <!here> too")
    [pain] = bot.store.pains.all(TEAM)
    assert pain.text == "<!channel> checkout is down & @here too"
    echoed = json.dumps(bot.slack.responses()[-1])
    assert "<!channel>" not in echoed and "<!here>" not in echoed
    assert "&lt;!channel&gt; checkout is down &amp; @here too" in echoed


def test_quoting_ones_own_message_adds_no_author_line(bot: Bot) -> None:
    quote = bot.slack.post_as_user("U0CHLOE", "C0GENERAL", "Customers cannot find export")
    bot.people.message_shortcut(
        "U0CHLOE", Shortcut.LOG_PAIN, channel="C0GENERAL", message_ts=quote["ts"]
    )
    bot.settle()
    blocks = {b.get("block_id"): b for b in bot.slack.modal("U0CHLOE")["blocks"]}
    assert blocks[Block.TEXT]["element"]["initial_value"] == "Customers cannot find export"


def test_the_message_shortcut_prefills_the_modal_with_its_author_and_keeps_the_permalink(
    bot: Bot,
) -> None:
    quote = bot.slack.post_as_user(
        "U0CHLOE", "C0GENERAL", "Customer: &quot;I could not find the export button&quot;"
    )
    reply = bot.people.message_shortcut(
        "U0BEN", Shortcut.LOG_PAIN, channel="C0GENERAL", message_ts=quote["ts"]
    )
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    modal = bot.slack.modal("U0BEN")
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    text = blocks[Block.TEXT]["element"]["initial_value"]
    assert text == 'Customer: "I could not find the export button"\n— chloe'
    link = blocks[Block.LINK]["element"]["initial_value"]
    assert link.startswith("https://sandbox.slack.com/archives/C0GENERAL/p")
    assert blocks[Block.SOURCE]["element"]["initial_option"]["value"] == "customer said"
    submitted = pain_values(
        "Could not find the export button",
        **{Block.LINK: {Block.LINK: {"type": "url_text_input", "value": link}}},
    )
    bot.people.view_submission("U0BEN", View.PAIN, submitted)
    bot.settle()
    [pain] = bot.store.pains.all(TEAM)
    assert pain.link == link
