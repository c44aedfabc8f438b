"""Rendering is pure: models in, Notion JSON out, within Notion's limits, fingerprinted."""

from __future__ import annotations

from bot.notion import render
from bot.notion.client import fit_limits
from bot.notion.schema import IdeaProp, PainProp, option_name
from prioritize.config import ScoringConfig
from prioritize.heat import PainFact, heat
from prioritize.models import Bucket, EvidenceSource, Idea, IdeaStatus, PainPoint
from prioritize.scoring import Consensus, IdeaFacts, RoadmapEntry, RoadmapItem, explain, score

CONFIG = ScoringConfig()
STAGES = ["Awareness", "Purchase", "Onboarding"]


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pain(pain_id: int = 7, text: str = "Checkout times out", **extra: object) -> PainPoint:
    values: dict[str, object] = {
        "id": pain_id,
        "team_id": "T1",
        "reporter": "U1",
        "text": text,
        "stage": "Purchase",
        "severity": 4,
        "source": EvidenceSource.CUSTOMER_SAID,
        "link": "https://support.example.com/1",
        **extra,
    }
    return PainPoint.model_validate(values)


def entry(
    idea_id: int = 12,
    *,
    rank: int = 1,
    bucket: Bucket | None = Bucket.NOW,
    supporters: int = 2,
    description: str = "Cache the cart.\n\nAnd precompute tax.",
    idea: Idea | None = None,
) -> RoadmapEntry:
    idea = idea or Idea(
        id=idea_id,
        team_id="T1",
        title="Faster checkout",
        description=description,
        proposer="U1",
        owning_team="Engineering",
        pain_point_ids=[7],
        status=IdeaStatus.PLANNED,
        card_channel="C0ROADMAP",
        card_ts="1700000000.000100",
    )
    facts = IdeaFacts(
        idea_id=idea_id,
        consensus=Consensus(count=3, impact=4.0, complexity=2.0, weeks=3.0, teams=("Sales",)),
        supporters=supporters,
        pain_points=1,
        pain_severity=4,
        max_severity=4,
        teams=1,
        status=IdeaStatus.PLANNED,
    )
    s = score(facts, CONFIG)
    return RoadmapEntry(idea, RoadmapItem(rank=rank, score=s, bucket=bucket), explain(s, CONFIG))


# ---------------------------------------------------------------- text limits


def test_split_text_keeps_pieces_within_2000_utf16_units_and_joins_back() -> None:
    text = ("word " * 900 + "🐢" * 1500 + "end") * 2
    pieces = render.split_text(text)
    assert "".join(pieces) == text
    assert all(0 < units(p) <= 2000 for p in pieces)


def test_split_text_never_cuts_an_emoji_in_half() -> None:
    text = "a" * 1999 + "🐢" + "b"
    pieces = render.split_text(text)
    assert pieces == ["a" * 1999, "🐢b"]


def test_split_text_prefers_the_last_space_within_reach() -> None:
    text = "x" * 1950 + " tail of a sentence that goes on " + "y" * 100
    first, *_ = render.split_text(text)
    assert first.endswith(" ") and first.strip() == "x" * 1950 + " tail of a sentence that goes on"


def test_rich_text_holds_at_most_100_pieces() -> None:
    assert len(render.rich_text("z" * 2000 * 150)) == 100


def test_a_long_paragraph_becomes_several_blocks_of_at_most_100_pieces() -> None:
    blocks = render.paragraphs("q" * 2000 * 150)
    assert [len(b["paragraph"]["rich_text"]) for b in blocks] == [100, 50]


def test_a_10000_character_description_renders_within_notions_limits() -> None:
    long = ("Paragraph of the description. " * 60 + "\n\n") * 6  # about 10,800 characters
    idea = Idea.model_construct(
        **{**entry().idea.model_dump(), "description": long}  # past the model's 4,000 cap
    )
    page = render.idea_page(entry(idea=idea), {7: pain()}, stages=STAGES, pain_pages={})
    description = [b for b in page.children if b["type"] == "paragraph"]
    texts = [t["text"]["content"] for b in description for t in b["paragraph"]["rich_text"]]
    assert all(units(t) <= 2000 for t in texts)
    assert "".join(texts) == long.replace("\n\n", "")


def test_select_option_names_lose_their_commas() -> None:
    assert option_name("Sales, EMEA") == "Sales EMEA"
    assert len(option_name("x" * 300)) == 100
    body = {"Teams": {"multi_select": [{"name": "A, B"}]}, "S": {"select": {"name": "C,D"}}}
    assert fit_limits(body) == {
        "Teams": {"multi_select": [{"name": "A B"}]},
        "S": {"select": {"name": "C D"}},
    }


def test_fit_limits_splits_over_long_rich_text_from_any_caller() -> None:
    fitted = fit_limits([{"type": "text", "text": {"content": "n" * 4500}}])
    assert [len(item["text"]["content"]) for item in fitted] == [2000, 2000, 500]


# ---------------------------------------------------------------- pages


