"""The Block Kit builders: plain functions, plain asserts, Slack's limits checked.

Slack's limits are checked with the emulator's validators, which answer as Slack does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.sandbox.slack import validate_message_blocks, validate_view
from bot.slack.blocks.home import home_view
from bot.slack.blocks.idea import (
    admin_modal,
    estimate_modal,
    idea_card,
    idea_modal,
    merged_card,
    why_modal,
)
from bot.slack.blocks.kit import LIMITS, cap_blocks, clip, esc, section, unmarkup
from bot.slack.blocks.notices import Why, status_dm, status_thread_reply
from bot.slack.blocks.pain import pain_confirmation, pain_modal
from bot.slack.blocks.reports import heat_message, roadmap_message
from bot.slack.ids import Action, Block, View
from prioritize.config import JourneyConfig, ScoringConfig
from prioritize.heat import Heat, StageHeat
from prioritize.models import Bucket, Estimate, Idea, IdeaStatus, PainPoint
from prioritize.scoring import Consensus, IdeaFacts, RoadmapEntry, RoadmapItem, score

JOURNEY = JourneyConfig()
PING = "<!channel> & <@U0BOSS> <https://evil.example|click>"


def pain(pain_id: int = 12, text: str = "Checkout times out", **kw: object) -> PainPoint:
    return PainPoint(
        id=pain_id,
        team_id="T1",
        reporter="U1",
        text=text,
        stage="Purchase",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        **kw,
    )


def idea(idea_id: int = 7, title: str = "One-page checkout", **kw: object) -> Idea:
    return Idea(id=idea_id, team_id="T1", title=title, proposer="U1", **kw)


def entry(
    item: Idea, *, rank: int = 1, supporters: int = 3, count: int = 3, teams: tuple = ()
) -> RoadmapEntry:
    facts = IdeaFacts(
        idea_id=item.id or 0,
        consensus=Consensus(count=count, impact=4, complexity=2, weeks=3, teams=teams),
        supporters=supporters,
        pain_points=1,
        pain_severity=4,
        teams=len(teams),
    )
    s = score(facts, ScoringConfig())
    return RoadmapEntry(item, RoadmapItem(rank, s, Bucket.NOW), "62 = impact 4/5 …")


def all_text(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)


# ------------------------------------------------------------------------- helpers


def test_esc_escapes_ampersand_and_angle_brackets_only() -> None:
    assert esc("<!channel> & <@U1> 'q' \"d\"") == "&lt;!channel&gt; &amp; &lt;@U1&gt; 'q' \"d\""


def test_clip_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    cut = clip("x" * 5000, 3000)
    assert len(cut) == 3000
    assert cut.endswith("…")


def test_clip_never_leaves_half_an_escape_entity() -> None:
    cut = clip(esc("a" * 8 + "&&&&"), 12)
    assert cut.endswith("…")
    assert not cut.rstrip("…").endswith(("&", "&a", "&am"))


def test_unmarkup_turns_slack_markup_into_what_the_person_typed() -> None:
    raw = "&lt;b&gt; &amp; <@U1> <#C1|general> <!here> <https://x.io|site> <https://y.io>"
    assert unmarkup(raw) == "<b> & @U1 #general @here site (https://x.io) https://y.io"


def test_cap_blocks_says_how_many_were_left_out() -> None:
    blocks = [section(str(i)) for i in range(60)]
    capped = cap_blocks(blocks, 50, what="ideas")
    assert len(capped) == 50
    assert "11 ideas not shown" in all_text(capped[-1])


# ------------------------------------------------------------------------- pain points


def test_pain_confirmation_shows_what_was_stored_with_detail_pickers() -> None:
    message = pain_confirmation(pain(), [], JOURNEY)
    assert validate_message_blocks(message["blocks"]) == []
    assert "#12" in message["text"]
    pickers = message["blocks"][2]
    assert pickers["block_id"] == "pain_details:12"
    ids = [e["action_id"] for e in pickers["elements"]]
    assert ids == [
        Action.PAIN_STAGE,
        Action.PAIN_SEVERITY,
        Action.PAIN_TOUCHPOINT,
        Action.PAIN_PERSONA,
        Action.PAIN_DETAILS,
    ]
    assert pickers["elements"][0]["initial_option"]["value"] == "Purchase"


def test_pain_confirmation_offers_to_plus_one_a_look_alike_instead() -> None:
    message = pain_confirmation(pain(13), [pain(12, "Checkout times out on mobile")], JOURNEY)
    suggestion = message["blocks"][-1]
    assert "This looks like *#12*" in suggestion["text"]["text"]
    assert suggestion["accessory"]["action_id"] == Action.PAIN_ME_TOO
    assert suggestion["accessory"]["value"] == "12:13"


def test_user_text_is_escaped_so_channel_pings_do_not_ping() -> None:
    message = pain_confirmation(pain(text=PING), [pain(3, text=PING)], JOURNEY)
    text = all_text(message)
    assert "<!channel>" not in text
    assert "<@U0BOSS>" not in text
    assert "&lt;!channel&gt;" in text


def test_pain_modal_prefills_text_and_link_within_input_limits() -> None:
    view = pain_modal(JOURNEY, text="y" * 5000, link="https://slack.example/p1")
    assert validate_view(view) == []
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert len(by_block[Block.TEXT]["element"]["initial_value"]) == LIMITS.INPUT_VALUE
    assert by_block[Block.LINK]["element"]["initial_value"] == "https://slack.example/p1"
    assert view["callback_id"] == View.PAIN


def test_pain_modal_for_an_existing_pain_point_edits_it() -> None:
    view = pain_modal(JOURNEY, pain=pain(severity=5, touchpoint="Checkout"))
    assert validate_view(view) == []
    assert view["callback_id"] == View.PAIN_EDIT
    assert json.loads(view["private_metadata"])["pain_id"] == 12
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block[Block.SEVERITY]["element"]["initial_option"]["value"] == "5"
    assert by_block[Block.TOUCHPOINT]["element"]["initial_option"]["value"] == "Checkout"


def test_selects_never_offer_more_than_100_options() -> None:
    journey = JourneyConfig(teams=[f"Team {i}" for i in range(150)])
    view = idea_modal(journey, title="x")
    assert validate_view(view) == []
    team_select = next(b for b in view["blocks"] if b.get("block_id") == Block.OWNING_TEAM)
    assert len(team_select["element"]["options"]) == 100


# ------------------------------------------------------------------------- ideas


def test_idea_modal_links_pain_points_through_a_searchable_select() -> None:
    view = idea_modal(JOURNEY, title="Faster checkout", suggested=[pain(12)])
    assert validate_view(view) == []
    links = next(b for b in view["blocks"] if b.get("block_id") == Block.PAIN_POINTS)
    assert links["element"]["type"] == "multi_external_select"
    assert links["element"]["action_id"] == Action.PAIN_SEARCH
    assert links["element"]["initial_options"][0]["value"] == "12"


def test_idea_card_shows_score_bucket_quadrant_supporters_estimates_and_teams() -> None:
    e = entry(idea(), supporters=4, teams=("Sales", "Support"))
    card = idea_card(e.idea, e.score, Bucket.NOW, min_estimates=3)
    assert validate_message_blocks(card["blocks"]) == []
    text = all_text(card)
    for expected in (
        f"*Score*\\n{e.score.value:g}",
        "*Bucket*\\nNow",
        "*Quadrant*\\nQuick win",
        "*Supporters*\\n4",
        "impact 4 · complexity 2 · 3w",
        "Sales, Support",
    ):
        assert expected in text
    buttons = [el["action_id"] for el in card["blocks"][-2]["elements"]]
    assert buttons == [
        Action.IDEA_SUPPORT,
        Action.IDEA_ESTIMATE,
        Action.IDEA_WHY,
        Action.IDEA_ADMIN,
    ]


def test_idea_card_says_when_it_still_needs_estimates() -> None:
    e = entry(idea(), count=1)
    card = idea_card(e.idea, e.score, Bucket.LATER, min_estimates=3)
    assert "needs estimates: 1 of 3" in all_text(card)


def test_idea_card_with_huge_text_stays_within_limits() -> None:
    big = idea(123456, title="T" * 150, description=PING * 78)
    e = entry(big)
    card = idea_card(big, e.score, None, min_estimates=3)
    assert validate_message_blocks(card["blocks"]) == []
    assert "<!channel>" not in all_text(card)


def test_merged_card_says_where_the_idea_went() -> None:
    card = merged_card(idea(7), idea(3, "Express checkout"), link="https://x/p1")
    assert validate_message_blocks(card["blocks"]) == []
    text = all_text(card)
    assert "Merged into" in text and "#3 Express checkout" in text
    assert "actions" not in [b["type"] for b in card["blocks"]]


def test_modal_titles_fit_24_characters_even_with_long_ids() -> None:
    item = idea(123456789)
    e = entry(item)
    views = [
        estimate_modal(item, None),
        admin_modal(item),
        why_modal(item, e.score, e.breakdown, [], Bucket.NOW),
        pain_modal(JOURNEY, pain=pain(123456789)),
    ]
    for view in views:
        assert len(view["title"]["text"]) <= LIMITS.MODAL_TITLE
        assert validate_view(view) == []


def test_estimate_modal_starts_from_the_earlier_estimate() -> None:
    previous = Estimate(team_id="T1", idea_id=7, voter="U1", impact=4, weeks=3)
    view = estimate_modal(idea(), previous)
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block[Block.IMPACT]["element"]["initial_option"]["value"] == "4"
    assert "initial_option" not in by_block[Block.COMPLEXITY]["element"]
    assert by_block[Block.WEEKS]["element"]["initial_value"] == "3w"


def test_why_modal_lists_every_estimate_within_the_view_limit() -> None:
    item = idea()
    e = entry(item)
    estimates = [
        Estimate(team_id="T1", idea_id=7, voter=f"U{i}", impact=3, team="Sales") for i in range(300)
    ]
    view = why_modal(item, e.score, e.breakdown, estimates, Bucket.NOW)
    assert validate_view(view) == []
    assert "more" in all_text(view["blocks"][-1])


def test_admin_modal_preselects_status_and_pinned_bucket() -> None:
    view = admin_modal(idea(status=IdeaStatus.PLANNED, pinned_bucket=Bucket.NEXT))
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block[Block.STATUS]["element"]["initial_option"]["value"] == "Planned"
    assert by_block[Block.BUCKET]["element"]["initial_option"]["value"] == "Next"
    assert by_block[Block.MERGE_INTO]["element"]["action_id"] == Action.IDEA_SEARCH


# ------------------------------------------------------------------------- reports


def test_roadmap_message_shows_the_top_ten_the_weakest_stage_and_notion() -> None:
    entries = [entry(idea(i, f"Idea {i}"), rank=i) for i in range(1, 15)]
    message = roadmap_message(entries, weakest="Onboarding", notion_url="https://notion.so/r")
    assert validate_message_blocks(message["blocks"]) == []
    text = all_text(message)
    assert "Idea 10" in text and "Idea 11" not in text
    assert "4 more ideas" in text
    assert "Weakest journey stage: *Onboarding*" in text
    assert any(b["type"] == "actions" for b in message["blocks"])


def test_heat_message_marks_the_weakest_stage() -> None:
    h = Heat(
        (StageHeat("Purchase", 3, 11, 1, 4), StageHeat("Onboarding", 5, 18, 0, 18)),
        weakest="Onboarding",
    )
    message = heat_message(h)
    assert validate_message_blocks(message["blocks"]) == []
    assert "Onboarding" in all_text(message) and "← weakest" in all_text(message)


def test_home_view_stays_under_the_100_block_limit() -> None:
    many = [entry(idea(i, f"Idea {i}"), rank=i) for i in range(1, 60)]
    view = home_view(
        team="Sales",
        teams=JOURNEY.teams,
        notify=True,
        pain_points=[pain(i) for i in range(1, 60)],
        ideas=many,
        waiting=many,
        top=many,
    )
    assert validate_view(view) == []
    assert len(view["blocks"]) <= LIMITS.VIEW_BLOCKS
    settings = next(b for b in view["blocks"] if b.get("block_id") == Block.HOME_SETTINGS)
    assert settings["elements"][0]["initial_option"]["value"] == "Sales"


def test_status_notices_name_the_change_and_why_a_dm_came() -> None:
    item = idea(title=PING, pain_point_ids=[1])
    reply = status_thread_reply(item, IdeaStatus.PROPOSED, IdeaStatus.DONE, "notion")
    assert "*Proposed* to *Done* (in Notion)" in all_text(reply)
    assert "Addressed" in all_text(reply)
    dm = status_dm(item, IdeaStatus.PROPOSED, IdeaStatus.PLANNED, why=Why.SUPPORTED, link=None)
    assert validate_message_blocks(dm["blocks"]) == []
    assert "you supported it" in all_text(dm)
    assert "/journey notify off" in all_text(dm)
    assert "<!channel>" not in all_text(dm)
