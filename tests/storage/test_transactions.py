"""Multi-row writes happen whole or not at all, and concurrent votes all land."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from helpers import all_at_once

from prioritize.config import InvalidInput
from prioritize.models import Estimate, Idea, PainPoint
from storage.store import Store

T1 = "T0001"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def count(store: Store, table: str) -> int:
    return store.db.execute(f"select count(*) from {table}").fetchone()[0]


def test_an_import_with_one_bad_row_stores_nothing(services):
    rows = [
        {"text": "Pricing page is confusing", "stage": "Consideration", "severity": "3"},
        {"text": "Checkout fails on mobile", "stage": "Purchase", "severity": "5"},
        {"text": "Too severe", "stage": "Purchase", "severity": "9"},
    ]
    with pytest.raises(InvalidInput) as e:
        services.import_pain_points(T1, rows)
    assert e.value.field == "line 4: severity"
    assert count(services.store, "pain_points") == 0
    assert count(services.store, "pain_points_fts") == 0


def test_a_row_the_database_refuses_rolls_back_the_rows_before_it(store):
    good = PainPoint(team_id=T1, reporter="U1", text="Fine", stage="Purchase")
    # model_construct skips validation, standing in for anything the database refuses
    # (here the NOT NULL on text) half-way through a batch.
    bad = PainPoint.model_construct(**{**good.model_dump(), "text": None})
    with pytest.raises(Exception, match="NOT NULL"):
        store.pains.add_all([good, good, bad], now=NOW)
    assert count(store, "pain_points") == 0
    store.pains.add_all([good], now=NOW)  # and the connection is usable afterwards
    assert count(store, "pain_points") == 1


def test_proposing_an_idea_with_a_bad_estimate_stores_no_idea(services):
    with pytest.raises(InvalidInput) as e:
        services.propose_idea(T1, "U1", "Retry payments", impact=9)
    assert e.value.field == "impact"
    assert count(services.store, "ideas") == 0


def test_writes_to_several_repositories_in_one_transaction_roll_back_together(store):
    pain = PainPoint(team_id=T1, reporter="U1", text="Checkout fails", stage="Purchase")
    with pytest.raises(InvalidInput, match="no pain point #42"), store.transaction():
        stored = store.pains.add(pain, now=NOW)
        store.people.set_team(T1, "U1", "Sales")
        store.ideas.add(
            Idea(team_id=T1, proposer="U1", title="Retry", pain_point_ids=[stored.id or 0, 42]),
            now=NOW,
        )
    assert count(store, "pain_points") == 0
    assert count(store, "people") == 0
    assert count(store, "ideas") == 0


def test_repositories_share_the_stores_connection_in_each_thread(store):
    seen: list[set[int]] = []

    def connections() -> None:
        repos = (store.pains, store.ideas, store.votes, store.stats, store.people, store.meta)
        seen.append({id(store.db), *(id(repo.db) for repo in repos)})

    connections()
    worker = threading.Thread(target=connections)
    worker.start()
    worker.join()
    assert [len(ids) for ids in seen] == [1, 1]
    assert seen[0] != seen[1]  # one connection per thread, shared by every repository


def test_linking_an_unknown_pain_point_stores_no_idea(store):
    with pytest.raises(InvalidInput, match="no pain point #42"):
        store.ideas.add(Idea(team_id=T1, proposer="U1", title="X", pain_point_ids=[42]), now=NOW)
    assert count(store, "ideas") == 0
    assert count(store, "idea_stats") == 0


def test_twenty_threads_voting_at_once_on_one_store_leave_twenty_votes(services):
    idea = services.propose_idea(T1, "U0", "Retry payments")

    def vote(n: int) -> None:
        services.record_estimate(T1, idea.id, f"U{n}", impact=1 + n % 5)
        services.record_estimate(T1, idea.id, f"U{n}", complexity=1 + n % 5)

    assert all_at_once(vote, 20) == []
    assert count(services.store, "estimates") == 20
    (facts,) = services.store.stats.facts(T1)
    assert facts.consensus.count == 20
    assert facts.consensus.impact == facts.consensus.complexity == 3.0


def test_twenty_connections_voting_at_once_wait_for_each_other(db_path, store):
    idea = store.ideas.add(Idea(team_id=T1, proposer="U0", title="Retry payments"), now=NOW)
    stores = [Store.open(db_path) for _ in range(20)]

    def vote(n: int) -> None:
        stores[n].votes.record_estimate(
            Estimate(team_id=T1, idea_id=idea.id, voter=f"U{n}", impact=4), now=NOW
        )

    errors = all_at_once(vote, 20)
    for s in stores:
        s.close()
    assert errors == []
    assert count(store, "estimates") == 20
    assert store.stats.facts(T1)[0].consensus.count == 20


def test_closing_the_store_leaves_a_running_thread_s_query_to_finish(db_path) -> None:
    store = Store.open(db_path)
    started, results = threading.Event(), []

    def long_read() -> None:
        db = store.db
        started.set()
        query = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000000)"
        results.append(db.execute(query + " select count(*) from n").fetchone()[0])

    worker = threading.Thread(target=long_read)
    worker.start()
    started.wait(5)
    store.close()  # while the worker's query runs: it must not be closed under its feet
    worker.join(30)
    assert results == [2000000]
