"""Ideas from Slack: /idea, the card, +1, estimates, "why", votes in threads, reactions."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from slack_helpers import CHANNEL, TEAM, Bot, BotFactory

from bot.sandbox.slack import plain_text_value, static_select_value
from bot.slack.ids import Action, Block, View
from bot.slack.outbound import ACK_REACTION
from prioritize.config import Criterion, JourneyConfig


def test_idea_opens_a_modal_prefilled_with_the_title_and_matching_pain_points(bot: Bot) -> None:
    bot.slash("U0CHLOE", "/pain", "Admins cannot find the SSO settings page")
    bot.slash("U0BEN", "/idea", "Link the SSO settings for admins")
    modal = bot.slack.modal("U0BEN")
    assert modal["callback_id"] == View.IDEA
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[Block.TITLE]["element"]["initial_value"] == "Link the SSO settings for admins"
    assert [o["value"] for o in blocks[Block.PAIN_POINTS]["element"]["initial_options"]] == ["1"]


def test_submitting_an_idea_stores_it_and_posts_its_card_in_the_roadmap_channel(
    bot: Bot,
) -> None:
    bot.slash("U0CHLOE", "/pain", "Admins cannot find the SSO settings page")
    idea = bot.propose(
        "U0BEN", "Link SSO settings", pain_ids=(1,), impact=4, complexity=2, weeks="3w"
    )
    assert idea.pain_point_ids == [1]
    assert idea.card_channel == CHANNEL
    [estimate] = bot.store.votes.estimates(idea.id)
    assert (estimate.voter, estimate.impact, estimate.complexity, estimate.weeks) == (
        "U0BEN",
        4,
        2,
        3.0,
    )
    card = bot.card(idea)
    assert "#1 Link SSO settings" in bot.text_of(card)
    assert "*Pain points*\n1 linked (severity 3)" in bot.text_of(card)
    # One post, and no redundant update of a card that did not change.
    assert bot.slack.count("chat.postMessage") == 1
    assert bot.slack.count("chat.update") == 0


def test_an_idea_proposed_elsewhere_tells_the_proposer_where_its_card_is(bot: Bot) -> None:
    bot.slash("U0BEN", "/idea", "Self-serve plan downgrades", channel="C0GENERAL")
    values = {Block.TITLE: {Block.TITLE: plain_text_value("Self-serve plan downgrades")}}
    bot.people.view_submission("U0BEN", View.IDEA, values)
    bot.settle()
    [told] = bot.slack.ephemerals("U0BEN")
    assert told["channel"] == "C0GENERAL"
    assert "Posted idea *#1* in <#C0ROADMAP>" in told["text"]


def test_idea_modal_problems_show_inline(bot: Bot) -> None:
    bot.slash("U0BEN", "/idea")
    values = {
        Block.TITLE: {Block.TITLE: plain_text_value("Faster invoices")},
        Block.WEEKS: {Block.WEEKS: plain_text_value("soonish")},
    }
    reply = bot.people.view_submission("U0BEN", View.IDEA, values)
    assert reply.json() == {
        "response_action": "errors",
        "errors": {
            Block.WEEKS: "Write a duration like 3w, 10d or 2 months, or a size (XS/S/M/L/XL)."
        },
    }
    assert bot.store.ideas.all(TEAM) == []


def test_plus_one_button_counts_once_even_when_double_clicked(bot: Bot) -> None:
    idea = bot.propose()
    for _ in range(2):
        reply = bot.people.block_action(
            "U0CHLOE", Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
        )
        assert reply.status == 200
    bot.settle()
    assert bot.store.votes.supporters(idea.id) == ["U0CHLOE"]
    assert "*Supporters*\n1" in bot.text_of(bot.card(idea))
    assert bot.slack.count("chat.update") == 1


def test_estimate_button_opens_the_modal_and_saving_it_updates_the_card(bot: Bot) -> None:
    idea = bot.propose()
    bot.people.block_action(
        "U0DAN", Action.IDEA_ESTIMATE, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    assert bot.slack.modal("U0DAN")["callback_id"] == View.ESTIMATE
    values = {
        Block.IMPACT: {Block.IMPACT: static_select_value("5")},
        Block.WEEKS: {Block.WEEKS: plain_text_value("M")},
    }
    reply = bot.people.view_submission("U0DAN", View.ESTIMATE, values)
    assert (reply.status, reply.body) == (200, "")
    bot.settle()
    [estimate] = bot.store.votes.estimates(idea.id)
    assert (estimate.impact, estimate.complexity, estimate.weeks) == (5, None, 3.0)
    assert "*Estimates*\n1: impact 5" in bot.text_of(bot.card(idea))
    # Opening it again starts from the saved estimate.
    bot.people.block_action(
        "U0DAN", Action.IDEA_ESTIMATE, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    blocks = {b.get("block_id"): b for b in bot.slack.modal("U0DAN")["blocks"]}
    assert blocks[Block.IMPACT]["element"]["initial_option"]["value"] == "5"


def test_an_empty_estimate_is_refused_inline(bot: Bot) -> None:
    idea = bot.propose()
    reply = bot.people.view_submission(
        "U0DAN", View.ESTIMATE, {}, private_metadata=json.dumps({"idea_id": idea.id})
    )
    assert reply.json()["errors"] == {
        Block.IMPACT: "Rate at least one of impact, complexity or time to deliver."
    }


def test_raters_limited_to_some_teams_get_an_inline_refusal(make_bot: BotFactory) -> None:
    bot = make_bot(journey=JourneyConfig(raters={Criterion.COMPLEXITY: ["Engineering"]}))
    idea = bot.propose()
    bot.slash("U0DAN", "/journey", "team Sales")
    values = {Block.COMPLEXITY: {Block.COMPLEXITY: static_select_value("2")}}
    reply = bot.people.view_submission(
        "U0DAN", View.ESTIMATE, values, private_metadata=json.dumps({"idea_id": idea.id})
    )
    errors = reply.json()["errors"]
    assert list(errors) == [Block.COMPLEXITY]
    assert (
        "Engineering" in errors[Block.COMPLEXITY] and "you are in Sales" in errors[Block.COMPLEXITY]
    )
    assert bot.store.votes.estimates(idea.id) == []


def test_why_this_score_opens_the_breakdown(bot: Bot) -> None:
    idea = bot.propose(impact=4, complexity=2, weeks="2w")
    bot.people.block_action(
        "U0CHLOE", Action.IDEA_WHY, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    modal = bot.slack.modal("U0CHLOE")
    assert modal["title"]["text"] == "Why this score"
    text = bot.text_of(modal)
    assert "impact 4/5" in text and "needs estimates: 1 of 3" in text
    assert "<@U0BEN>: impact 4 · complexity 2 · 2w" in text


def test_votes_written_in_the_card_thread_count_and_are_acknowledged(bot: Bot) -> None:
    idea = bot.propose()
    replies = {
        "U0CHLOE": "+1",
        "U0DAN": "i4 c2 t3w",
        "U0EVE": "impact: high",
        "U0ADA": "effort L",
    }
    sent = {}
    for user, text in replies.items():
        event = bot.slack.post_as_user(user, CHANNEL, text, thread_ts=idea.card_ts)
        assert bot.people.event(event).status == 200
        sent[user] = event["ts"]
    chatter = bot.slack.post_as_user("U0BEN", CHANNEL, "I love this, let's talk", idea.card_ts)
    bot.people.event(chatter)
    bot.settle()
    assert bot.store.votes.supporters(idea.id) == ["U0CHLOE"]
    estimates = {
        e.voter: (e.impact, e.complexity, e.weeks) for e in bot.store.votes.estimates(idea.id)
    }
    assert estimates == {
        "U0DAN": (4, 2, 3.0),
        "U0EVE": (4, None, None),
        "U0ADA": (None, None, 6.0),
    }
    for ts in sent.values():
        assert [r["name"] for r in bot.slack.reactions(CHANNEL, ts)] == [ACK_REACTION]
    assert bot.slack.reactions(CHANNEL, chatter["ts"]) == []  # left alone
    card = bot.text_of(bot.card(idea))
    assert "*Supporters*\n1" in card and "*Estimates*\n3:" in card


def test_replies_in_threads_that_are_not_idea_cards_are_not_read(bot: Bot) -> None:
    parent = bot.slack.post_as_user("U0BEN", "C0GENERAL", "lunch?")
    bot.slack.reset_calls()
    bot.people.event(bot.slack.post_as_user("U0CHLOE", "C0GENERAL", "+1", parent["ts"]))
    bot.people.event(bot.slack.post_as_user("U0CHLOE", "C0GENERAL", "i4 c2"))
    bot.settle()
    assert bot.slack.calls == []


def test_votes_from_another_workspace_on_a_card_are_not_read(bot: Bot) -> None:
    idea = bot.propose()
    other = bot.people_of("T0OTHER")
    other.reply_in_thread("U0EVE", CHANNEL, idea.card_ts or "", "+1")
    other.react("U0DAN", CHANNEL, idea.card_ts or "")
    bot.settle()
    assert bot.store.votes.supporters(idea.id) == []
    # Not even a "your vote was not counted" that names the other workspace's idea.
    assert bot.slack.ephemerals("U0EVE") == []
    assert bot.slack.count("reactions.add") == 0


def test_a_thread_vote_that_is_not_allowed_gets_an_ephemeral_explanation(
    make_bot: BotFactory,
) -> None:
    bot = make_bot(journey=JourneyConfig(raters={Criterion.IMPACT: ["Support"]}))
    idea = bot.propose()
    event = bot.slack.post_as_user("U0DAN", CHANNEL, "impact 5", thread_ts=idea.card_ts)
    bot.people.event(event)
    bot.settle()
    [told] = bot.slack.ephemerals("U0DAN")
    assert told["thread_ts"] == idea.card_ts
    assert "impact is rated by Support" in told["text"]
    assert bot.slack.reactions(CHANNEL, event["ts"]) == []


def test_the_same_event_delivered_three_times_counts_once(bot: Bot) -> None:
    idea = bot.propose()
    event = bot.slack.post_as_user("U0CHLOE", CHANNEL, "i5 c1", thread_ts=idea.card_ts)
    for retry in (None, 1, 2):
        reply = bot.people.event(event, retry_num=retry, event_id="Ev0SAME")
        assert reply.status == 200
    bot.settle()
    assert len(bot.store.votes.estimates(idea.id)) == 1
    assert bot.slack.count("reactions.add") == 1


def test_twenty_people_voting_at_once_leave_exactly_twenty_votes(bot: Bot) -> None:
    idea = bot.propose()
    voters = [f"U1{i:03d}" for i in range(20)]
    events = [
        bot.slack.post_as_user(user, CHANNEL, f"i{1 + i % 5} c{1 + (i * 3) % 5}", idea.card_ts)
        for i, user in enumerate(voters)
    ]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda e: bot.people.event(e, event_id=f"Ev{e['ts']}").status, events)
        )
    assert statuses == [200] * 20
    bot.settle()
    assert sorted(e.voter for e in bot.store.votes.estimates(idea.id)) == voters
    assert bot.slack.count("reactions.add") == 20
    assert "*Estimates*\n20:" in bot.text_of(bot.card(idea))


def test_a_burst_of_thirty_plus_ones_updates_the_card_a_few_times_not_thirty(
    make_bot: BotFactory,
) -> None:
    bot = make_bot(card_update_delay=0.3)
    idea = bot.propose()
    voters = [f"U2{i:03d}" for i in range(30)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(
            pool.map(
                lambda u: bot.people.block_action(
                    u, Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
                ),
                voters,
            )
        )
    bot.settle()
    assert len(bot.store.votes.supporters(idea.id)) == 30
    assert 1 <= bot.slack.count("chat.update") <= 8  # a few, however the burst is spread
    assert "*Supporters*\n30" in bot.text_of(bot.card(idea))


def test_a_thumbs_up_reaction_on_the_card_supports_and_removing_it_retracts(bot: Bot) -> None:
    idea = bot.propose()
    bot.people.react("U0EVE", CHANNEL, idea.card_ts, "+1::skin-tone-3")
    bot.people.react("U0DAN", CHANNEL, idea.card_ts, "tada")
    bot.settle()
    assert bot.store.votes.supporters(idea.id) == ["U0EVE"]
    bot.people.unreact("U0EVE", CHANNEL, idea.card_ts, "+1::skin-tone-3")
    bot.settle()
    assert bot.store.votes.supporters(idea.id) == []
    assert "*Supporters*\n0" in bot.text_of(bot.card(idea))


def test_the_pain_point_search_answers_the_linked_pain_points_select(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Onboarding emails land in spam")
    bot.slash("U0BEN", "/pain", "Billing page is confusing")
    reply = bot.people.post_interaction(suggestion("U0BEN", Action.PAIN_SEARCH, "onboard"))
    assert [o["value"] for o in reply.json()["options"]] == ["1"]
    everything = bot.people.post_interaction(suggestion("U0BEN", Action.PAIN_SEARCH, ""))
    assert [o["value"] for o in everything.json()["options"]] == ["2", "1"]
    by_id = bot.people.post_interaction(suggestion("U0BEN", Action.PAIN_SEARCH, "#2"))
    assert by_id.json()["options"][0]["text"]["text"].startswith("#2 Awareness: Billing")


def test_a_search_for_a_number_that_is_no_id_answers_instead_of_failing(bot: Bot) -> None:
    bot.slash("U0CHLOE", "/pain", "Billing page shows the wrong currency")
    bot.propose(title="Checkout in one page")
    for action_id in (Action.PAIN_SEARCH, Action.IDEA_SEARCH):
        for typed in ("#99999999999999999999999", "²", "#١٢"):
            reply = bot.people.post_interaction(suggestion("U0BOSS", action_id, typed))
            assert reply.status == 200, (action_id, typed, reply)
            assert reply.json()["options"] == []


def test_the_idea_search_leaves_out_the_idea_being_merged(bot: Bot) -> None:
    first = bot.propose(title="Checkout in one page")
    bot.propose(title="Checkout with saved cards")
    view = {"id": "V1", "private_metadata": json.dumps({"idea_id": first.id})}
    reply = bot.people.post_interaction(
        suggestion("U0BOSS", Action.IDEA_SEARCH, "checkout", view=view)
    )
    assert [o["value"] for o in reply.json()["options"]] == ["2"]


def test_a_rate_limited_card_update_is_retried_after_retry_after(bot: Bot) -> None:
    idea = bot.propose()
    bot.slack.fail_next("chat.update", retry_after=1)
    bot.people.block_action(
        "U0EVE", Action.IDEA_SUPPORT, str(idea.id), channel=CHANNEL, message_ts=idea.card_ts
    )
    bot.settle()
    assert [c.error for c in bot.slack.calls_to("chat.update")] == ["ratelimited", None]
    assert "*Supporters*\n1" in bot.text_of(bot.card(idea))


def test_when_the_card_cannot_be_posted_the_proposer_is_told(make_bot: BotFactory) -> None:
    bot = make_bot(roadmap_channel="C0MISSING")
    bot.slash("U0BEN", "/idea", "Better search")
    values = {Block.TITLE: {Block.TITLE: plain_text_value("Better search")}}
    bot.people.view_submission("U0BEN", View.IDEA, values)
    bot.settle()
    [idea] = bot.store.ideas.all(TEAM)
    assert idea.card_ts is None
    assert "could not post its card" in bot.slack.ephemerals("U0BEN")[-1]["text"]


def suggestion(user: str, action_id: str, value: str, *, view: dict | None = None) -> dict:
    """A block_suggestion payload: what Slack sends while someone types in an external select."""
    payload = {
        "type": "block_suggestion",
        "user": {"id": user, "team_id": TEAM},
        "team": {"id": TEAM, "domain": "sandbox"},
        "api_app_id": "A0001",
        "action_id": action_id,
        "block_id": "any",
        "value": value,
    }
    if view is not None:
        payload["view"] = view
    return payload
