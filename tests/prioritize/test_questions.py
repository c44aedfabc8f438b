"""The five journey questions and "did it work?", on hand-built facts with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from prioritize.config import JourneyConfig, QuestionsConfig
from prioritize.models import EvidenceSource, IdeaStatus, PainStatus
from prioritize.outcomes import PainTimeline, SurveyAnswer, Verdict, outcome
from prioritize.questions import (
    NO_TOUCHPOINT,
    Certainty,
    EffortKind,
    JourneyIdea,
    JourneyPain,
    StageEvidence,
    answer,
    biggest_impact,
    effort,
    obstacles,
    outcomes,
    say_do,
    stages,
)
from prioritize.scoring import Consensus, IdeaFacts

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CONFIG = JourneyConfig()
SAID, OBSERVED, INTERNAL = (
    EvidenceSource.CUSTOMER_SAID,
    EvidenceSource.OBSERVED,
    EvidenceSource.INTERNAL,
)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def pain(
    pain_id: int,
    stage: str = "Purchase",
    touchpoint: str | None = "Checkout",
    severity: int = 3,
    *,
    status: PainStatus = PainStatus.OPEN,
    source: EvidenceSource | None = SAID,
    created: float = 200,
    resolved: float | None = None,
) -> JourneyPain:
    return JourneyPain(
        pain_id,
        stage,
        touchpoint,
        severity,
        status,
        source,
        days_ago(created),
        days_ago(resolved) if resolved is not None else None,
    )


def idea(
    idea_id: int,
    *,
    status: IdeaStatus = IdeaStatus.PROPOSED,
    since: float = 1,
    pains: tuple[int, ...] = (),
    estimates: int = 0,
    impact: float | None = None,
    complexity: float | None = None,
    weeks: float | None = None,
    impact_spread: int = 0,
    disagreement: str | None = None,
    supporters: int = 0,
    pain_severity: int = 0,
) -> JourneyIdea:
    c = Consensus(
        count=estimates,
        impact=impact,
        complexity=complexity,
        weeks=weeks,
        impact_spread=impact_spread,
        disagreement=disagreement,
    )
    facts = IdeaFacts(
        idea_id,
        c,
        supporters=supporters,
        pain_points=len(pains),
        pain_severity=pain_severity,
        status=status,
    )
    return JourneyIdea(idea_id, f"Idea {idea_id}", status, days_ago(since), pains, facts)


# ---------------------------------------------------------------- 1. biggest impact


def test_the_biggest_impact_is_median_impact_weighted_by_reach() -> None:
    ideas = [
        idea(1, estimates=3, impact=5, supporters=1, pain_severity=0),  # 5 × 1
        idea(2, estimates=3, impact=3, supporters=2, pain_severity=8),  # 3 × 10
        idea(3, estimates=3, impact=4, supporters=4, pain_severity=0),  # 4 × 4
    ]
    result = biggest_impact(ideas, CONFIG)
    assert [r.idea_id for r in result.rows] == [2, 3, 1]
    assert result.rows[0].weighted == 30
    assert result.why.startswith("#2 Idea 2: impact 3 × reach 10")


def test_how_sure_we_are_comes_from_the_count_the_spread_and_who_disagrees() -> None:
    ideas = [
        idea(1, estimates=3, impact=4, impact_spread=1),
        idea(2, estimates=1, impact=4),
        idea(
            3, estimates=4, impact=4, impact_spread=4, disagreement="impact: Sales say 5, X say 1"
        ),
        idea(4, estimates=3, impact=4, impact_spread=2),
    ]
    by_id = {r.idea_id: r for r in biggest_impact(ideas, CONFIG).rows}
    assert by_id[1].certainty is Certainty.SURE
    assert (by_id[2].certainty, by_id[2].doubt) == (Certainty.UNSURE, "1 of 3 estimates")
    assert by_id[3].certainty is Certainty.UNSURE
    assert "Sales say 5" in by_id[3].doubt
    assert by_id[4].certainty is Certainty.FAIR


def test_done_ideas_are_not_candidates_and_unestimated_ones_are_named_as_missing() -> None:
    ideas = [
        idea(1, status=IdeaStatus.DONE, estimates=3, impact=5),
        idea(2),
        idea(3, status=IdeaStatus.WONT_DO, estimates=3, impact=5),
    ]
    result = biggest_impact(ideas, CONFIG)
    assert result.rows == ()
    assert result.unestimated == (2,)
    assert result.why == "no active idea has an impact estimate yet"
    assert result.missing == ("1 active idea without an impact estimate yet",)


# ---------------------------------------------------------------- 2. effort


def test_effort_sorts_ideas_into_quick_wins_long_poles_and_surprises() -> None:
    ideas = [
        idea(1, estimates=3, complexity=1, weeks=1),
        idea(2, estimates=3, complexity=5, weeks=12),
        idea(3, estimates=3, complexity=5, weeks=1),
        idea(4, estimates=3, complexity=2, weeks=8),
        idea(5, estimates=3, complexity=3, weeks=4),
        idea(6, estimates=1, impact=3),
    ]
    result = effort(ideas, CONFIG)
    kinds = {r.idea_id: r.kind for r in result.rows}
    assert kinds == {
        1: EffortKind.QUICK_WIN,
        2: EffortKind.LONG_POLE,
        3: EffortKind.COMPLEX_YET_SHORT,
        4: EffortKind.SIMPLE_YET_LONG,
        5: None,
    }
    assert [r.idea_id for r in result.surprising] == [3, 4]
    assert result.longest[0].idea_id == 2
    assert result.most_complex[0].idea_id == 2
    assert result.rows[0].idea_id in (1, 3)  # shortest first
    assert result.unestimated == (6,)
    assert "#3 is complex yet short" in result.why


def test_effort_highlights_quick_wins_then_surprises_then_long_poles() -> None:
    ideas = [
        idea(1, estimates=3, complexity=5, weeks=12),
        idea(2, estimates=3, complexity=5, weeks=1),
        idea(3, estimates=3, complexity=3, weeks=4),
        idea(4, estimates=3, complexity=1, weeks=1),
    ]
    assert [r.idea_id for r in effort(ideas, CONFIG).highlights(3)] == [4, 2, 1]
    plain = [idea(5, estimates=3, complexity=3, weeks=4)]
    assert [r.idea_id for r in effort(plain, CONFIG).highlights(3)] == [5]  # nothing stands out


def test_short_and_long_follow_the_config() -> None:
    config = JourneyConfig(questions=QuestionsConfig(short_weeks=1, long_weeks=3))
    ideas = [
        idea(1, estimates=3, complexity=1, weeks=2),
        idea(2, estimates=3, complexity=5, weeks=3),
    ]
    kinds = {r.idea_id: r.kind for r in effort(ideas, config).rows}
    assert kinds == {1: None, 2: EffortKind.LONG_POLE}


def test_short_weeks_must_be_below_long_weeks() -> None:
    with pytest.raises(ValidationError, match="short_weeks must be below long_weeks"):
        QuestionsConfig(short_weeks=6, long_weeks=6)


# ---------------------------------------------------------------- 3. obstacles


def test_obstacles_name_ideas_unestimated_disputed_or_stuck_at_the_heaviest_touchpoint() -> None:
    pains = [
        pain(1, touchpoint="Checkout", severity=5),
        pain(2, touchpoint="Checkout", severity=4),
        pain(3, touchpoint="Email", severity=2),
        pain(4, touchpoint="Checkout", severity=5, status=PainStatus.ADDRESSED),
    ]
    ideas = [
        idea(10, pains=(1,), since=2),  # unestimated
        idea(11, pains=(2,), estimates=3, disagreement="impact: Sales say 5, Support say 1"),
        idea(12, pains=(1,), estimates=3, status=IdeaStatus.PLANNED, since=30),  # stuck
        idea(13, pains=(1,), estimates=3, since=5),  # moving
        idea(14, pains=(3,), status=IdeaStatus.DONE, since=40),  # done: not an obstacle
    ]
    result = obstacles(pains, ideas, CONFIG, now=NOW)
    checkout, email = result.rows
    assert (checkout.touchpoint, checkout.open_pain_points, checkout.severity_load) == (
        "Checkout",
        2,
        9,
    )
    assert checkout.by_severity == (1, 1, 0, 0, 0)
    assert checkout.ideas == 4
    reasons = {o.idea_id: o.reasons for o in checkout.obstacles}
    assert reasons == {
        10: ("unestimated",),
        11: ("disputed (impact: Sales say 5, Support say 1)",),
        12: ("stuck in Planned for 30 days",),
    }
    assert (email.ideas, email.obstacles) == (0, ())
    assert result.why.startswith("Checkout: open severity 9 across 2 pain points; #10")


def test_stuck_follows_the_configured_number_of_days() -> None:
    config = JourneyConfig(questions=QuestionsConfig(stuck_days=40))
    pains = [pain(1)]
    ideas = [idea(12, pains=(1,), estimates=3, status=IdeaStatus.PLANNED, since=30)]
    assert obstacles(pains, ideas, config, now=NOW).rows[0].obstacles == ()
    assert JourneyConfig().questions.stuck_days == 21


def test_pain_points_without_a_touchpoint_are_grouped_and_reported_missing() -> None:
    result = obstacles([pain(1, touchpoint=None)], [], CONFIG, now=NOW)
    assert result.rows[0].touchpoint == NO_TOUCHPOINT
    assert result.missing == ("1 open pain point without a touchpoint",)
    assert result.why.endswith("no idea addresses it yet")


# ---------------------------------------------------------------- 4. stages


def test_stages_name_the_weakest_and_strongest_with_the_trend() -> None:
    pains = [
        # Purchase: 9 open now, of which 4 was open 90 days ago; nothing resolved.
        pain(1, "Purchase", severity=4, created=200),
        pain(2, "Purchase", severity=5, created=10),
        # Onboarding: 2 open, 8 resolved in the last 90 days, 3 in the 90 before.
        pain(3, "Onboarding", "In-app", severity=2, created=300),
        pain(4, "Onboarding", "In-app", 4, status=PainStatus.ADDRESSED, created=300, resolved=20),
        pain(5, "Onboarding", "In-app", 4, status=PainStatus.ADDRESSED, created=60, resolved=5),
        pain(6, "Onboarding", "In-app", 3, status=PainStatus.ADDRESSED, created=300, resolved=120),
    ]
    ideas = [
        idea(10, status=IdeaStatus.PLANNED, pains=(1,)),
        idea(11, status=IdeaStatus.IN_PROGRESS, pains=(1, 2)),
        idea(12, status=IdeaStatus.PROPOSED, pains=(2,)),
    ]
    result = stages(pains, ideas, CONFIG, now=NOW)
    purchase = next(r for r in result.rows if r.stage == "Purchase")
    onboarding = next(r for r in result.rows if r.stage == "Onboarding")
    assert (purchase.open_load, purchase.previous_open_load, purchase.trend) == (9, 4, 5)
    assert purchase.in_flight == 2
    assert (onboarding.open_load, onboarding.resolved_load) == (2, 8)
    assert (onboarding.previous_open_load, onboarding.previous_resolved_load) == (6, 3)
    assert (result.weakest, result.strongest) == ("Purchase", "Onboarding")
    assert result.why == (
        "weakest: Purchase (open severity 9, up 5 on 90 days ago; 0 resolved in the last"
        " 90 days); strongest: Onboarding (open severity 2, down 4 on 90 days ago;"
        " 8 resolved in the last 90 days)"
    )
    assert result.missing == (
        "no pain points yet for Awareness, Consideration, Adoption, Retention and Advocacy",
    )


def test_stage_highlights_name_the_weakest_then_the_strongest_then_the_others() -> None:
    pains = [
        pain(1, "Purchase", severity=5),
        pain(2, "Onboarding", severity=1),
        pain(3, "Onboarding", severity=5, status=PainStatus.ADDRESSED, resolved=5),
        pain(4, "Retention", severity=3),
    ]
    result = stages(pains, [], CONFIG, now=NOW)
    assert (result.weakest, result.strongest) == ("Purchase", "Onboarding")
    assert [r.stage for r in result.highlights(3)] == ["Purchase", "Onboarding", "Retention"]
    assert [r.stage for r in result.highlights(2)] == ["Purchase", "Onboarding"]


def test_a_resolved_pain_point_without_a_date_is_left_out_of_the_trend() -> None:
    pains = [pain(1, status=PainStatus.CLOSED, created=200)]
    result = stages(pains, [], CONFIG, now=NOW)
    assert result.rows[2].previous_open_load == 0
    assert "1 resolved pain point without a resolution date, left out of the trend" in (
        result.missing
    )
    assert (result.weakest, result.strongest) == (None, "Purchase")


def test_a_stage_with_nothing_open_is_never_the_weakest() -> None:
    pains = [
        pain(1, "Purchase", status=PainStatus.ADDRESSED, resolved=200, created=300),
        pain(2, "Onboarding", status=PainStatus.ADDRESSED, resolved=300, created=300),
    ]
    result = stages(pains, [], CONFIG, now=NOW)
    assert (result.weakest, result.strongest) == (None, "Purchase")


def test_the_questions_settings_are_read_from_the_journey_config() -> None:
    config = JourneyConfig.model_validate({"questions": {"stuck_days": 30, "outcome_weeks": 6}})
    assert (config.questions.stuck_days, config.questions.outcome_weeks) == (30, 6)
    with pytest.raises(ValidationError, match="stuck_dayz"):
        JourneyConfig.model_validate({"questions": {"stuck_dayz": 30}})


def test_a_stage_removed_from_the_config_still_shows() -> None:
    result = stages([pain(1, "Legacy")], [], CONFIG, now=NOW)
    assert result.rows[-1].stage == "Legacy"
    assert result.weakest == "Legacy"


def test_stages_count_the_outcomes_of_done_ideas_where_their_pain_points_were() -> None:
    pains = [pain(1, "Onboarding", "Email", status=PainStatus.ADDRESSED, resolved=1)]
    ideas = [idea(10, status=IdeaStatus.DONE, since=1, pains=(1,))]
    result = answer(pains, ideas, CONFIG, now=NOW)
    onboarding = next(r for r in result.stages.rows if r.stage == "Onboarding")
    assert onboarding.outcomes == {Verdict.TOO_EARLY: 1}
    assert result.stages.outcomes[0].why.startswith("too early to tell: shipped 1 day ago")


# ---------------------------------------------------------------- 5. say versus do


def test_a_stage_where_what_customers_say_dominates_is_a_gap() -> None:
    pains = [pain(i, "Retention", "Email", source=SAID) for i in range(1, 5)]
    result = say_do(pains, CONFIG)
    retention = next(r for r in result.rows if r.stage == "Retention")
    assert (retention.evidence.said, retention.evidence.observed) == (4, 0)
    assert retention.gap == "Retention: 4 said against 0 observed; watch what customers do"
    assert result.missing == ("no observed-behaviour evidence yet for Retention",)
    assert result.why == retention.gap


def say_do_row(stage: str, *, said: list[str], observed: list[str]) -> StageEvidence:
    """Return `stage`'s row of say/do for one said-backed pain point at each touchpoint in
    `said` and one observed at each in `observed`."""
    sources = [(t, SAID) for t in said] + [(t, OBSERVED) for t in observed]
    pains = [pain(i, stage, t, source=source) for i, (t, source) in enumerate(sources, 1)]
    return next(r for r in say_do(pains, CONFIG).rows if r.stage == stage)


def test_said_and_observed_at_different_touchpoints_is_a_gap() -> None:
    row = say_do_row("Purchase", said=["Checkout", "Checkout"], observed=["Billing", "Billing"])
    assert (row.said_at, row.observed_at) == (("Checkout",), ("Billing",))
    assert (
        row.gap == "Purchase: customers say Checkout hurts, but they are seen struggling at Billing"
    )
    assert row.touchpoints["Billing"].observed == 2


def test_a_tie_that_shares_a_touchpoint_is_no_gap() -> None:
    row = say_do_row("Awareness", said=["Ads", "Website"], observed=["Website", "Community"])
    assert (row.said_at, row.observed_at) == (("Ads", "Website"), ("Website", "Community"))
    assert row.gap is None


def test_three_to_one_is_not_yet_dominance_but_four_to_one_is() -> None:
    three = [pain(i, source=SAID) for i in range(1, 4)] + [pain(9, source=OBSERVED)]
    assert say_do(three, CONFIG).gaps == ()
    four = [*three, pain(5, source=SAID)]
    assert say_do(four, CONFIG).gaps == (
        "Purchase: 4 said against 1 observed; watch what customers do",
    )


def test_say_do_highlights_stages_with_a_gap_before_the_rest() -> None:
    pains = [
        pain(1, "Purchase", source=SAID),
        pain(2, "Purchase", source=OBSERVED),
        pain(3, "Purchase", source=SAID),
        pain(4, "Purchase", source=OBSERVED),
        pain(5, "Retention", "Email", source=SAID),
        pain(6, "Retention", "Email", source=SAID),
        pain(7, "Awareness", source=INTERNAL),
    ]
    result = say_do(pains, CONFIG)
    top = result.highlights(3)
    assert [r.stage for r in top] == ["Retention", "Purchase"]  # internal-only is left out
    assert top[0].gap is not None and top[1].gap is None


def test_agreeing_words_and_behaviour_are_no_gap() -> None:
    pains = [pain(1, source=SAID), pain(2, source=OBSERVED)]
    result = say_do(pains, CONFIG)
    assert result.gaps == ()
    assert result.why.startswith("no gap")


def test_pain_points_without_an_evidence_type_count_as_unknown_never_as_internal() -> None:
    pains = [pain(1, source=None), pain(2, source=INTERNAL)]
    result = say_do(pains, CONFIG)
    row = next(r for r in result.rows if r.stage == "Purchase")
    assert (row.evidence.unknown, row.evidence.internal) == (1, 1)
    assert "1 open pain point without an evidence type (counted as unknown)" in result.missing
    assert "no customer evidence yet for Purchase" in result.missing


# ---------------------------------------------------------------- did it work?


def timeline_of(*created_days_ago: float, stage: str = "Purchase", touchpoint: str = "Checkout"):
    return PainTimeline((stage, touchpoint, days_ago(d)) for d in created_days_ago)


SHIPPED = days_ago(35)  # five weeks ago: the four weeks after have passed
AREA = [("Purchase", "Checkout")]


def test_fewer_pain_points_after_shipping_is_worked() -> None:
    before = [40, 45, 50, 55, 60, 61]  # six in the four weeks before
    result = outcome(
        1, shipped_at=SHIPPED, area=AREA, timeline=timeline_of(*before, 10), now=NOW, weeks=4
    )
    assert (result.verdict, result.before, result.after) == (Verdict.WORKED, 6, 1)
    assert result.before_per_week == 1.5
    assert result.why == (
        "worked: 0.2 new pain points a week since shipping against 1.5 before;"
        " no survey answers yet"
    )


def test_more_pain_points_after_shipping_is_worse() -> None:
    result = outcome(
        1, shipped_at=SHIPPED, area=AREA, timeline=timeline_of(40, 30, 20, 10), now=NOW
    )
    assert (result.verdict, result.before, result.after) == (Verdict.WORSE, 1, 3)


def test_a_steady_rate_and_mixed_answers_are_no_change() -> None:
    result = outcome(
        1,
        shipped_at=SHIPPED,
        area=AREA,
        timeline=timeline_of(40, 50, 20, 10),
        answers=[SurveyAnswer.YES, SurveyAnswer.NOT_YET],
        now=NOW,
    )
    assert result.verdict is Verdict.NO_CHANGE
    assert result.why.endswith("asked, 1 yes, 1 not yet")


def test_most_people_saying_worse_makes_it_worse_even_with_steady_pain_points() -> None:
    answers = [SurveyAnswer.WORSE, SurveyAnswer.WORSE, SurveyAnswer.YES]
    result = outcome(
        1, shipped_at=SHIPPED, area=AREA, timeline=timeline_of(), answers=answers, now=NOW
    )
    assert result.verdict is Verdict.WORSE


def test_counts_and_answers_pointing_both_ways_are_no_change() -> None:
    answers = [SurveyAnswer.WORSE, SurveyAnswer.WORSE]
    result = outcome(
        1,
        shipped_at=SHIPPED,
        area=AREA,
        timeline=timeline_of(40, 45, 50, 55),
        answers=answers,
        now=NOW,
    )
    assert result.verdict is Verdict.NO_CHANGE
    assert "the signals disagree" in result.why


def test_an_idea_done_three_days_ago_is_too_early_to_tell() -> None:
    result = outcome(
        1, shipped_at=days_ago(3), area=AREA, timeline=timeline_of(10, 20), now=NOW, weeks=4
    )
    assert result.verdict is Verdict.TOO_EARLY
    assert result.why.startswith("too early to tell: shipped 3 days ago")


def test_a_whole_stage_is_watched_when_a_pain_point_has_no_touchpoint() -> None:
    timeline = PainTimeline(
        [("Purchase", "Checkout", days_ago(40)), ("Purchase", "Billing", days_ago(41))]
    )
    result = outcome(
        1,
        shipped_at=SHIPPED,
        area=[("Purchase", None), ("Purchase", "Checkout")],
        timeline=timeline,
        now=NOW,
    )
    assert (result.before, result.area) == (2, ("Purchase", "Purchase / Checkout"))


def test_nothing_to_watch_and_nobody_asked_is_too_early_to_tell() -> None:
    result = outcome(1, shipped_at=SHIPPED, area=[], timeline=timeline_of(), now=NOW)
    assert result.verdict is Verdict.TOO_EARLY
    assert "no linked pain points to watch" in result.why


def test_outcomes_watch_the_stage_and_touchpoints_of_each_done_ideas_pain_points() -> None:
    pains = [pain(1, "Purchase", "Checkout", status=PainStatus.ADDRESSED, created=70, resolved=35)]
    pains += [pain(i, "Purchase", "Checkout", created=40 + i) for i in range(2, 7)]
    pains += [pain(9, "Purchase", "Email", created=10)]  # elsewhere: not counted
    ideas = [idea(10, status=IdeaStatus.DONE, since=35, pains=(1,)), idea(11, pains=(1,))]
    (result,) = outcomes(pains, ideas, CONFIG, now=NOW)
    assert (result.idea_id, result.verdict, result.before, result.after) == (
        10,
        Verdict.WORKED,
        5,
        0,
    )


# ---------------------------------------------------------------- edge cases


def test_an_empty_workspace_still_gets_five_answers() -> None:
    result = answer([], [], CONFIG, now=NOW)
    assert result.impact.why == "no active ideas yet: propose one with /idea"
    assert result.effort.why == "no active ideas yet: propose one with /idea"
    assert result.obstacles.why == "no open pain points: nothing stands in the way"
    assert result.stages.why == "no pain points yet: log one with /pain"
    assert result.say_do.why == "no open pain points yet: log one with /pain"
    assert len(result.stages.rows) == len(CONFIG.stages)


def test_ideas_without_facts_read_as_unestimated() -> None:
    bare = JourneyIdea(1, "Bare", IdeaStatus.PROPOSED, days_ago(1), (1,))
    result = answer([pain(1)], [bare], CONFIG, now=NOW)
    assert result.impact.unestimated == (1,)
    assert result.effort.unestimated == (1,)
    assert result.obstacles.rows[0].obstacles[0].reasons == ("unestimated",)


# ---------------------------------------------------------------- any data


@st.composite
def workspaces(draw: st.DrawFn) -> tuple[list[JourneyPain], list[JourneyIdea]]:
    """Pain points and ideas of any shape: missing touchpoints, sources, estimates, dates."""
    n_pains = draw(st.integers(0, 12))
    pains = [
        pain(
            i,
            draw(st.sampled_from([*CONFIG.stages[:3], "Legacy"])),
            draw(st.none() | st.sampled_from(["Checkout", "Email", "Billing"])),
            draw(st.integers(1, 5)),
            status=(status := draw(st.sampled_from(list(PainStatus)))),
            source=draw(st.none() | st.sampled_from(list(EvidenceSource))),
            created=draw(st.floats(0, 400)),
            resolved=draw(st.none() | st.floats(0, 400)) if status is not PainStatus.OPEN else None,
        )
        for i in range(1, n_pains + 1)
    ]
    ideas = [
        idea(
            100 + n,
            status=draw(st.sampled_from(list(IdeaStatus))),
            since=draw(st.floats(0, 400)),
            pains=tuple(draw(st.lists(st.integers(1, max(1, n_pains)), max_size=3, unique=True))),
            estimates=draw(st.integers(0, 5)),
            impact=draw(st.none() | st.integers(1, 5)),
            complexity=draw(st.none() | st.integers(1, 5)),
            weeks=draw(st.none() | st.sampled_from([0.5, 1.0, 3.0, 6.0, 12.0])),
            supporters=draw(st.integers(0, 3)),
        )
        for n in range(draw(st.integers(0, 6)))
    ]
    return pains, ideas


@settings(max_examples=150, deadline=None)
@given(workspaces(), st.lists(st.sampled_from(list(SurveyAnswer)), max_size=4))
def test_every_question_answers_with_a_why_whatever_the_data(data, said) -> None:
    pains, ideas = data
    answers = {i.id: said for i in ideas}
    result = answer(pains, ideas, CONFIG, now=NOW, answers=answers)
    for part in (result.impact, result.effort, result.obstacles, result.stages, result.say_do):
        assert part.why
    open_load = sum(p.severity for p in pains if p.status is PainStatus.OPEN)
    assert sum(r.open_load for r in result.stages.rows) == open_load
    assert sum(r.severity_load for r in result.obstacles.rows) == open_load
    evidence = [r.evidence for r in result.say_do.rows]
    counted = sum(e.said + e.observed + e.internal + e.unknown for e in evidence)
    assert counted == sum(p.status is PainStatus.OPEN for p in pains)
    done = [i for i in ideas if i.status is IdeaStatus.DONE]
    assert len(result.stages.outcomes) == len(done)
    assert result.stages.weakest is None or result.stages.weakest != result.stages.strongest
