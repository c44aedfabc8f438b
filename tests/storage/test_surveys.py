"""The surveys repository on a real SQLite file: asked once, answered, snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from prioritize.models import PainPoint
from prioritize.outcomes import SurveyAnswer
from storage.store import Store
from storage.surveys import Surveys

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_a_person_is_asked_once_per_idea(store: Store) -> None:
    surveys = Surveys(store)
    assert surveys.ask("T1", 7, "U1", now=NOW) is True
    assert surveys.ask("T1", 7, "U1", now=NOW + timedelta(days=1)) is False
    assert surveys.ask("T1", 8, "U1", now=NOW) is True
    assert surveys.ask("T2", 7, "U1", now=NOW) is True
    assert surveys.asked("T1", 7) == {"U1"}


def test_only_someone_asked_can_answer_and_a_second_answer_replaces_the_first(
    store: Store,
) -> None:
    surveys = Surveys(store)
    with pytest.raises(LookupError):
        surveys.answer("T1", 7, "U1", SurveyAnswer.YES, now=NOW)
    surveys.ask("T1", 7, "U1", now=NOW)
    surveys.ask("T1", 7, "U2", now=NOW)
    surveys.ask("T1", 7, "U3", now=NOW)
    assert surveys.answer("T1", 7, "U1", SurveyAnswer.WORSE, now=NOW) is None
    assert surveys.answer("T1", 7, "U1", SurveyAnswer.YES, now=NOW) is SurveyAnswer.WORSE
    surveys.answer("T1", 7, "U2", SurveyAnswer.NOT_YET, now=NOW)
    # U3 was asked but did not answer: no answer is not an answer.
    assert surveys.answers("T1") == {7: [SurveyAnswer.YES, SurveyAnswer.NOT_YET]}
    assert surveys.answers("T1", idea_ids=[8]) == {}
    assert surveys.answers("T1", idea_ids=[]) == {}
    assert surveys.answers("T2") == {}


def test_the_people_of_pain_points_are_their_reporters_and_me_toos(store: Store) -> None:
    a = store.pains.add(PainPoint(team_id="T1", reporter="U1", text="a", stage="S"), now=NOW)
    b = store.pains.add(PainPoint(team_id="T1", reporter="U2", text="b", stage="S"), now=NOW)
    store.pains.vote("T1", a.id, "U3", now=NOW)
    store.pains.vote("T1", b.id, "U1", now=NOW)
    assert Surveys(store).people("T1", [a.id, b.id]) == ["U1", "U2", "U3"]
    assert Surveys(store).people("T1", []) == []
    assert Surveys(store).people("T2", [a.id]) == []


def test_the_latest_snapshot_before_a_moment_is_returned(store: Store) -> None:
    surveys = Surveys(store)
    assert surveys.snapshot_before("T1", NOW) is None
    surveys.save_snapshot("T1", NOW, {"weakest": "Onboarding"})
    surveys.save_snapshot("T1", NOW + timedelta(days=7), {"weakest": "Retention"})
    assert surveys.snapshot_before("T1", NOW + timedelta(days=7)) == {"weakest": "Onboarding"}
    assert surveys.snapshot_before("T1", NOW + timedelta(days=8)) == {"weakest": "Retention"}
    assert surveys.snapshot_before("T2", NOW + timedelta(days=8)) is None
