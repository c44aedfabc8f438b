"""The people's names repository on a real SQLite file: per workspace, looked up once."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.people_names import PeopleNames
from storage.store import Store

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_names_are_kept_per_workspace_and_a_new_name_replaces_the_old(store: Store) -> None:
    names = PeopleNames(store)
    assert names.set("T1", "U1", "Ada", now=NOW) is True
    assert names.set("T1", "U1", "Ada", now=NOW) is False
    assert names.set("T1", "U1", "Ada P.", now=NOW) is True
    names.set("T2", "U1", "Someone else", now=NOW)
    assert names.of("T1") == {"U1": "Ada P."}
    assert names.of("T2", ["U1", "U9"]) == {"U1": "Someone else"}


def test_a_person_slack_would_not_name_counts_as_looked_up_but_has_no_name(store: Store) -> None:
    names = PeopleNames(store)
    names.set("T1", "U1", "", now=NOW)
    names.set("T1", "U2", "Ben", now=NOW)
    assert names.unknown("T1", ["U1", "U2", "U3", "U3"]) == ["U3"]
    assert names.of("T1", ["U1", "U2"]) == {"U2": "Ben"}


def test_many_people_are_read_in_chunks(store: Store) -> None:
    names = PeopleNames(store)
    with store.transaction():
        for i in range(1200):
            names.set("T1", f"U{i:05d}", f"Person {i}", now=NOW)
    everyone = [f"U{i:05d}" for i in range(1300)]
    assert len(names.of("T1", everyone)) == 1200
    assert names.unknown("T1", everyone) == everyone[1200:]