def test_idea_page_holds_score_bucket_status_and_the_estimates() -> None:
    e = entry()
    page = render.idea_page(e, {7: pain()}, stages=STAGES, pain_pages={7: "page-of-7"})
    p = {name: render.normalize(value) for name, value in page.properties.items()}
    assert p[IdeaProp.NAME] == "Faster checkout"
    assert p[IdeaProp.IDEA_ID] == 12
    assert p[IdeaProp.SCORE] == e.score.value
    assert p[IdeaProp.BUCKET] == "Now"
    assert p[IdeaProp.STATUS] == "Planned"
    assert p[IdeaProp.IMPACT] == 4 and p[IdeaProp.COMPLEXITY] == 2 and p[IdeaProp.WEEKS] == 3
    assert p[IdeaProp.SUPPORTERS] == 2 and p[IdeaProp.ESTIMATES] == 3
    assert p[IdeaProp.TEAMS] == ["Engineering", "Sales"]
    assert p[IdeaProp.STAGES] == ["Purchase"]
    assert p[IdeaProp.NEEDS_ESTIMATES] is False and p[IdeaProp.DISAGREE] is False
    assert p[IdeaProp.SLACK] == "https://slack.com/archives/C0ROADMAP/p1700000000000100"
    assert p[IdeaProp.BREAKDOWN] == e.breakdown
    assert p[IdeaProp.PAIN_POINTS] == ["pageof7"]


def test_idea_body_holds_the_description_and_quotes_the_pain_points_with_evidence() -> None:
    page = render.idea_page(entry(), {7: pain()}, stages=STAGES, pain_pages={})
    kinds = [b["type"] for b in page.children]
    assert kinds == ["paragraph", "paragraph", "heading_3", "quote"]
    quote = page.children[-1]["quote"]["rich_text"]
    assert quote[0]["text"]["content"] == "“Checkout times out”"
    assert quote[-1]["text"] == {
        "content": "evidence",
        "link": {"url": "https://support.example.com/1"},
    }


def test_a_rank_change_alone_changes_only_the_rank_property() -> None:
    first = render.idea_page(entry(rank=1), {7: pain()}, stages=STAGES, pain_pages={})
    later = render.idea_page(entry(rank=40), {7: pain()}, stages=STAGES, pain_pages={})
    changed = {k for k, v in later.properties.items() if first.properties[k] != v}
    assert changed == {IdeaProp.RANK} and first.body_fp == later.body_fp
    assert later.properties[IdeaProp.RANK] == {"number": 40}


def test_a_vote_changes_the_properties_but_not_the_body() -> None:
    before = render.idea_page(entry(supporters=2), {7: pain()}, stages=STAGES, pain_pages={})
    after = render.idea_page(entry(supporters=3), {7: pain()}, stages=STAGES, pain_pages={})
    assert before.props_fp != after.props_fp
    assert before.body_fp == after.body_fp


def test_pain_page_keeps_the_whole_text_and_a_short_title() -> None:
    text = "The invoice page " * 30
    page = render.pain_page(pain(text=text, touchpoint="Billing"), me_too=3)
    p = {name: render.normalize(value) for name, value in page.properties.items()}
    assert p[PainProp.TEXT] == text.strip()
    assert len(p[PainProp.NAME]) <= 100 and p[PainProp.NAME].endswith("…")
    assert p[PainProp.TOUCHPOINT] == "Billing" and p[PainProp.ME_TOO] == 3


# ---------------------------------------------------------------- fingerprints and values


def test_fingerprint_ignores_key_order_and_sees_any_change() -> None:
    assert render.fingerprint({"a": 1, "b": [1, 2]}) == render.fingerprint({"b": [1, 2], "a": 1})
    assert render.fingerprint({"a": 1}) != render.fingerprint({"a": 2})
    assert render.fingerprint({"t": "é"}) != render.fingerprint({"t": "e"})


def test_normalize_reads_what_was_sent_and_what_notion_answers_alike() -> None:
    sent = {"select": {"name": "Now"}}
    answered = {"id": "x", "type": "select", "select": {"id": "1", "name": "Now", "color": "green"}}
    assert render.normalize(sent) == render.normalize(answered) == "Now"
    assert render.normalize({"number": 3}) == render.normalize({"type": "number", "number": 3.0})
    title = {"title": render.rich_text("Hi")}
    answer = {"type": "title", "title": [{"plain_text": "Hi", "text": {"content": "Hi"}}]}
    assert render.normalize(title) == render.normalize(answer)


# ---------------------------------------------------------------- the summary page


def test_summary_lists_the_top_ideas_of_each_bucket_and_the_heat_table() -> None:
    entries = [entry(1, bucket=Bucket.NOW), entry(2, rank=2, bucket=Bucket.LATER)]
    h = heat(STAGES, [PainFact(7, "Purchase", 4)], {})
    slots = render.summary_slots(entries, h, page_urls={1: "https://n/1"}, roadmap_url=None)
    keys = [s.key for s in slots]
    assert keys[:3] == ["intro", "h:Now", "Now:1"]
    assert len([k for k in keys if k.startswith("Now:")]) == render.TOP
    table = next(s for s in slots if s.key == "heat")
    assert [r.key for r in table.rows] == ["heat:header", "heat:0", "heat:1", "heat:2"]
    weakest = next(s for s in slots if s.key == "weakest")
    assert "Purchase" in weakest.block["callout"]["rich_text"][0]["text"]["content"]


def test_summary_layout_depends_on_structure_not_on_content() -> None:
    h = heat(STAGES, [], {})
    one = render.summary_slots([entry(1)], h, page_urls={}, roadmap_url=None)
    two = render.summary_slots([entry(1), entry(2, rank=2)], h, page_urls={}, roadmap_url=None)
    assert render.layout(one) == render.layout(two)
    assert [s.fp for s in one] != [s.fp for s in two]
