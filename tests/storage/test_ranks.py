"""The ranking index agrees with ranking the whole workspace, after any sequence of changes.

Every write path that moves a rank or a bucket is drawn at random (votes, +1s and their
retraction, status, pins, merges, pain point severity and status, new ideas with links,
relinking an idea, a config change) and after each step every idea's rank and bucket read
from the index must be what `prioritize.roadmap` gives for the same facts.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prioritize.config import Capacity, ScoringConfig, Strategy, Weights
from prioritize.errors import InvalidInput
from prioritize.models import (
    Bucket,
    Estimate,
    Idea,
    IdeaStatus,
    PainPoint,
    PainStatus,
    Support,
)
from prioritize.scoring import roadmap
from storage.store import Store

T1, T2 = "T0001", "T0002"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
USERS = ["U1", "U2", "U3", "U4"]
TEAMS = [None, "Sales", "Support", "Engineering"]
# Sizes that do not add up exactly in binary (0.1, 0.3) on purpose: bucket edges must
# agree to the last bit between the index and the full walk.
WEEKS = [0.1, 0.3, 0.5, 1.0, 2.5, 3.0, 6.0, 12.0]

scorings = st.builds(
    ScoringConfig,
    strategy=st.sampled_from(Strategy),
    weights=st.builds(
        Weights,
        impact=st.sampled_from([0.4, 1.0]),
        reach=st.sampled_from([0.0, 0.25]),
        ease=st.sampled_from([0.2, 0.5]),
        speed=st.sampled_from([0.15, 0.0]),
    ),
    min_estimates=st.integers(1, 3),
    disagree_spread=st.integers(1, 4),
    capacity=st.builds(
        Capacity,
        now=st.sampled_from([0.0, 0.4, 1.0, 3.5, 12.0]),
        next=st.sampled_from([0.0, 0.6, 3.0, 24.0]),
    ),
    default_weeks=st.sampled_from([0.3, 4.0]),
)

ops = st.one_of(
    st.tuples(st.just("idea"), st.lists(st.integers(0, 2), max_size=2, unique=True)),
    st.tuples(
        st.just("estimate"),
        st.integers(0, 9),
        st.sampled_from(USERS),
        st.none() | st.integers(1, 5),
        st.none() | st.integers(1, 5),
        st.sampled_from(WEEKS),
    ),
    st.tuples(
        st.just("support"), st.integers(0, 9), st.sampled_from(USERS), st.sampled_from(TEAMS)
    ),
    st.tuples(st.just("unsupport"), st.integers(0, 9), st.sampled_from(USERS)),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from(IdeaStatus)),
    st.tuples(st.just("pin"), st.integers(0, 9), st.none() | st.sampled_from(Bucket)),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("pain"), st.integers(0, 2), st.integers(1, 5), st.sampled_from(PainStatus)),
    st.tuples(st.just("link"), st.integers(0, 9), st.lists(st.integers(0, 2), max_size=3)),
    st.tuples(st.just("config"), scorings),
)


def apply(store: Store, ideas: list[int], pains: list[int], op: tuple[Any, ...], n: int) -> None:
    now = START + timedelta(minutes=n)
    kind, *args = op
    pick = ideas[args[0] % len(ideas)] if kind not in ("idea", "pain", "config") else None
    if kind == "idea":
        idea = Idea(team_id=T1, proposer="U1", title=f"Idea {n}",
                    pain_point_ids=[pains[i] for i in args[0]])  # fmt: skip
        ideas.append(store.ideas.add(idea, now=now).id)
    elif kind == "estimate":
        voter, impact, complexity, weeks = args[1:]
        team = TEAMS[USERS.index(voter)]
        store.votes.record_estimate(
            Estimate(team_id=T1, idea_id=pick, voter=voter, team=team, impact=impact,
                     complexity=complexity, weeks=weeks),
            now=now,
        )  # fmt: skip
    elif kind == "support":
        store.votes.add_support(
            Support(team_id=T1, idea_id=pick, user=args[1], team=args[2]), now=now
        )
    elif kind == "unsupport":
        store.votes.remove_support(T1, pick, args[1])
    elif kind == "status":
        store.ideas.set_status(T1, pick, args[1], by="U1", source="slack", now=now)
    elif kind == "pin":
        store.ideas.update(T1, pick, now=now, pinned_bucket=args[1])
    elif kind == "merge":
        into = ideas[args[1] % len(ideas)]
        # The same idea, or one merged already: refused, and nothing changed.
        with contextlib.suppress(InvalidInput):
            store.ideas.merge(T1, pick, into, now=now)
    elif kind == "pain":
        store.pains.update(T1, pains[args[0]], severity=args[1], status=args[2])
    elif kind == "link":
        store.ideas.update(T1, pick, now=now, pain_point_ids=[pains[i] for i in args[1]])
    elif kind == "config":
        store.use_scoring(args[0])


def assert_index_agrees(store: Store) -> None:
    scoring = store.scoring
    full = roadmap(store.stats.facts(T1), scoring)
    expected = {item.score.idea_id: (item.rank, item.bucket) for item in full}
    for idea_id, want in expected.items():
        assert store.stats.standing(T1, idea_id) == want, (idea_id, scoring)
    assert store.stats.ranked(T1, list(expected)) == expected
    active = [item.score.idea_id for item in full if item.score.facts.status.is_active]
    assert store.stats.top_ids(T1, 3) == active[:3]
    assert store.stats.top_ids(T1, 100) == active
    assert store.stats.active_count(T1) == len(active)
    merged = [i for (i,) in store.db.execute("select id from ideas where merged_into is not null")]
    assert all(store.stats.standing(T1, i) is None for i in merged)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(ops, min_size=1, max_size=30), scorings)
def test_rank_and_bucket_from_the_index_match_the_whole_roadmap(
    steps: list[tuple[Any, ...]], scoring: ScoringConfig
) -> None:
    store = Store.open(":memory:", scoring=scoring)
    try:
        store.stats.ensure()
        pains = [
            store.pains.add(
                PainPoint(team_id=T1, reporter="U1", text=f"Pain {n}", stage="Purchase",
                          severity=n + 2), now=START,
            ).id
            for n in range(3)
        ]  # fmt: skip
        ideas = [
            store.ideas.add(Idea(team_id=T1, proposer="U1", title=f"First {n}",
                                pain_point_ids=pains[n:n + 1]), now=START).id
            for n in range(2)
        ]  # fmt: skip
        # Another workspace's idea must never count in this one's ranks or buckets.
        other = store.ideas.add(Idea(team_id=T2, proposer="U9", title="Elsewhere"), now=START)
        store.votes.record_estimate(
            Estimate(team_id=T2, idea_id=other.id, voter="U9", impact=5, complexity=1,
                     weeks=0.1), now=START,
        )  # fmt: skip
        for n, op in enumerate(steps):
            apply(store, ideas, pains, op, n)
            assert_index_agrees(store)
        assert store.stats.standing(T2, other.id) == (
            1,
            roadmap(store.stats.facts(T2), store.scoring)[0].bucket,
        )
    finally:
        store.close()


def test_a_rebuild_from_scratch_gives_the_rows_the_writes_kept(store: Store) -> None:
    pain = store.pains.add(
        PainPoint(team_id=T1, reporter="U1", text="Slow", stage="Purchase", severity=4), now=START
    )
    ids = []
    for n in range(6):
        idea = store.ideas.add(
            Idea(team_id=T1, proposer="U1", title=f"Idea {n}", pain_point_ids=[pain.id]),
            now=START,
        )
        ids.append(idea.id)
        for voter in USERS[: n % 4 + 1]:
            store.votes.record_estimate(
                Estimate(team_id=T1, idea_id=idea.id, voter=voter, impact=n % 5 + 1,
                         weeks=WEEKS[n]), now=START,
            )  # fmt: skip
    store.ideas.set_status(T1, ids[2], IdeaStatus.IN_PROGRESS, by="U1", source="slack", now=START)
    kept = store.db.execute("select * from idea_rank order by idea_id").fetchall()
    bands = store.db.execute("select * from rank_bands order by 1, 2, 3, 4").fetchall()
    store.stats.rebuild(T1)
    assert store.db.execute("select * from idea_rank order by idea_id").fetchall() == kept
    assert store.db.execute("select * from rank_bands order by 1, 2, 3, 4").fetchall() == bands


def test_a_changed_scoring_config_rebuilds_the_index_once(store: Store) -> None:
    idea = store.ideas.add(Idea(team_id=T1, proposer="U1", title="Retry"), now=START)
    store.votes.record_estimate(
        Estimate(team_id=T1, idea_id=idea.id, voter="U1", impact=5, complexity=1), now=START
    )
    assert not store.use_scoring(ScoringConfig())
    assert store.stats.standing(T1, idea.id) == (1, Bucket.LATER)  # needs 3 estimates
    assert store.use_scoring(ScoringConfig(min_estimates=1))
    assert not store.use_scoring(ScoringConfig(min_estimates=1))
    assert store.stats.standing(T1, idea.id) == (1, Bucket.NOW)
    # Capacity is read at every walk: changing it needs no rebuild, yet moves the bucket.
    assert not store.use_scoring(ScoringConfig(min_estimates=1, capacity=Capacity(now=1)))
    assert store.stats.standing(T1, idea.id) == (1, Bucket.NEXT)


def test_a_process_with_another_config_never_leaves_its_scores_behind(db_path: Any) -> None:
    ours = Store.open(db_path, scoring=ScoringConfig())
    theirs = Store.open(db_path, scoring=ScoringConfig(strategy=Strategy.RICE))
    try:
        idea = ours.ideas.add(Idea(team_id=T1, proposer="U1", title="Retry"), now=START)
        # Written with RICE (a score of 0 without estimates) by the other process.
        theirs.votes.add_support(Support(team_id=T1, idea_id=idea.id, user="U2"), now=START)
        expected = roadmap(ours.stats.facts(T1), ours.scoring)[0]
        assert ours.stats.standing(T1, idea.id) == (1, expected.bucket)
        (row,) = ours.db.execute("select neg_value from idea_rank").fetchall()
        assert row[0] == -expected.score.value
    finally:
        ours.close()
        theirs.close()


def test_ideas_read_for_the_whole_roadmap_equal_the_ideas_read_one_by_one(store: Store) -> None:
    pain = store.pains.add(
        PainPoint(team_id=T1, reporter="U1", text="Slow", stage="Purchase"), now=START
    )
    first = store.ideas.add(
        Idea(team_id=T1, proposer="U1", title="Retry", description="Twice",
             pain_point_ids=[pain.id], owning_team="Sales"), now=START,
    )  # fmt: skip
    second = store.ideas.add(Idea(team_id=T1, proposer="U2", title="Cache"), now=START)
    store.ideas.update(T1, second.id, now=START, pinned_bucket=Bucket.NEXT)
    store.ideas.set_card(first.id, channel="C1", ts="1.2")
    merged = store.ideas.add(Idea(team_id=T1, proposer="U2", title="Retry again"), now=START)
    store.ideas.merge(T1, merged.id, first.id, now=START)
    store.ideas.add(Idea(team_id=T2, proposer="U9", title="Elsewhere"), now=START)

    ideas, facts = store.stats.ideas_and_facts(T1)
    expected = {i.id: i for i in store.ideas.all(T1)}
    assert ideas == expected
    assert [i.model_dump() for i in ideas.values()] == [i.model_dump() for i in expected.values()]
    assert sorted(facts, key=lambda f: f.idea_id) == store.stats.facts(T1)
    assert store.ideas.live_by_id(T1, [second.id, first.id, merged.id]) == {
        first.id: expected[first.id],
        second.id: expected[second.id],
    }
    # Built without validation, they still validate an assignment like any other.
    with pytest.raises(ValueError):
        ideas[first.id].title = ""
