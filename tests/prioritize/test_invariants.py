"""Properties that must hold for any data: independence of scores, a total ranking order,
and votes that never count twice."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from prioritize.config import ScoringConfig, Strategy
from prioritize.models import Bucket, Estimate, Idea, IdeaStatus, Support
from prioritize.scoring import IdeaFacts, Score, consensus, rank, roadmap, score
from storage.store import Store

TEAMS = [None, "Sales", "Product", "Engineering"]


@dataclass
class Rating:
    team: str | None
    impact: int | None
    complexity: int | None
    weeks: float | None


ratings = st.builds(
    Rating,
    team=st.sampled_from(TEAMS),
    impact=st.none() | st.integers(1, 5),
    complexity=st.none() | st.integers(1, 5),
    weeks=st.none() | st.sampled_from([0.5, 1.0, 2.0, 3.0, 6.0, 12.0]),
)


@st.composite
def idea_facts(draw: st.DrawFn, idea_id: int) -> IdeaFacts:
    # Small ranges on purpose: ties are frequent, so the tie-break is exercised.
    severity = draw(st.integers(0, 10))
    return IdeaFacts(
        idea_id=idea_id,
        consensus=consensus(draw(st.lists(ratings, max_size=5))),
        supporters=draw(st.integers(0, 3)),
        pain_points=min(severity, 2),
        pain_severity=severity,
        max_severity=min(severity, 5),
        teams=draw(st.integers(0, 3)),
        status=draw(st.sampled_from(IdeaStatus)),
        pinned_bucket=draw(st.none() | st.sampled_from(Bucket)),
    )


@st.composite
def idea_sets(draw: st.DrawFn, min_size: int = 0, max_size: int = 12) -> list[IdeaFacts]:
    n = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    return [draw(idea_facts(i)) for i in ids]


configs = st.builds(
    ScoringConfig,
    strategy=st.sampled_from(Strategy),
    min_estimates=st.integers(1, 4),
)


@given(idea_sets(), idea_facts(idea_id=0), configs)
def test_adding_an_idea_never_changes_another_ideas_score(existing, newcomer, config):
    before = {item.score.idea_id: item.score for item in roadmap(existing, config)}
    after = {item.score.idea_id: item.score for item in roadmap([*existing, newcomer], config)}
    for idea_id, s in before.items():
        assert (after[idea_id].value, after[idea_id].quadrant) == (s.value, s.quadrant)


def _ranked_ids(scores: list[Score]) -> list[int]:
    return [s.idea_id for s in rank(scores)]


@given(idea_sets(min_size=1), configs, st.randoms(use_true_random=False))
def test_ranking_is_the_same_whatever_order_the_ideas_arrive_in(ideas, config, rnd):
    scores = [score(f, config) for f in ideas]
    shuffled = scores[:]
    rnd.shuffle(shuffled)
    assert _ranked_ids(shuffled) == _ranked_ids(scores)


@given(idea_sets(min_size=2, max_size=8), configs)
def test_ranking_is_a_total_order(ideas, config):
    ranked = rank(score(f, config) for f in ideas)
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            # antisymmetric and total: any two distinct ideas have one order, either way in
            assert _ranked_ids([a, b]) == _ranked_ids([b, a]) == [a.idea_id, b.idea_id]


# ---------------------------------------------------------------- re-voting, through storage

votes = st.lists(
    st.one_of(
        st.tuples(st.just("support"), st.sampled_from(["U1", "U2", "U3"])),
        st.tuples(
            st.just("estimate"),
            st.sampled_from(["U1", "U2", "U3", "U4"]),
            st.none() | st.integers(1, 5),
            st.none() | st.integers(1, 5),
            st.none() | st.sampled_from([1.0, 2.5, 6.0]),
        ).filter(lambda v: v[2:] != (None, None, None)),
    ),
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(votes)
def test_revoting_never_double_counts(actions):
    start = datetime(2025, 1, 6, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "votes.db")
        try:
            idea = store.ideas.add(Idea(team_id="T1", proposer="U1", title="Retry"), now=start)
            latest: dict[str, Rating] = {}
            supporters: set[str] = set()
            for n, action in enumerate(actions):
                now = start + timedelta(minutes=n)
                if action[0] == "support":
                    added = store.votes.add_support(
                        Support(team_id="T1", idea_id=idea.id, user=action[1]), now=now
                    )
                    assert added == (action[1] not in supporters)
                    supporters.add(action[1])
                    continue
                _, voter, impact, complexity, weeks = action
                _, replaced = store.votes.record_estimate(
                    Estimate(team_id="T1", idea_id=idea.id, voter=voter, impact=impact,
                             complexity=complexity, weeks=weeks),
                    now=now,
                )  # fmt: skip
                assert replaced == (voter in latest)
                old = latest.get(voter, Rating(None, None, None, None))
                latest[voter] = Rating(
                    None,
                    impact if impact is not None else old.impact,
                    complexity if complexity is not None else old.complexity,
                    weeks if weeks is not None else old.weeks,
                )
            assert len(store.votes.estimates(idea.id)) == len(latest)
            assert sorted(store.votes.supporters(idea.id)) == sorted(supporters)
            (facts,) = store.stats.facts("T1")
            assert facts.supporters == len(supporters)
            assert facts.consensus == consensus(latest.values())
        finally:
            store.close()
