"""The journey questions in Notion: the summary page's section, the Roadmap's Outcome, and
evidence left empty staying unknown. Through the real notion-client against the emulator."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notion_helpers import (
    TEAM,
    a_person,
    data_source,
    delete_property,
    make_client,
    page_of,
    plain,
    rows_by_id,
    seed,
    synced,
)

from bot.notion.questions import OUTCOMES_SHOWN, outcome_figures, question_slots
from bot.notion.render import block_text, layout
from bot.notion.schema import IdeaProp, PainProp
from bot.notion.sync import IDEA, PAIN, RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.services import Services
from prioritize.config import JourneyConfig
from prioritize.models import EvidenceSource, IdeaStatus, PainStatus
from prioritize.outcomes import Outcome, SurveyAnswer, Verdict
from prioritize.questions import QUESTIONS, JourneyPain, answer

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    """One clock for the use cases and the sync, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def summary_blocks(notion: NotionEmulator, sync: RoadmapSync) -> list[dict[str, Any]]:
    summary = sync.state.object(TEAM, "summary")
    assert summary is not None and summary.notion_id
    return notion.blocks(summary.notion_id)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [plain(b) for b in blocks if b["type"] != "table"]


def block_writes(notion: NotionEmulator) -> int:
    return sum(1 for r in notion.requests if r.method == "PATCH" and "/blocks/" in r.path)


def appends(notion: NotionEmulator) -> int:
    return sum(1 for r in notion.requests if r.method == "PATCH" and r.path.endswith("/children"))


def shipped(services: Services, clock: Clock) -> int:
    """Log four pain points at Purchase / Checkout, then ship an idea for one a week later."""
    pains = [
        services.log_pain_point(
            TEAM, f"U{i}", f"The checkout times out, case {i}", stage="Purchase",
            touchpoint="Checkout", severity=4, source="customer said",
        ).pain
        for i in range(4)
    ]  # fmt: skip
    idea = services.propose_idea(
        TEAM, "U0", "Faster checkout", pain_point_ids=[pains[0].id or 0], impact=4,
        complexity=2, weeks=1,
    )  # fmt: skip
    clock.now += timedelta(weeks=1)
    services.change_status(TEAM, idea.id or 0, IdeaStatus.DONE, by="U0")
    return idea.id or 0


def shipped_and_synced(services: Services, sync: RoadmapSync, clock: Clock) -> int:
    """Seed the workspace, ship an idea as `shipped` does, sync; return the shipped idea."""
    seed(services)
    idea_id = shipped(services, clock)
    sync.run()
    return idea_id


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def timed_sync(services: Services, notion: NotionEmulator, clock: Clock) -> RoadmapSync:
    """A sync on the same clock as the use cases, so time can pass for both."""
    return RoadmapSync(
        services, make_client(notion), team_id=TEAM, parent_page_id=notion.root_page_id,
        clock=clock,
    )  # fmt: skip


# ---------------------------------------------------------------- the summary page


def test_the_summary_page_answers_the_five_questions_with_why_and_the_outcomes(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync, clock: Clock
) -> None:
    shipped_and_synced(services, timed_sync, clock)
    lines = texts(summary_blocks(notion, timed_sync))
    start = lines.index("Journey questions")
    for n, question in enumerate(QUESTIONS, 1):
        at = lines.index(f"{n}. {question}")
        assert at > start and lines[at + 1]  # the one-line why follows each question
    answers = services.questions(TEAM).answers
    assert answers.impact.why in lines[lines.index(f"1. {QUESTIONS[0]}") + 1]
    top = answers.impact.rows[0]
    assert lines[lines.index(f"1. {QUESTIONS[0]}") + 2].startswith(
        f"1. {top.title} (#{top.idea_id})"
    )
    outcome = next(line for line in lines if "Faster checkout" in line and "shipped" in line)
    assert "too early to tell" in outcome and "shipped 2025-03-10" in outcome


def test_an_empty_workspace_gets_the_section_saying_what_is_missing(
    notion: NotionEmulator, timed_sync: RoadmapSync
) -> None:
    timed_sync.run()
    lines = texts(summary_blocks(notion, timed_sync))
    assert "no active ideas yet: propose one with /idea" in lines
    assert "No idea is Done yet." in lines


def test_a_vote_rewrites_only_the_question_blocks_whose_text_changed(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync
) -> None:
    ws = seed(services, ideas=8)
    timed_sync.run()
    before = {b["id"]: plain(b) for b in summary_blocks(notion, timed_sync) if b["type"] != "table"}
    notion.reset_counts()
    services.support(TEAM, ws.ideas[-1].id or 0, "U_NEW")
    timed_sync.run()
    after = {b["id"]: plain(b) for b in summary_blocks(notion, timed_sync) if b["type"] != "table"}
    assert after.keys() == before.keys()  # the same blocks, not a rewritten page
    changed = [i for i in after if after[i] != before[i]]
    assert appends(notion) == 0 and 0 < block_writes(notion) <= len(changed) + 10
    assert block_writes(notion) < len(after) // 2


