"""The journey questions and "did it work?" as use cases, over a real store."""

from __future__ import annotations

import json

import pytest

from bot.services import Effects, InvalidInput, NotAllowed, Services
from prioritize.models import EvidenceSource, IdeaStatus
from prioritize.outcomes import SurveyAnswer, Verdict
from prioritize.questions import EffortKind

T1 = "T0001"
REPORTER, VOTER, QUIET, ADMIN = "U0REP", "U0VOTE", "U0QUIET", "U0ADMIN"


def surveys_queued(services: Services) -> list[dict]:
    rows = services.store.db.execute(
        "select payload from outbox where kind = ? order by id", [Effects.SURVEY]
    )
    return [json.loads(r[0]) for r in rows]


def shipped_idea(services: Services, clock) -> int:
    """An idea addressing two pain points, Done now; returns its id."""
    a = services.log_pain_point(
        T1, REPORTER, "Checkout fails on mobile", stage="Purchase", touchpoint="Checkout",
        severity=4, source="customer said",
    ).pain  # fmt: skip
    b = services.log_pain_point(
        T1, QUIET, "Card declined for no reason", stage="Purchase", touchpoint="Checkout",
        severity=3, source="observed",
    ).pain  # fmt: skip
    services.me_too(T1, VOTER, a.id)
    services.set_notify(T1, QUIET, False)
    idea = services.propose_idea(T1, "U0PROP", "Retry payments", pain_point_ids=[a.id, b.id])
    clock.tick(hours=1)
    services.change_status(T1, idea.id, IdeaStatus.DONE, by=ADMIN)
    return idea.id


def test_a_pain_point_logged_without_evidence_is_unknown_not_internal(services):
    pain = services.log_pain_point(T1, "U1", "Search finds nothing").pain
    assert pain.source is None
    assert services.store.pains.get(T1, pain.id).source is None
    say_do = services.questions(T1).answers.say_do
    assert [r.evidence.unknown for r in say_do.rows if r.stage == "Awareness"] == [1]
    assert all(r.evidence.internal == 0 for r in say_do.rows)


def test_the_evidence_can_be_set_later_and_a_blank_one_is_unknown(services):
    pain = services.log_pain_point(T1, "U1", "Search finds nothing").pain
    assert services.update_pain_point(T1, "U1", pain.id, source="observed").source is (
        EvidenceSource.OBSERVED
    )
    assert services.update_pain_point(T1, "U1", pain.id, source="").source is None


def test_import_takes_the_evidence_from_a_source_or_an_evidence_column(services):
    stored = services.import_pain_points(
        T1,
        [
            {"text": "Pricing page is confusing", "evidence": "customer said"},
            {"text": "Trial users skip setup", "source": "observed behaviour"},
            {"text": "We think onboarding is long", "source": ""},
        ],
    )
    assert [p.source for p in stored] == [
        EvidenceSource.CUSTOMER_SAID,
        EvidenceSource.OBSERVED,
        None,
    ]
    with pytest.raises(InvalidInput) as e:
        services.import_pain_points(T1, [{"text": "x", "evidence": "gossip"}])
    assert e.value.field == "line 2: source"


def test_questions_answers_all_five_and_names_the_ideas(services, clock):
    pain = services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase", severity=5).pain
    idea = services.propose_idea(
        T1, "U1", "One-page checkout", pain_point_ids=[pain.id], impact=4, complexity=1, weeks=1
    )
    q = services.questions(T1)
    assert q.titles[idea.id] == "One-page checkout"
    assert [r.idea_id for r in q.answers.impact.rows] == [idea.id]
    assert [r.idea_id for r in q.answers.effort.quick_wins] == [idea.id]
    assert q.answers.obstacles.rows[0].open_pain_points == 1
    assert q.answers.stages.weakest == "Purchase"


def test_an_empty_workspace_still_gets_five_answers(services):
    a = services.questions(T1).answers
    assert "propose one with /idea" in a.impact.why
    assert "log one with /pain" in a.stages.why and "log one with /pain" in a.say_do.why


