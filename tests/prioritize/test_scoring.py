"""Scoring strategies, consensus, quadrants, ranking and buckets, with hand-worked numbers."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prioritize.config import Capacity, ScoringConfig, Strategy, Weights
from prioritize.models import Bucket, IdeaStatus, Quadrant
from prioritize.scoring import (
    Breakdown,
    Consensus,
    IdeaFacts,
    Score,
    breakdown,
    bucket_for,
    consensus,
    explain,
    plan,
    quadrant_for,
    rank,
    reach_points,
    roadmap,
    score,
)


@dataclass
class Rating:
    """A stand-in estimate: anything with these four attributes can be aggregated."""

    team: str | None = None
    impact: int | None = None
    complexity: int | None = None
    weeks: float | None = None


def facts(
    idea_id: int = 1,
    *,
    count: int = 3,
    impact: float | None = 4,
    complexity: float | None = 2,
    weeks: float | None = 2,
    disagreement: str | None = None,
    supporters: int = 2,
    pain_points: int = 1,
    pain_severity: int = 4,
    max_severity: int = 4,
    teams: int = 2,
    status: IdeaStatus = IdeaStatus.PROPOSED,
    pinned: Bucket | None = None,
) -> IdeaFacts:
    return IdeaFacts(
        idea_id=idea_id,
        consensus=Consensus(
            count=count,
            impact=impact,
            complexity=complexity,
            weeks=weeks,
            disagreement=disagreement,
        ),
        supporters=supporters,
        pain_points=pain_points,
        pain_severity=pain_severity,
        max_severity=max_severity,
        teams=teams,
        status=status,
        pinned_bucket=pinned,
    )


def config(strategy: Strategy = Strategy.WEIGHTED, **options: object) -> ScoringConfig:
    return ScoringConfig(strategy=strategy, **options)


# The running example: impact 4, complexity 2, 2 weeks, three estimates, 2 supporters,
# one open pain point of severity 4, two teams.
# reach points = supporters 2 + severity 4 + 2 x teams 2 = 10; reach share = 10 / (10 + 10) = 0.5


def test_reach_counts_supporters_severity_and_each_team_twice():
    assert reach_points(facts()) == 2 + 4 + 2 * 2


def test_weighted_score_adds_the_four_weighted_terms_on_a_0_to_100_scale():
    s = score(facts(), config())
    # weights 0.40/0.25/0.20/0.15 sum to 1, so the scale is 100
    # impact: 100 x 0.40 x (4 - 1) / 4 = 30.0
    # reach:  100 x 0.25 x 0.5         = 12.5
    # ease:   100 x 0.20 x (5 - 2) / 4 = 15.0
    # speed:  100 x 0.15 x 4 / (4 + 2) = 10.0
    assert s.value == 67.5
    assert not s.needs_estimates


def test_weighted_score_normalises_weights_that_do_not_sum_to_one():
    # impact only: 100 x 2 / 2 x (4 - 1) / 4 = 75.0 whatever the weight's size
    only_impact = Weights(impact=2, reach=0, ease=0, speed=0)
    assert score(facts(), config(weights=only_impact)).value == 75.0


def test_weighted_score_is_100_for_the_best_possible_idea():
    best = facts(impact=5, complexity=1, weeks=0.001, supporters=10**9)
    # 40 + 25 x (almost 1) + 20 + 15 x (almost 1), rounded to one decimal
    assert score(best, config()).value == 100.0


def test_rice_is_reach_times_impact_times_confidence_over_weeks():
    # 10 x 4 x 1.0 / 2 = 20.0
    assert score(facts(), config(Strategy.RICE)).value == 20.0


def test_rice_confidence_drops_by_a_fifth_when_estimates_disagree():
    # 10 x 4 x 0.8 / 2 = 16.0
    s = score(facts(disagreement="impact: Sales say 5, Engineering say 1"), config(Strategy.RICE))
    assert s.value == 16.0


def test_ice_multiplies_impact_confidence_and_ease_on_1_to_10():
    # impact 2 x 4 = 8, confidence 10 x 1 = 10, ease 2 x (6 - 2) = 8: 8 x 10 x 8 / 10 = 64.0
    assert score(facts(), config(Strategy.ICE)).value == 64.0


def test_ice_confidence_is_the_share_of_the_minimum_estimates():
    # one estimate of three: confidence 10 / 3; 8 x 3.333 x 8 / 10 = 21.33 -> 21.3
    s = score(facts(count=1), config(Strategy.ICE))
    assert s.value == 21.3
    assert s.needs_estimates


def test_wsjf_is_cost_of_delay_over_job_size():
    # cost of delay = impact 4 + reach (1 + 4 x 0.5 = 3) + urgency (max severity 4) = 11
    # 11 / 2 weeks = 5.5
    assert score(facts(), config(Strategy.WSJF)).value == 5.5


def test_wsjf_urgency_is_one_without_linked_pain():
    # reach points 2 + 0 + 4 = 6, share 6 / 16 = 0.375, reach term 1 + 1.5 = 2.5
    # cost of delay 4 + 2.5 + 1 = 7.5; 7.5 / 2 = 3.75 -> 3.8 (half to even on 3.75 exactly)
    s = score(facts(pain_points=0, pain_severity=0, max_severity=0), config(Strategy.WSJF))
    assert s.value == 3.8


def test_an_idea_without_estimates_is_scored_on_assumed_middle_values():
    s = score(
        facts(
            count=0,
            impact=None,
            complexity=None,
            weeks=None,
            supporters=0,
            pain_points=0,
            pain_severity=0,
            max_severity=0,
            teams=0,
        ),
        config(),
    )
    # impact 3 -> 40 x 0.5 = 20, reach 0, ease 3 -> 20 x 0.5 = 10, 4 weeks -> 15 x 0.5 = 7.5
    assert s.value == 37.5
    assert s.needs_estimates
    assert s.weeks == 4.0  # the configured default_weeks, used for bucketing
    assert s.quadrant is None
    line = explain(s, config())
    assert "impact 3/5 (assumed)" in line
    assert "needs estimates: 0 of 3" in line


@pytest.mark.parametrize(
    ("strategy", "start"),
    [
        (Strategy.WEIGHTED, "67.5 = impact 4/5 → 30.0 + reach [2 supporters, 1 pain point"),
        (Strategy.RICE, "RICE 20 = reach 10 ["),
        (Strategy.ICE, "ICE 64 = impact 8/10 × confidence 10/10 × ease 8/10 ÷ 10"),
        (Strategy.WSJF, "WSJF 5.5 = cost of delay 11 (impact 4 + reach 3 + urgency 4)"),
    ],
)
def test_every_strategy_explains_its_score_in_one_line(strategy, start):
    s = score(facts(), config(strategy))
    line = explain(s, config(strategy))
    assert line.startswith(start)
    assert "\n" not in line


def test_the_explanation_names_who_disagrees():
    s = score(facts(disagreement="impact: Sales say 5, Engineering say 1"), config())
    assert explain(s, config()).endswith(
        "; estimates disagree (impact: Sales say 5, Engineering say 1)"
    )


# ---------------------------------------------------------------- consensus


def test_consensus_takes_the_median_of_each_criterion_and_its_spread():
    c = consensus(
        [
            Rating("Sales", impact=1, complexity=2, weeks=1),
            Rating("Product", impact=2, complexity=3, weeks=6),
            Rating("Support", impact=3, weeks=3),
        ]
    )
    assert (c.count, c.impact, c.complexity, c.weeks) == (3, 2.0, 2.5, 3.0)
    assert (c.impact_spread, c.complexity_spread, c.weeks_spread) == (2, 1, 5.0)
    assert c.teams == ("Product", "Sales", "Support")
    assert not c.disagree


def test_consensus_of_nothing_is_empty():
    c = consensus([])
    assert c == Consensus()
    assert c.impact is None and c.count == 0


def test_raters_three_points_apart_disagree_and_the_line_names_both_ends():
    c = consensus(
        [
            Rating("Sales", impact=5),
            Rating("Marketing", impact=5),
            Rating("Engineering", impact=2),
            Rating("Product", impact=4),
        ]
    )
    assert c.disagreement == "impact: Marketing and Sales say 5, Engineering say 2"


def test_disagreement_on_both_criteria_is_one_line_and_names_unknown_teams_as_someone():
    c = consensus([Rating("Sales", impact=5, complexity=1), Rating(None, impact=1, complexity=5)])
    assert c.disagreement == (
        "impact: Sales say 5, someone say 1; complexity: someone say 5, Sales say 1"
    )


def test_the_disagreement_threshold_is_configurable():
    ratings = [Rating("Sales", impact=4), Rating("Support", impact=2)]
    assert not consensus(ratings).disagree
    assert consensus(ratings, disagree_spread=2).disagreement == (
        "impact: Sales say 4, Support say 2"
    )


def test_one_rater_never_disagrees_with_themselves():
    assert not consensus([Rating("Sales", impact=5, complexity=1)], disagree_spread=1).disagree


# ---------------------------------------------------------------- quadrants


@pytest.mark.parametrize(
    ("impact", "complexity", "weeks", "expected"),
    [
        # value 0.75 x (5 - 1) / 4 = 0.75; effort ((1 - 1) / 4 + 1 / 12) / 2 = 0.04
        (5, 1, 1, Quadrant.QUICK_WIN),
        # value 0.75; effort (1 + 1) / 2 = 1
        (5, 5, 12, Quadrant.BIG_BET),
        # value 0; effort 0.04
        (1, 1, 1, Quadrant.FILL_IN),
        # value 0; effort 1
        (1, 5, 12, Quadrant.MONEY_PIT),
        # effort from complexity alone: (3 - 1) / 4 = 0.5 is already high
        (5, 3, None, Quadrant.BIG_BET),
        # effort from time alone: 5 / 12 = 0.42 is low
        (5, None, 5, Quadrant.QUICK_WIN),
    ],
)
def test_quadrant_compares_value_with_effort(impact, complexity, weeks, expected):
    c = Consensus(count=3, impact=impact, complexity=complexity, weeks=weeks)
    assert quadrant_for(c) is expected


def test_reach_lifts_a_middling_impact_into_high_value():
    c = Consensus(count=3, impact=3, complexity=1, weeks=1)
    # value 0.75 x 0.5 = 0.375 without reach; + 0.25 x 0.5 = 0.5 with reach share 0.5
    assert quadrant_for(c) is Quadrant.FILL_IN
    assert quadrant_for(c, reach=0.5) is Quadrant.QUICK_WIN


def test_no_quadrant_without_impact_or_without_any_effort_estimate():
    assert quadrant_for(Consensus(count=1, complexity=2, weeks=1)) is None
    assert quadrant_for(Consensus(count=1, impact=4)) is None


# ---------------------------------------------------------------- ranking


def plain(
    idea_id: int,
    value: float,
    *,
    needs: bool = False,
    supporters: int = 0,
    severity: int = 0,
    weeks: float = 1.0,
    status: IdeaStatus = IdeaStatus.PROPOSED,
    pinned: Bucket | None = None,
) -> Score:
    f = IdeaFacts(
        idea_id=idea_id,
        supporters=supporters,
        pain_severity=severity,
        status=status,
        pinned_bucket=pinned,
    )
    return Score(idea_id, value, needs, None, weeks, f)


def test_rank_puts_enough_estimates_first_then_higher_score():
    ranked = rank([plain(1, 90, needs=True), plain(2, 10), plain(3, 50)])
    assert [s.idea_id for s in ranked] == [3, 2, 1]


def test_rank_breaks_a_score_tie_by_supporters_then_pain_severity_then_age():
    tied = [
        plain(5, 60, supporters=1, severity=9),
        plain(4, 60, supporters=3, severity=0),
        plain(3, 60, supporters=1, severity=2),
        plain(2, 60, supporters=1, severity=9),
    ]
    assert [s.idea_id for s in rank(tied)] == [4, 2, 5, 3]


def test_rank_uses_supporters_when_scores_tie_under_a_strategy_that_ignores_reach():
    a, b = facts(1, impact=4), replace(facts(2, impact=4), supporters=5)
    # ICE ignores reach, so more supporters change only the tie-break
    ranked = rank([score(a, config(Strategy.ICE)), score(b, config(Strategy.ICE))])
    assert [s.idea_id for s in ranked] == [2, 1]


# ---------------------------------------------------------------- buckets


def test_plan_fills_now_then_next_in_rank_order_and_lets_small_ideas_fill_gaps():
    capacity = Capacity(now=12, next=24)
    ranked = [
        plain(1, 90, weeks=6),
        plain(2, 80, weeks=8),
        plain(3, 70, weeks=4),
        plain(4, 60, weeks=10),
        plain(5, 50, weeks=30),
    ]
    # 1: Now (6 of 12); 2: 6 + 8 > 12 so Next (8 of 24); 3: 6 + 4 = 10 fits Now
    # 4: Now 10 + 10 > 12, Next 8 + 10 = 18 fits; 5: fits neither, Later
    assert plan(ranked, capacity) == {
        1: Bucket.NOW,
        2: Bucket.NEXT,
        3: Bucket.NOW,
        4: Bucket.NEXT,
        5: Bucket.LATER,
    }


def test_an_idea_exactly_filling_now_still_fits():
    assert plan([plain(1, 90, weeks=12)], Capacity(now=12, next=24)) == {1: Bucket.NOW}


def test_ideas_in_progress_and_pins_keep_their_bucket_and_use_its_capacity_first():
    ranked = [
        plain(1, 90, weeks=6),
        plain(2, 80, weeks=1, pinned=Bucket.LATER),
        plain(3, 10, weeks=10, status=IdeaStatus.IN_PROGRESS),
        plain(4, 5, weeks=20, pinned=Bucket.NEXT, needs=True),
    ]
    # In progress #3 takes 10 of Now's 12 and pinned #4 takes 20 of Next's 24, so the
    # top-ranked #1 (6 weeks) fits neither and goes Later; #2 stays pinned to Later.
    assert plan(ranked, Capacity(now=12, next=24)) == {
        1: Bucket.LATER,
        2: Bucket.LATER,
        3: Bucket.NOW,
        4: Bucket.NEXT,
    }


def test_done_and_wont_do_ideas_leave_the_roadmap_even_when_pinned():
    ranked = [
        plain(1, 90, status=IdeaStatus.DONE, pinned=Bucket.NOW),
        plain(2, 80, status=IdeaStatus.WONT_DO),
        plain(3, 70, weeks=12),
    ]
    # the Done idea's 1 week does not count against Now: #3 still fits exactly
    assert plan(ranked, Capacity(now=12, next=0)) == {1: None, 2: None, 3: Bucket.NOW}


def test_ideas_that_need_estimates_go_later_however_small():
    assert plan([plain(1, 99, needs=True, weeks=0.5)], Capacity()) == {1: Bucket.LATER}


def test_bucket_for_follows_status_then_pin():
    assert bucket_for(IdeaStatus.IN_PROGRESS, None) is Bucket.NOW
    assert bucket_for(IdeaStatus.IN_PROGRESS, Bucket.NEXT) is Bucket.NEXT
    assert bucket_for(IdeaStatus.PROPOSED, None) is None
    assert bucket_for(IdeaStatus.DONE, Bucket.NOW) is None


def test_roadmap_numbers_ranks_from_one_and_buckets_every_idea():
    items = roadmap(
        [facts(1, weeks=10), facts(2, weeks=1, impact=5), facts(3, count=1)],
        config(capacity=Capacity(now=5, next=10)),
    )
    assert [(i.rank, i.score.idea_id, i.bucket) for i in items] == [
        (1, 2, Bucket.NOW),
        (2, 1, Bucket.NEXT),
        (3, 3, Bucket.LATER),
    ]


# ---------------------------------------------------------------- one explanation source

_ratings = st.builds(
    Rating,
    team=st.sampled_from([None, "Sales", "Support"]),
    impact=st.none() | st.integers(1, 5),
    complexity=st.none() | st.integers(1, 5),
    weeks=st.none() | st.sampled_from([0.1, 0.5, 1.0, 3.0, 12.0, 52.0]),
)


@st.composite
def _random_facts(draw: st.DrawFn) -> IdeaFacts:
    severity = draw(st.integers(0, 15))
    return IdeaFacts(
        idea_id=draw(st.integers(1, 1000)),
        consensus=consensus(draw(st.lists(_ratings, max_size=6)), disagree_spread=2),
        supporters=draw(st.integers(0, 30)),
        pain_points=min(severity, 3),
        pain_severity=severity,
        max_severity=min(severity, 5),
        teams=draw(st.integers(0, 7)),
    )


_configs = st.builds(
    ScoringConfig,
    strategy=st.sampled_from(Strategy),
    weights=st.builds(
        Weights,
        impact=st.floats(0.01, 3),
        reach=st.floats(0, 3),
        ease=st.floats(0, 3),
        speed=st.floats(0, 3),
    ),
    min_estimates=st.integers(1, 5),
    default_weeks=st.sampled_from([0.5, 4.0, 26.0]),
)


def _recombined(b: Breakdown) -> float:
    """The strategy's formula written out again, independently of the code that scores."""
    f = dict(b.factors)
    if b.strategy is Strategy.WEIGHTED:
        return f["impact"] + f["reach"] + f["ease"] + f["speed"]
    if b.strategy is Strategy.RICE:
        return f["reach"] * f["impact"] * f["confidence"] / f["effort"]
    if b.strategy is Strategy.ICE:
        return f["impact"] * f["confidence"] * f["ease"] / 10
    return (f["impact"] + f["reach"] + f["urgency"]) / f["job size"]


