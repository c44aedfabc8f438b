"""Reading the journey questions' facts from a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prioritize.models import EvidenceSource, Idea, IdeaStatus, PainPoint, PainStatus
from storage.journey_facts import journey_facts
from storage.store import Store

T1, T2 = "T0001", "T0002"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def add_pain(store: Store, *, team: str = T1, source: EvidenceSource | None = None) -> PainPoint:
    pain = PainPoint(
        team_id=team, reporter="U1", text="Checkout fails", stage="Purchase",
        touchpoint="Checkout", source=source,
    )  # fmt: skip
    return store.pains.add(pain, now=START)


def add_idea(store: Store, pains: list[int], *, team: str = T1, title: str = "Retry") -> Idea:
    idea = Idea(team_id=team, proposer="U1", title=title, pain_point_ids=pains)
    return store.ideas.add(idea, now=START)


def test_a_pain_point_stored_without_evidence_type_reads_back_as_unknown(store: Store) -> None:
    pain = add_pain(store, source=None)
    assert store.pains.get(T1, pain.id).source is None
    assert store.db.execute("select source from pain_points").fetchone()[0] is None
    (fact,) = journey_facts(store.db, T1).pains
    assert fact.source is None


def test_an_idea_is_in_its_status_since_the_change_that_led_to_it(store: Store) -> None:
    pain = add_pain(store, source=EvidenceSource.OBSERVED)
    idea = add_idea(store, [pain.id])
    untouched = add_idea(store, [], title="Untouched")
    planned_at = START + timedelta(days=3)
    done_at = START + timedelta(days=10)
    store.ideas.set_status(T1, idea.id, IdeaStatus.PLANNED, by="U9", source="slack", now=planned_at)
    store.ideas.set_status(T1, idea.id, IdeaStatus.DONE, by="U9", source="slack", now=done_at)
    facts = journey_facts(store.db, T1, facts=store.stats.facts(T1))
    by_id = {i.id: i for i in facts.ideas}
    assert (by_id[idea.id].status, by_id[idea.id].since) == (IdeaStatus.DONE, done_at)
    assert by_id[idea.id].pain_ids == (pain.id,)
    assert by_id[idea.id].facts is not None
    assert by_id[untouched.id].since == START
    (fact,) = facts.pains
    assert (fact.status, fact.resolved_at) == (PainStatus.ADDRESSED, done_at)
    assert fact.source is EvidenceSource.OBSERVED


def test_a_closed_pain_point_has_no_resolution_date(store: Store) -> None:
    pain = add_pain(store)
    store.pains.update(T1, pain.id, status=PainStatus.CLOSED)
    (fact,) = journey_facts(store.db, T1).pains
    assert (fact.status, fact.resolved_at) == (PainStatus.CLOSED, None)


def test_merged_ideas_and_other_workspaces_are_left_out(store: Store) -> None:
    pain = add_pain(store)
    kept = add_idea(store, [pain.id])
    duplicate = add_idea(store, [pain.id], title="Retry again")
    store.ideas.merge(T1, duplicate.id, kept.id, now=START)
    add_idea(store, [add_pain(store, team=T2).id], team=T2)
    facts = journey_facts(store.db, T1)
    assert [i.id for i in facts.ideas] == [kept.id]
    assert [p.id for p in facts.pains] == [pain.id]


def test_each_workspace_reads_only_its_own_pain_points_whether_it_holds_most_or_few(
    store: Store,
) -> None:
    # T1 holds most of the table (read in a plain scan), T2 a few (read through the index).
    mine = {add_pain(store, team=T1, source=EvidenceSource.INTERNAL).id for _ in range(5)}
    theirs = {add_pain(store, team=T2).id for _ in range(2)}
    assert {p.id for p in journey_facts(store.db, T1).pains} == mine
    assert {p.id for p in journey_facts(store.db, T2).pains} == theirs
    assert all(p.source is EvidenceSource.INTERNAL for p in journey_facts(store.db, T1).pains)
    assert all(p.source is None for p in journey_facts(store.db, T2).pains)