def test_nobody_is_asked_before_the_configured_days_after_done(services, clock):
    shipped_idea(services, clock)
    clock.tick(days=13)
    assert services.ask_if_better(T1) == 0
    assert surveys_queued(services) == []


def test_reporters_and_me_too_people_are_asked_once_and_opt_outs_never(services, clock):
    idea_id = shipped_idea(services, clock)
    clock.tick(days=14)
    assert services.ask_if_better(T1) == 2
    assert surveys_queued(services) == [
        {"idea_id": idea_id, "user": REPORTER},
        {"idea_id": idea_id, "user": VOTER},
    ]
    clock.tick(days=1)
    assert services.ask_if_better(T1) == 0
    assert len(surveys_queued(services)) == 2


def test_an_idea_done_long_before_the_survey_existed_is_left_alone(services, clock):
    shipped_idea(services, clock)
    clock.tick(days=14 + 29)
    assert services.ask_if_better(T1) == 0


def test_an_idea_reopened_before_the_day_is_not_surveyed(services, clock):
    idea_id = shipped_idea(services, clock)
    clock.tick(days=3)
    services.change_status(T1, idea_id, IdeaStatus.IN_PROGRESS, by=ADMIN)
    clock.tick(days=20)
    assert services.ask_if_better(T1) == 0


def test_the_survey_day_follows_the_config(store, clock):
    from prioritize.config import JourneyConfig

    journey = JourneyConfig.model_validate({"questions": {"survey_after_days": 3}})
    services = Services(store, journey, clock=clock)
    shipped_idea(services, clock)
    clock.tick(days=3)
    assert services.ask_if_better(T1) == 2


def test_answers_are_stored_replaced_and_only_from_people_asked(services, clock):
    idea_id = shipped_idea(services, clock)
    clock.tick(days=14)
    services.ask_if_better(T1)
    with pytest.raises(NotAllowed):
        services.answer_if_better(T1, "U0STRANGER", idea_id, "yes")
    with pytest.raises(InvalidInput):
        services.answer_if_better(T1, REPORTER, idea_id, "maybe")
    services.answer_if_better(T1, REPORTER, idea_id, "worse")
    services.answer_if_better(T1, REPORTER, idea_id, SurveyAnswer.YES)
    services.answer_if_better(T1, VOTER, idea_id, SurveyAnswer.YES)
    assert services.surveys.answers(T1) == {idea_id: [SurveyAnswer.YES, SurveyAnswer.YES]}


def test_survey_answers_decide_the_outcome_once_the_weeks_have_passed(services, clock):
    idea_id = shipped_idea(services, clock)
    clock.tick(days=14)
    services.ask_if_better(T1)
    services.answer_if_better(T1, REPORTER, idea_id, "yes")
    services.answer_if_better(T1, VOTER, idea_id, "yes")
    early = services.outcome(T1, idea_id)
    assert early is not None and early.verdict is Verdict.TOO_EARLY
    assert "shipped 2 weeks ago" in early.why
    clock.tick(days=14)
    done = services.outcome(T1, idea_id)
    assert done is not None and done.verdict is Verdict.WORKED
    assert done.answers[SurveyAnswer.YES] == 2 and "asked, 2 yes" in done.why
    [shown] = services.questions(T1).answers.stages.outcomes
    assert (shown.idea_id, shown.verdict) == (idea_id, Verdict.WORKED)


def test_an_idea_that_is_not_done_has_no_outcome(services):
    idea = services.propose_idea(T1, "U1", "Dark mode")
    assert services.outcome(T1, idea.id) is None


def test_an_answer_redraws_the_card(services, clock):
    idea_id = shipped_idea(services, clock)
    clock.tick(days=14)
    services.ask_if_better(T1)
    services.store.db.execute("delete from outbox")
    services.answer_if_better(T1, REPORTER, idea_id, "not yet")
    kinds = [r[0] for r in services.store.db.execute("select kind from outbox")]
    assert kinds == [Effects.CARD]