@settings(max_examples=400, deadline=None)
@given(_random_facts(), _configs)
def test_the_explained_factors_combine_into_the_score_for_every_strategy(
    f: IdeaFacts, config: ScoringConfig
) -> None:
    s = score(f, config)
    b = breakdown(f, config)
    assert b.strategy is config.strategy
    assert round(b.value, 1) == s.value
    assert _recombined(b) == pytest.approx(b.value, rel=1e-12, abs=1e-12)
    line = explain(s, config)
    assert line.split(" = ")[0].split()[-1] == f"{s.value:g}"
    factors = dict(b.factors)
    if config.strategy is Strategy.WEIGHTED:
        # Each term of the sum is printed as it was added.
        for name in ("impact", "reach", "ease", "speed"):
            assert f"→ {factors[name]:.1f}" in line
    elif config.strategy is Strategy.RICE:
        assert f"confidence {factors['confidence']:.0%}" in line
        assert f"reach {factors['reach']:g} [" in line
    elif config.strategy is Strategy.ICE:
        assert f"confidence {factors['confidence']:.0f}/10" in line
    else:
        assert f"urgency {factors['urgency']:g})" in line


def test_a_weighted_explanation_adds_up_to_its_score_by_hand():
    f = facts(impact=4, complexity=2, weeks=2, supporters=3, pain_severity=4, teams=2)
    b = breakdown(f, ScoringConfig())
    assert [name for name, _ in b.factors] == ["impact", "reach", "ease", "speed"]
    # 40 × 3/4 + 25 × 11/21 + 20 × 3/4 + 15 × 4/6
    assert sum(v for _, v in b.factors) == pytest.approx(30 + 25 * 11 / 21 + 15 + 10)
    assert score(f, ScoringConfig()).value == round(30 + 25 * 11 / 21 + 15 + 10, 1)
