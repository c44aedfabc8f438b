"""The store on a real SQLite file: votes, merges, status, search and workspaces."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from prioritize.config import InvalidInput, ScoringConfig
from prioritize.models import Estimate, Idea, IdeaStatus, PainPoint, PainStatus, Support
from prioritize.scoring import explain, score
from storage.store import NotFound, Store

T1, T2 = "T0001", "T0002"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def add_pain(store: Store, text: str = "Checkout fails on mobile", *, team: str = T1,
             stage: str = "Purchase", severity: int = 3) -> PainPoint:  # fmt: skip
    pain = PainPoint(team_id=team, reporter="U1", text=text, stage=stage, severity=severity)
    return store.pains.add(pain, now=START)


def add_idea(store: Store, title: str = "Retry payments", *, team: str = T1,
             pains: list[int] | None = None, description: str = "") -> Idea:  # fmt: skip
    idea = Idea(team_id=team, proposer="U1", title=title, description=description,
                pain_point_ids=pains or [])  # fmt: skip
    return store.ideas.add(idea, now=START)


def estimate(store: Store, idea: Idea, voter: str, **ratings: object) -> tuple[Estimate, bool]:
    return store.votes.record_estimate(
        Estimate(team_id=idea.team_id, idea_id=idea.id, voter=voter, **ratings), now=START
    )


def count(store: Store, table: str) -> int:
    return store.db.execute(f"select count(*) from {table}").fetchone()[0]


# ---------------------------------------------------------------- votes


def test_a_second_vote_replaces_the_first(store):
    idea = add_idea(store)
    _, replaced = estimate(store, idea, "U1", impact=2, complexity=2)
    assert not replaced
    stored, replaced = estimate(store, idea, "U1", impact=5, complexity=1)
    assert replaced
    assert (stored.impact, stored.complexity) == (5, 1)
    assert count(store, "estimates") == 1
    (facts,) = store.stats.facts(T1)
    assert (facts.consensus.count, facts.consensus.impact) == (1, 5.0)


def test_a_partial_revote_keeps_the_earlier_criteria(store):
    idea = add_idea(store)
    estimate(store, idea, "U1", impact=4, complexity=2)
    estimate(store, idea, "U1", weeks=3)
    estimate(store, idea, "U1", impact=5)
    (e,) = store.votes.estimates(idea.id)
    assert (e.impact, e.complexity, e.weeks) == (5, 2, 3.0)


def test_a_repeated_plus_one_is_counted_once(store):
    idea = add_idea(store)
    support = Support(team_id=T1, idea_id=idea.id, user="U2")
    assert store.votes.add_support(support, now=START)
    assert not store.votes.add_support(support, now=START)
    assert store.votes.supporters(idea.id) == ["U2"]
    assert store.stats.facts(T1)[0].supporters == 1
    assert store.votes.remove_support(T1, idea.id, "U2")
    assert not store.votes.remove_support(T1, idea.id, "U2")
    assert store.stats.facts(T1)[0].supporters == 0


def test_a_repeated_me_too_on_a_pain_point_is_counted_once(store):
    pain = add_pain(store)
    assert store.pains.vote(T1, pain.id, "U2", now=START)
    assert not store.pains.vote(T1, pain.id, "U2", now=START)
    assert store.pains.votes(pain.id) == 1


def test_unique_keys_refuse_a_duplicate_row_written_behind_the_stores_back(store):
    idea = add_idea(store)
    estimate(store, idea, "U1", impact=3)
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "insert into estimates (idea_id, voter, team_id, impact, created_at)"
            " values (?, 'U1', ?, 4, 'now')",
            [idea.id, T1],
        )
    store.votes.add_support(Support(team_id=T1, idea_id=idea.id, user="U1"), now=START)
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute(
            "insert into supports (idea_id, user, team_id, created_at) values (?, 'U1', ?, 'x')",
            [idea.id, T1],
        )


def test_stats_count_and_name_the_same_teams_from_estimates_and_support(store):
    idea = add_idea(store)
    store.votes.record_estimate(
        Estimate(team_id=T1, idea_id=idea.id, voter="U1", team="Sales", impact=4), now=START
    )
    store.votes.add_support(
        Support(team_id=T1, idea_id=idea.id, user="U2", team="Product"), now=START
    )
    store.votes.add_support(
        Support(team_id=T1, idea_id=idea.id, user="U3", team="Sales"), now=START
    )
    (facts,) = store.stats.facts(T1)
    assert (facts.teams, facts.supporters, facts.consensus.teams) == (2, 2, ("Product", "Sales"))
    # The one-line explanation names exactly the teams its "N teams" counts.
    line = explain(score(facts, ScoringConfig()), ScoringConfig())
    assert "2 teams: Product, Sales" in line


def test_rebuilding_stats_gives_what_each_vote_maintained(store):
    p1, p2 = add_pain(store, severity=5), add_pain(store, "Slow search", severity=2)
    a, b = add_idea(store, pains=[p1.id, p2.id]), add_idea(store, "Cache search")
    c = add_idea(store, "Nobody cares")
    for voter, team, impact in [("U1", "Sales", 5), ("U2", "Engineering", 1), ("U3", None, 3)]:
        store.votes.record_estimate(
            Estimate(team_id=T1, idea_id=a.id, voter=voter, team=team, impact=impact,
                     complexity=2, weeks=1.5),
            now=START,
        )  # fmt: skip
    estimate(store, b, "U1", weeks=4)
    store.votes.add_support(Support(team_id=T1, idea_id=b.id, user="U4", team="Support"), now=START)
    add_idea(store, "Other workspace", team=T2)
    maintained = store.stats.facts(T1)
    store.db.execute("delete from idea_stats")
    assert store.stats.rebuild(T1) == 3
    assert store.stats.facts(T1) == maintained
    assert maintained[0].consensus.disagreement == "impact: Sales say 5, Engineering say 1"
    assert [f.idea_id for f in maintained] == [a.id, b.id, c.id]
    assert store.stats.facts(T2) == []  # the other workspace was not rebuilt


# ---------------------------------------------------------------- merging


def test_merging_moves_votes_and_links_and_a_double_voter_keeps_the_survivors_vote(store):
    p1, p2 = add_pain(store, severity=4), add_pain(store, "Card declined", severity=2)
    duplicate = add_idea(store, "Retry card payments", pains=[p1.id])
    survivor = add_idea(store, "Retry payments", pains=[p2.id])
    estimate(store, duplicate, "U1", impact=5)
    estimate(store, duplicate, "U2", impact=2)
    estimate(store, survivor, "U1", impact=1)
    store.votes.add_support(Support(team_id=T1, idea_id=duplicate.id, user="U3"), now=START)
    store.votes.add_support(Support(team_id=T1, idea_id=survivor.id, user="U3"), now=START)

    merged = store.ideas.merge(T1, duplicate.id, survivor.id, now=START)

    assert merged.pain_point_ids == [p1.id, p2.id]
    votes = {e.voter: e.impact for e in store.votes.estimates(survivor.id)}
    assert votes == {"U1": 1, "U2": 2}
    assert store.votes.estimates(duplicate.id) == []
    assert store.votes.supporters(survivor.id) == ["U3"]
    assert store.ideas.get(T1, duplicate.id).merged_into == survivor.id
    (facts,) = store.stats.facts(T1)
    assert facts.idea_id == survivor.id
    assert (facts.consensus.count, facts.supporters, facts.pain_severity) == (2, 1, 6)
    assert [i.id for i in store.ideas.all(T1)] == [survivor.id]


def test_an_idea_cannot_be_merged_twice_or_into_itself(store):
    a, b, c = add_idea(store, "A"), add_idea(store, "B"), add_idea(store, "C")
    with pytest.raises(InvalidInput, match="cannot be merged into itself"):
        store.ideas.merge(T1, a.id, a.id, now=START)
    store.ideas.merge(T1, a.id, b.id, now=START)
    with pytest.raises(InvalidInput, match=f"already merged into #{b.id}"):
        store.ideas.merge(T1, a.id, c.id, now=START)
    with pytest.raises(InvalidInput, match=f"itself merged into #{b.id}"):
        store.ideas.merge(T1, c.id, a.id, now=START)


# ---------------------------------------------------------------- status


def test_done_marks_linked_pain_points_addressed_and_reopening_marks_them_open(store):
    p1, p2 = add_pain(store, severity=4), add_pain(store, "Card declined", severity=2)
    idea = add_idea(store, pains=[p1.id, p2.id])
    other = add_idea(store, "Also about declines", pains=[p2.id])

    assert store.ideas.set_status(T1, idea.id, IdeaStatus.DONE, by="U9", source="slack", now=START)
    statuses = {p.id: p.status for p in store.pains.all(T1)}
    assert statuses == {p1.id: PainStatus.ADDRESSED, p2.id: PainStatus.ADDRESSED}
    # Every idea linked to those pain points lost them as open reach.
    assert {f.idea_id: f.pain_severity for f in store.stats.facts(T1)} == {idea.id: 0, other.id: 0}

    old = store.ideas.set_status(
        T1, idea.id, IdeaStatus.PLANNED, by="U9", source="notion", now=START
    )
    assert old is IdeaStatus.DONE
    assert {p.status for p in store.pains.all(T1)} == {PainStatus.OPEN}
    assert {f.idea_id: f.pain_severity for f in store.stats.facts(T1)} == {idea.id: 6, other.id: 2}
    history = [(c["old"], c["new"], c["source"]) for c in store.ideas.status_changes(idea.id)]
    assert history == [("Proposed", "Done", "slack"), ("Done", "Planned", "notion")]


def test_reopening_an_idea_leaves_pain_that_another_done_idea_addresses(store):
    pain = add_pain(store)
    first, second = add_idea(store, "A", pains=[pain.id]), add_idea(store, "B", pains=[pain.id])
    for idea in (first, second):
        store.ideas.set_status(T1, idea.id, IdeaStatus.DONE, by="U9", source="slack", now=START)
    store.ideas.set_status(T1, first.id, IdeaStatus.WONT_DO, by="U9", source="slack", now=START)
    assert store.pains.get(T1, pain.id).status is PainStatus.ADDRESSED
    store.ideas.set_status(T1, second.id, IdeaStatus.PLANNED, by="U9", source="slack", now=START)
    assert store.pains.get(T1, pain.id).status is PainStatus.OPEN


def test_a_pain_point_someone_closed_stays_closed_whatever_the_idea_does(store):
    pain = add_pain(store)
    store.pains.update(T1, pain.id, status=PainStatus.CLOSED)
    idea = add_idea(store, pains=[pain.id])
    store.ideas.set_status(T1, idea.id, IdeaStatus.DONE, by="U9", source="slack", now=START)
    assert store.pains.get(T1, pain.id).status is PainStatus.CLOSED
    store.ideas.set_status(T1, idea.id, IdeaStatus.PROPOSED, by="U9", source="slack", now=START)
    assert store.pains.get(T1, pain.id).status is PainStatus.CLOSED


def test_setting_the_same_status_changes_nothing(store):
    idea = add_idea(store)
    assert store.ideas.set_status(T1, idea.id, IdeaStatus.PROPOSED, by="U1", source="slack",
                            now=START) is None  # fmt: skip
    assert store.ideas.status_changes(idea.id) == []


# ---------------------------------------------------------------- search


def test_similar_pain_points_share_most_significant_words(store):
    a = add_pain(store, "Checkout page times out on mobile Safari")
    b = add_pain(store, "Mobile checkout times out when paying")
    add_pain(store, "Onboarding emails go to spam")
    add_pain(store, "Checkout times out on mobile", team=T2)
    closed = add_pain(store, "Checkout times out on mobile again")
    store.pains.update(T1, closed.id, status=PainStatus.CLOSED)

    found = store.pains.similar(T1, "checkout times out on mobile")
    assert {p.id for p in found} == {a.id, b.id}
    assert [p.id for p in store.pains.similar(T1, a.text, exclude=a.id)] == [b.id]
    assert store.pains.similar(T1, "the and of") == []


def test_search_finds_ideas_by_title_or_description_within_the_workspace(store):
    retry = add_idea(store, "Retry failed payments", description="Stripe webhooks")
    add_idea(store, "Dark mode")
    add_idea(store, "Retry failed payments", team=T2)
    dup = add_idea(store, "Retry payments on decline")
    store.ideas.merge(T1, dup.id, retry.id, now=START)
    assert [i.id for i in store.ideas.search(T1, "payments retry")] == [retry.id]
    assert [i.id for i in store.ideas.search(T1, "webhooks")] == [retry.id]
    assert store.ideas.search(T1, "!!") == []


def test_search_follows_edits_to_the_text(store):
    pain = add_pain(store, "Invoices show the wrong currency")
    store.pains.update(T1, pain.id, text="Receipts show the wrong tax")
    assert store.pains.similar(T1, "wrong currency invoices") == []
    assert [p.id for p in store.pains.similar(T1, "receipts wrong tax")] == [pain.id]


# ---------------------------------------------------------------- workspaces


def test_nothing_reads_across_workspaces(store):
    mine = add_pain(store, "Checkout fails on mobile", severity=5)
    idea = add_idea(store, "Retry payments", pains=[mine.id])
    theirs = add_pain(store, "Checkout fails on mobile", team=T2)
    their_idea = add_idea(store, "Retry payments", team=T2)
    estimate(store, idea, "U1", impact=4)

    assert [p.id for p in store.pains.all(T2)] == [theirs.id]
    assert [i.id for i in store.ideas.all(T2)] == [their_idea.id]
    assert [f.idea_id for f in store.stats.facts(T2)] == [their_idea.id]
    assert [p.id for p in store.pains.facts(T2)] == [theirs.id]
    assert store.ideas.active_links(T2) == {}
    assert [p.id for p in store.pains.similar(T2, "checkout fails mobile")] == [theirs.id]
    assert [i.id for i in store.ideas.search(T2, "retry")] == [their_idea.id]
    with pytest.raises(NotFound):
        store.ideas.get(T2, idea.id)
    with pytest.raises(NotFound):
        store.pains.get(T2, mine.id)
    with pytest.raises(NotFound):
        store.votes.record_estimate(
            Estimate(team_id=T2, idea_id=idea.id, voter="U7", impact=1), now=START
        )
    with pytest.raises(NotFound):
        store.votes.add_support(Support(team_id=T2, idea_id=idea.id, user="U7"), now=START)
    with pytest.raises(NotFound):
        store.pains.vote(T2, mine.id, "U7", now=START)
    with pytest.raises(NotFound):
        store.ideas.merge(T2, their_idea.id, idea.id, now=START)
    with pytest.raises(NotFound):
        store.ideas.set_status(T2, idea.id, IdeaStatus.DONE, by="U7", source="slack", now=START)
    with pytest.raises(InvalidInput, match=f"no pain point #{mine.id}"):
        add_idea(store, "Steal a link", team=T2, pains=[mine.id])
    assert not store.votes.remove_support(T2, idea.id, "U1")
    assert store.workspaces() == [T1, T2]
    # and the first workspace saw none of those attempts
    assert [e.voter for e in store.votes.estimates(idea.id)] == ["U1"]
    assert store.ideas.get(T1, idea.id).status is IdeaStatus.PROPOSED


def test_people_and_their_teams_are_per_workspace(store):
    store.people.set_team(T1, "U1", "Sales")
    store.people.set_notify(T1, "U1", False)
    assert (store.people.team_of(T1, "U1"), store.people.wants_dms(T1, "U1")) == ("Sales", False)
    assert (store.people.team_of(T2, "U1"), store.people.wants_dms(T2, "U1")) == (None, True)
    store.people.set_team(T1, "U1", "Product")
    assert (store.people.team_of(T1, "U1"), store.people.wants_dms(T1, "U1")) == ("Product", False)