def test_the_first_digest_says_next_week_shows_what_changed(services, clock):
    digest = services.weekly_digest(T1, now=clock())
    assert digest.changes is None
    assert "next week shows what changed" in digest.text


def test_the_digest_leads_with_what_changed_in_the_answers(services, clock):
    services.log_pain_point(T1, "U1", "Ads are confusing", stage="Awareness", severity=2)
    idea_id = shipped_idea(services, clock)
    quick = services.propose_idea(T1, "U1", "Shorter signup", impact=3, complexity=3, weeks=1)
    first = services.weekly_digest(T1, now=clock())
    assert first.changes is None
    # A week later: a new weakest stage, a quick win, a say-versus-do gap, an outcome.
    clock.tick(days=7)
    for n in range(3):
        services.log_pain_point(
            T1, "U1", f"Renewal invoice wrong {n}", stage="Retention", touchpoint="Billing",
            severity=5, source="customer said",
        )  # fmt: skip
    services.record_estimate(T1, quick.id, "U1", impact=3, complexity=1, weeks=1)
    second = services.weekly_digest(T1, now=clock())
    changes = second.changes
    assert changes is not None
    assert any(c.startswith("New weakest stage: Retention") for c in changes)
    assert any(c.startswith(f"#{quick.id} Shorter signup became a quick win") for c in changes)
    assert any(c.startswith("New say-versus-do gap: Retention") for c in changes)
    # The idea shipped before the first digest: its outcome has not changed since.
    assert not any(c.startswith(f"#{idea_id} ") for c in changes)
    lines = second.text.splitlines()
    assert lines[2] == "*What changed in the journey*"
    top = next(i for i, line in enumerate(lines) if line.startswith("*Top "))
    assert lines.index(f"• New say-versus-do gap: {changes[-1].split(': ', 1)[1]}") < top
    # Four weeks after shipping, the outcome is known: that is news too.
    clock.tick(days=28)
    third = services.weekly_digest(T1, now=clock())
    assert third.changes is not None
    assert any(c.startswith(f"#{idea_id} Retry payments: ") for c in third.changes)
    fourth = services.weekly_digest(T1, now=clock.tick(days=7))
    assert fourth.changes == ()
    assert "No change in the journey answers since last week." in fourth.text


def test_the_digest_snapshot_is_written_with_the_rank_snapshot(services, clock):
    services.propose_idea(T1, "U1", "Shorter signup", impact=3, complexity=1, weeks=1)
    services.weekly_digest(T1, now=clock())
    snapshot = services.surveys.snapshot_before(T1, clock.tick(days=1))
    assert snapshot is not None and snapshot["quick_wins"] == [1]
    assert EffortKind.QUICK_WIN.value == "quick win"


def test_app_home_reuses_the_answers_for_a_while_then_reads_them_again(services):
    services.log_pain_point(T1, "U1", "Ads are confusing", stage="Awareness")
    first = services.home(T1, "U1").questions
    services.log_pain_point(T1, "U1", "Renewal invoice wrong", stage="Retention", severity=5)
    assert services.home(T1, "U1").questions is first
    services.home_questions_ttl = 0
    fresh = services.home(T1, "U1").questions
    assert fresh is not first and fresh is not None
    assert fresh.answers.stages.weakest == "Retention"


def test_a_done_ideas_card_is_redrawn_once_when_its_weeks_have_passed(services, clock):
    idea_id = shipped_idea(services, clock)

    def outcome_cards() -> list[dict]:
        rows = services.store.db.execute(
            "select payload from outbox where key like 'outcome_card:%'"
        )
        return [json.loads(r[0]) for r in rows]

    clock.tick(days=27)
    assert services.show_settled_outcomes(T1) == 0
    clock.tick(days=1)
    # The card may still be waiting to be redrawn from the Done itself: let it go out.
    services.store.db.execute("update outbox set state = 'done'")
    assert services.show_settled_outcomes(T1) == 1
    assert outcome_cards() == [{"idea_id": idea_id}]
    assert services.show_settled_outcomes(T1) == 0
    clock.tick(days=60)
    assert services.show_settled_outcomes(T1) == 0
