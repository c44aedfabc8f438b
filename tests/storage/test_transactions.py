"""Multi-row writes happen whole or not at all, and concurrent votes all land."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

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


def test_linking_an_unknown_pain_point_stores_no_idea(store):
    with pytest.raises(InvalidInput, match="no pain point #42"):
        store.ideas.add(Idea(team_id=T1, proposer="U1", title="X", pain_point_ids=[42]), now=NOW)
    assert count(store, "ideas") == 0
    assert count(store, "idea_stats") == 0


def test_twenty_threads_voting_at_once_on_one_store_leave_twenty_votes(services):
    idea = services.propose_idea(T1, "U0", "Retry payments")
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def vote(n: int) -> None:
        start.wait()
        try:
            services.record_estimate(T1, idea.id, f"U{n}", impact=1 + n % 5)
            services.record_estimate(T1, idea.id, f"U{n}", complexity=1 + n % 5)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(services.store, "estimates") == 20
    (facts,) = services.store.stats.facts(T1)
    assert facts.consensus.count == 20
    assert facts.consensus.impact == facts.consensus.complexity == 3.0


def test_twenty_connections_voting_at_once_wait_for_each_other(db_path, store):
    idea = store.ideas.add(Idea(team_id=T1, proposer="U0", title="Retry payments"), now=NOW)
    stores = [Store.open(db_path) for _ in range(20)]
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def vote(n: int) -> None:
        start.wait()
        try:
            stores[n].votes.record_estimate(
                Estimate(team_id=T1, idea_id=idea.id, voter=f"U{n}", impact=4), now=NOW
            )
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == []
    assert count(store, "estimates") == 20
    assert store.stats.facts(T1)[0].consensus.count == 20