def test_the_section_keeps_its_layout_whatever_the_answers(
    services: Services, clock: Clock
) -> None:
    empty = question_slots(answer([], [], JourneyConfig(), now=NOW), titles={}, page_urls={})
    assert [s.key for s in empty][:2] == ["h:questions", "q1"]
    assert len([s for s in empty if s.key.startswith("outcome:")]) == OUTCOMES_SHOWN + 1
    seed(services)
    shipped(services, clock)
    full = services.questions(TEAM)
    slots = question_slots(full.answers, titles=full.titles, page_urls={})
    assert layout(slots) == layout(empty)
    assert [block_text(s.block) for s in slots] != [block_text(s.block) for s in empty]


def test_a_say_do_gap_is_named_once_beside_its_stage() -> None:
    said = EvidenceSource.CUSTOMER_SAID
    pains = [
        JourneyPain(i, "Retention", "Email", 3, PainStatus.OPEN, said, NOW) for i in range(1, 4)
    ]
    slots = question_slots(answer(pains, [], JourneyConfig(), now=NOW), titles={}, page_urls={})
    row = next(block_text(s.block) for s in slots if s.key == "q5:1")
    assert row == (
        "1. Retention: said 3 · observed 0 · internal 0 · unknown 0"
        " · gap: 3 said against 0 observed; watch what customers do"
    )


# ---------------------------------------------------------------- Outcome on the Roadmap


def outcome_of(notion: NotionEmulator, sync: RoadmapSync, idea_id: int) -> tuple[str | None, str]:
    props = notion.page(page_of(sync, idea_id))["properties"]
    select = props[IdeaProp.OUTCOME]["select"]
    return (select["name"] if select else None), plain(props[IdeaProp.OUTCOME_FIGURES])


def test_the_roadmap_database_has_an_outcome_select_with_the_four_verdicts(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync
) -> None:
    synced(services, timed_sync)
    schema = notion.data_source(data_source(timed_sync))["properties"]
    options = [o["name"] for o in schema[IdeaProp.OUTCOME]["select"]["options"]]
    assert options == ["worked", "no change", "worse", "too early to tell"]
    assert schema[IdeaProp.OUTCOME_FIGURES]["type"] == "rich_text"


def test_an_outcome_turns_from_too_early_to_worked_as_weeks_pass_with_nothing_said_in_slack(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync, clock: Clock
) -> None:
    idea_id = shipped_and_synced(services, timed_sync, clock)
    verdict, figures = outcome_of(notion, timed_sync, idea_id)
    assert verdict == "too early to tell"
    assert figures.startswith("shipped 2025-03-10; compared after 2025-04-07;")
    others = {i for i in rows_by_id(notion, timed_sync) if i != idea_id}
    assert all(outcome_of(notion, timed_sync, i) == (None, "") for i in others)

    clock.now += timedelta(days=3)  # a few days on, no new figures: the page is not written
    notion.reset_counts()
    timed_sync.run()
    assert [r for r in notion.requests if "/pages/" in r.path] == []

    clock.now += timedelta(weeks=5)
    notion.reset_counts()
    report = timed_sync.run()
    verdict, figures = outcome_of(notion, timed_sync, idea_id)
    assert verdict == "worked"
    assert "0 new pain points since shipping against 4 in the 4 weeks before" in figures
    writes = [r.path for r in notion.requests if r.method == "PATCH" and "/pages/" in r.path]
    assert [w.rsplit("/", 1)[1] for w in writes] == [page_of(timed_sync, idea_id)]
    assert report.updated == 1


def test_an_outcome_counts_the_survey_answers_behind_it() -> None:
    o = Outcome(
        7, Verdict.WORSE, "worse", NOW, 4, 1, 5,
        {SurveyAnswer.YES: 0, SurveyAnswer.NOT_YET: 1, SurveyAnswer.WORSE: 2}, ("Purchase",),
    )  # fmt: skip
    figures = outcome_figures(o)
    assert figures == (
        "shipped 2025-03-03; 5 new pain points since shipping against 1 in the 4 weeks before"
        " (1.2 against 0.2 a week) at Purchase; asked: 1 not yet, 2 worse"
    )
    assert "ago" not in figures


