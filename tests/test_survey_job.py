"""The scheduler's "Is this better now?" job: it only schedules; the use case decides."""

from __future__ import annotations

from bot.config import AppConfig, Settings
from bot.jobs import SURVEY_EVERY_MINUTES, SURVEY_JOB, Jobs
from bot.services import Effects, Services
from prioritize.models import IdeaStatus

T1, T2 = "T0001", "T0002"


def jobs_for(services: Services) -> Jobs:
    # _env_file=None: the tests must not read a developer's .env.
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Jobs(settings, AppConfig(), services)


def done_idea(services: Services, team_id: str, reporter: str) -> int:
    pain = services.log_pain_point(team_id, reporter, "Checkout fails").pain
    idea = services.propose_idea(team_id, "U0PROP", "Retry payments", pain_point_ids=[pain.id])
    services.change_status(team_id, idea.id, IdeaStatus.DONE, by="U0BOSS")
    return idea.id


def test_the_survey_job_asks_in_every_workspace_where_it_is_due(services, clock) -> None:
    done_idea(services, T1, "U0BEN")
    done_idea(services, T2, "U0CHLOE")
    jobs = jobs_for(services)
    assert jobs.ask_if_better() == {T1: 0, T2: 0}
    clock.tick(days=14)
    assert jobs.ask_if_better() == {T1: 1, T2: 1}
    assert jobs.ask_if_better() == {T1: 0, T2: 0}
    kinds = [
        r[0]
        for r in services.store.db.execute(
            "select kind from outbox where kind = ?", [Effects.SURVEY]
        )
    ]
    assert len(kinds) == 2
    clock.tick(days=14)
    # No courier here: let the redraws waiting since the Done count as delivered.
    services.store.db.execute("update outbox set state = 'done'")
    jobs.ask_if_better()
    # Four weeks after Done, the same job redraws each card with its verdict.
    redraws = services.store.db.execute(
        "select count(*) from outbox where key like 'outcome_card:%'"
    ).fetchone()[0]
    assert redraws == 2


def test_starting_the_scheduler_schedules_the_survey_job(services) -> None:
    jobs = jobs_for(services)
    jobs.start()
    try:
        job = jobs.scheduler.get_job(SURVEY_JOB)
        assert job is not None
        assert job.trigger.interval.total_seconds() == SURVEY_EVERY_MINUTES * 60
    finally:
        jobs.shutdown(wait=False)
