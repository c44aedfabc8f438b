"""`journeybot questions` on a real database file, as tables and as JSON."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services
from bot.tables import questions_tables
from prioritize.config import JourneyConfig
from prioritize.models import IdeaStatus
from prioritize.questions import answer
from storage.journey_facts import journey_facts
from storage.store import Store

T1 = "T0001"
# The command reads the real clock: the data is placed a month before now.
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=31)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(cli_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "80")
    return cli_db


def seed(path: Path) -> Clock:
    """Two stages with pain, a quick win, a disputed idea, a stuck one and one Done lately."""
    clock = Clock()
    store = Store.open(path)
    s = Services(store, clock=clock)
    for user, team in [("U1", "Sales"), ("U2", "Engineering"), ("U3", "Support")]:
        s.set_team(T1, user, team)
    log = s.log_pain_point
    checkout = log(T1, "U1", "Card declined twice", stage="Purchase", touchpoint="Checkout",
                   severity=5, source="customer said").pain  # fmt: skip
    log(T1, "U1", "Abandons at the shipping step", stage="Purchase", touchpoint="Checkout",
        severity=4, source="customer said")  # fmt: skip
    billing = log(T1, "U3", "Invoices never opened", stage="Purchase", touchpoint="Billing",
                  severity=3, source="observed behaviour").pain  # fmt: skip
    spam = log(T1, "U2", "Welcome email in spam", stage="Onboarding", touchpoint="Email",
               severity=2, source="internal").pain  # fmt: skip
    store.pains.add(
        spam.model_copy(update={"id": None, "text": "Nobody knows why", "source": None}),
        now=clock.now,
    )
    retry = s.propose_idea(T1, "U1", "Retry payments", pain_point_ids=[checkout.id])
    for user, impact in (("U1", 5), ("U2", 4), ("U3", 5)):
        s.record_estimate(T1, retry.id, user, impact=impact, complexity=1, weeks=1)
    s.support(T1, retry.id, "U3")
    rewrite = s.propose_idea(T1, "U2", "Rewrite [the] billing", pain_point_ids=[billing.id])
    s.record_estimate(T1, rewrite.id, "U1", impact=5, complexity=5, weeks=1)
    s.record_estimate(T1, rewrite.id, "U3", impact=1, complexity=5, weeks=1)
    stalled = s.propose_idea(T1, "U2", "Checkout redesign", pain_point_ids=[checkout.id])
    sender = s.propose_idea(T1, "U3", "Authenticated sender", pain_point_ids=[spam.id])
    clock.now = START + timedelta(days=30)
    s.change_status(T1, stalled.id, IdeaStatus.PLANNED, by="U2")
    s.change_status(T1, sender.id, IdeaStatus.DONE, by="U3")
    clock.now = START + timedelta(days=31)
    store.close()
    return clock


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_questions_prints_the_five_answers_within_80_columns(db, monkeypatch):
    seed(db)
    result = run("questions")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for title in (
        "1. Which improvements have the biggest impact?",
        "2. Which are the most complex, the shortest, the longest?",
        "3. What are the biggest obstacles at each touchpoint?",
        "4. Where is the lifecycle weakest and strongest?",
        "Did it work?",
        "5. Where do customers' words and behaviour diverge?",
    ):
        assert title in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "#1 Retry payments" in out
    assert "#2 Rewrite [the] billing" in out  # people's text is not Rich markup
    assert "quick win" in out and "complex yet short" in out
    assert "Purchase ← weakest" in out
    assert "too early to tell" in out
    assert "no observed-behaviour evidence yet for" not in out  # Purchase has both kinds
    assert "1 open pain point without an evidence type (counted as unknown)" in out


def test_questions_as_json_for_scripts(db):
    seed(db)
    result = run("questions", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"impact", "effort", "obstacles", "stages", "say_do", "now"}
    assert data["impact"]["rows"][0]["idea_id"] == 1
    assert data["impact"]["rows"][0]["certainty"] == "sure"
    disputed = next(r for r in data["impact"]["rows"] if r["idea_id"] == 2)
    assert disputed["certainty"] == "unsure"
    assert "Sales say 5" in disputed["doubt"]
    kinds = {r["idea_id"]: r["kind"] for r in data["effort"]["rows"]}
    assert kinds == {1: "quick win", 2: "complex yet short"}
    checkout = next(r for r in data["obstacles"]["rows"] if r["touchpoint"] == "Checkout")
    # Proposed a month ago and never moved: stuck. Planned a day ago: not stuck yet.
    assert checkout["obstacles"] == [
        {"idea_id": 1, "title": "Retry payments", "reasons": ["stuck in Proposed for 31 days"]},
        {"idea_id": 3, "title": "Checkout redesign", "reasons": ["unestimated"]},
    ]
    billing = next(r for r in data["obstacles"]["rows"] if r["touchpoint"] == "Billing")
    assert billing["obstacles"][0]["reasons"][0].startswith("disputed (impact: Sales say 5")
    purchase = next(r for r in data["say_do"]["rows"] if r["stage"] == "Purchase")
    assert purchase["evidence"] == {"said": 2, "observed": 1, "internal": 0, "unknown": 0}
    assert purchase["gap"] == (
        "Purchase: customers say Checkout hurts, but they are seen struggling at Billing"
    )
    (done,) = data["stages"]["outcomes"]
    assert (done["idea_id"], done["verdict"]) == (4, "too early to tell")
    assert done["why"].startswith("too early to tell: shipped 1 day ago")
    onboarding = next(r for r in data["stages"]["rows"] if r["stage"] == "Onboarding")
    assert onboarding["outcomes"] == {"too early to tell": 1}
    assert onboarding["resolved_load"] == 2


def test_an_idea_planned_longer_than_stuck_days_is_named_as_an_obstacle(db, tmp_path):
    clock = seed(db)
    store = Store.open(db)
    try:
        facts = journey_facts(store.db, T1, facts=store.stats.facts(T1))
        later = clock.now + timedelta(days=40)
        result = answer(facts.pains, facts.ideas, JourneyConfig(), now=later)
    finally:
        store.close()
    checkout = next(r for r in result.obstacles.rows if r.touchpoint == "Checkout")
    reasons = {o.idea_id: o.reasons for o in checkout.obstacles}
    assert reasons[3] == ("unestimated", "stuck in Planned for 41 days")


def test_an_empty_database_still_answers_each_question(db):
    Store.open(db).close()
    result = run("questions")
    assert result.exit_code == 0, result.output
    assert "no active ideas yet: propose one with /idea" in result.stdout
    assert "no pain points yet: log one with /pain" in result.stdout
    assert "no open pain points yet: log one with /pain" in result.stdout


def test_a_missing_database_is_one_line_and_is_not_created(db):
    result = run("questions")
    assert result.exit_code == 2
    assert f"no database at {db}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()


def test_the_tables_fit_an_80_column_terminal_with_long_names(db):
    seed(db)
    store = Store.open(db)
    try:
        facts = journey_facts(store.db, T1, facts=store.stats.facts(T1))
    finally:
        store.close()
    long = [i.__class__(i.id, "A very long idea title " * 6, i.status, i.since, i.pain_ids,
                        i.facts) for i in facts.ideas]  # fmt: skip
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(questions_tables(answer(facts.pains, long, JourneyConfig(), now=START)))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80


def test_top_limits_the_rows_of_each_table(db):
    seed(db)
    result = run("questions", "--top", "1")
    assert result.exit_code == 0, result.output
    assert "#1 Retry payments" in result.stdout
    assert "unsure: 2 of 3" not in result.stdout  # the second idea of question 1