def test_a_roadmap_built_before_outcomes_gets_the_properties_on_the_next_sync(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync, clock: Clock
) -> None:
    idea_id = shipped_and_synced(services, timed_sync, clock)
    # As an older journeybot left it: no Outcome properties, nothing known of their values.
    for name in (IdeaProp.OUTCOME, IdeaProp.OUTCOME_FIGURES):
        delete_property(notion, timed_sync, name)
        timed_sync.state.forget_property(TEAM, IDEA, name)
    report = timed_sync.run()
    assert sorted(report.repaired) == [IdeaProp.OUTCOME, IdeaProp.OUTCOME_FIGURES]
    assert outcome_of(notion, timed_sync, idea_id)[0] == "too early to tell"


def test_a_schema_check_adds_a_missing_outcome_to_an_existing_database(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync
) -> None:
    synced(services, timed_sync)
    delete_property(notion, timed_sync, IdeaProp.OUTCOME)
    report = timed_sync.run(check_schema=True)
    assert report.repaired == [IdeaProp.OUTCOME]
    schema = notion.data_source(data_source(timed_sync))["properties"]
    assert schema[IdeaProp.OUTCOME]["type"] == "select"


def test_a_leader_edit_of_the_outcome_is_not_read_back_but_overwritten(
    notion: NotionEmulator,
    services: Services,
    timed_sync: RoadmapSync,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    idea_id = shipped_and_synced(services, timed_sync, clock)
    page_id = page_of(timed_sync, idea_id)
    notion.edit_page_as_user(page_id, {IdeaProp.OUTCOME: {"select": {"name": "worse"}}})
    with caplog.at_level(logging.WARNING, logger="bot.notion.readback"):
        report = timed_sync.run()
    assert report.overwritten == 1 and report.read_back == 0
    assert outcome_of(notion, timed_sync, idea_id)[0] == "too early to tell"
    assert any("'Outcome' was edited in Notion" in r.message for r in caplog.records)
    assert services.questions(TEAM).answers.stages.outcomes[0].verdict is Verdict.TOO_EARLY


# ---------------------------------------------------------------- evidence left empty


def test_a_pain_point_without_evidence_is_empty_in_notion_and_stays_unknown(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync
) -> None:
    pain = services.log_pain_point(TEAM, "U1", "Nobody said what backs this", stage="Purchase").pain
    assert pain.source is None
    timed_sync.run()
    page_id = page_of(timed_sync, pain.id or 0, PAIN)
    assert notion.page(page_id)["properties"][PainProp.SOURCE]["select"] is None
    # A rehome reads every pain point page back: empty stays unknown, never internal.
    timed_sync.run(rehome=True)
    state = timed_sync.state.page(TEAM, PAIN, pain.id or 0)
    assert state is not None and state.props[PainProp.SOURCE] is None
    evidence = services.questions(TEAM).answers.say_do
    purchase = next(r for r in evidence.rows if r.stage == "Purchase")
    assert (purchase.evidence.unknown, purchase.evidence.internal) == (1, 0)


def test_evidence_a_person_emptied_in_notion_is_put_back_and_never_read_as_internal(
    notion: NotionEmulator, services: Services, timed_sync: RoadmapSync
) -> None:
    pain = services.log_pain_point(
        TEAM, "U1", "Customers say the form is long", stage="Purchase", source="customer said"
    ).pain
    timed_sync.run()
    page_id = page_of(timed_sync, pain.id or 0, PAIN)
    a_person(notion).pages.update(page_id, properties={PainProp.SOURCE: {"select": None}})
    timed_sync.run(rehome=True)
    assert notion.page(page_id)["properties"][PainProp.SOURCE]["select"]["name"] == "customer said"
    assert services.store.pains.get(TEAM, pain.id or 0).source.value == "customer said"


@pytest.mark.parametrize(
    ("logged", "set_in_notion"),
    [(None, {"name": "internal"}), ("customer said", None)],
    ids=["unknown set to internal", "customer said emptied"],
)
def test_evidence_edited_in_notion_is_not_read_back_and_unknown_never_turns_internal(
    notion: NotionEmulator,
    services: Services,
    timed_sync: RoadmapSync,
    logged: str | None,
    set_in_notion: dict[str, str] | None,
) -> None:
    pain = services.log_pain_point(
        TEAM, "U1", "The form is long", stage="Purchase", source=logged
    ).pain
    timed_sync.run()
    page_id = page_of(timed_sync, pain.id or 0, PAIN)
    notion.edit_page_as_user(page_id, {PainProp.SOURCE: {"select": set_in_notion}})
    report = timed_sync.run()
    assert report.overwritten == 1
    shown = notion.page(page_id)["properties"][PainProp.SOURCE]["select"]
    assert (shown["name"] if shown else None) == logged
    stored = services.store.pains.get(TEAM, pain.id or 0).source
    assert (stored.value if stored else None) == logged
