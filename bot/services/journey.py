"""The journey questions, "Is this better now?" surveys and the weekly digest."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from prioritize.errors import InvalidInput, NotAllowed
from prioritize.models import IdeaStatus
from prioritize.outcomes import Outcome, SurveyAnswer
from prioritize.questions import JourneyIdea, answer, outcomes
from storage.journey_facts import journey_facts
from storage.notion_state import NotionState

from ..chart import chart_points
from ..digest import Digest, answer_changes, answers_snapshot, build_digest
from .core import _USER_ID, Change, Effects, Questions, UseCases, _gc_paused, _iso, _wall

SURVEY_WINDOW_DAYS = 28
"""Days past the due day in which an idea's survey may still go out (a bot down a while)."""


class JourneyUseCases(UseCases):
    """The five journey questions, the outcomes of Done ideas and the weekly digest."""

    def questions(self, team_id: str, *, now: datetime | None = None) -> Questions:
        """Return the answers to the five journey questions, outcomes of Done ideas included.

        Survey answers ("Is this better now?") feed the outcomes.
        """
        with _gc_paused():
            facts = journey_facts(self.store.db, team_id, facts=self.store.stats.facts(team_id))
            answers = answer(
                facts.pains,
                facts.ideas,
                self.journey_of(team_id),
                now=now or self.clock(),
                answers=self.surveys.answers(team_id),
            )
            return Questions(answers, {i.id: i.title for i in facts.ideas})

    def outcome(self, team_id: str, idea_id: int) -> Outcome | None:
        """Return whether a Done idea worked, with the figures; None for any other idea."""
        if self.store.ideas.get(team_id, idea_id).status is not IdeaStatus.DONE:
            return None
        facts = journey_facts(self.store.db, team_id)
        found = outcomes(
            facts.pains,
            [i for i in facts.ideas if i.id == idea_id],
            self.journey_of(team_id),
            now=self.clock(),
            answers=self.surveys.answers(team_id, idea_ids=[idea_id]),
        )
        return found[0] if found else None

    def ask_if_better(self, team_id: str, *, now: datetime | None = None) -> int:
        """Ask "Is this better now?" about ideas Done `survey_after_days` ago; return how many.

        The people asked are those who reported or said "me too" to the idea's linked pain
        points, minus those who turned DMs off. Each person is asked once per idea (the DM
        is an outbox effect keyed by idea and person); ideas Done longer ago than
        SURVEY_WINDOW_DAYS past the due day are left alone, so turning the feature on does
        not survey every idea ever shipped.
        """
        now = now or self.clock()
        after = timedelta(days=self.journey_of(team_id).questions.survey_after_days)
        asked = 0
        with self._unit():
            for idea in self._shipped_ago(team_id, after, now):
                for user in self.surveys.people(team_id, idea.pain_ids):
                    if not (_USER_ID.match(user) and self.store.people.wants_dms(team_id, user)):
                        continue
                    if not self.surveys.ask(team_id, idea.id, user, now=now):
                        continue
                    self.outbox.add(
                        team_id,
                        Effects.SURVEY,
                        {"idea_id": idea.id, "user": user},
                        key=f"survey:{team_id}:{idea.id}:{user}",
                        now=_wall(),
                    )
                    asked += 1
        return asked

    def show_settled_outcomes(self, team_id: str, *, now: datetime | None = None) -> int:
        """Redraw the card of each Done idea whose comparison weeks have passed; return how
        many were recorded.

        Time alone turns *too early to tell* into a verdict, with no change to tell a card
        about. Each idea's redraw is recorded once (keyed by when it shipped); one whose
        weeks ended more than SURVEY_WINDOW_DAYS ago is left as it is.
        """
        now = now or self.clock()
        weeks = timedelta(weeks=self.journey_of(team_id).questions.outcome_weeks)
        recorded = 0
        with self._unit():
            for idea in self._shipped_ago(team_id, weeks, now):
                recorded += self.outbox.add(
                    team_id,
                    Effects.CARD,
                    {"idea_id": idea.id},
                    key=f"outcome_card:{team_id}:{idea.id}:{_iso(idea.since)}",
                    coalesce=f"card:{team_id}:{idea.id}",
                    now=_wall(),
                )
        return recorded

    def _shipped_ago(self, team_id: str, wait: timedelta, now: datetime) -> list[JourneyIdea]:
        """Return the Done ideas that shipped at least `wait` before `now`, and at most
        SURVEY_WINDOW_DAYS before that: older ones are left as they are."""
        latest = now - wait
        oldest = latest - timedelta(days=SURVEY_WINDOW_DAYS)
        return [
            idea
            for idea in journey_facts(self.store.db, team_id).ideas
            if idea.status is IdeaStatus.DONE and oldest <= idea.since <= latest
        ]

    def answer_if_better(
        self,
        team_id: str,
        user: str,
        idea_id: int,
        said: SurveyAnswer | str,
        *,
        once: str | None = None,
    ) -> SurveyAnswer:
        """Store `user`'s answer to "Is this better now?" about `idea_id` (a second replaces
        the first); raises InvalidInput, NotAllowed when they were not asked, NotFound."""
        try:
            chosen = SurveyAnswer(said)
        except ValueError:
            choices = ", ".join(a.value for a in SurveyAnswer)
            raise InvalidInput("answer", f"unknown answer {said!r}; choose {choices}") from None
        with self._unit(once) as unit:
            self.store.ideas.get(team_id, idea_id)
            if unit.replayed:
                return chosen
            try:
                self.surveys.answer(team_id, idea_id, user, chosen, now=self.clock())
            except LookupError:
                raise NotAllowed(
                    f"only the people asked about idea #{idea_id} can answer for it"
                ) from None
            self._card(team_id, [idea_id])
        self._emit(Change(team_id, idea_ids=(idea_id,)))
        return chosen

    def weekly_digest(self, team_id: str, *, now: datetime) -> Digest:
        """Write this week's digest and record its post (with the chart) in the outbox.

        The ranks as posted are remembered in the same transaction: next week's movers are
        measured against them.
        """
        snapshots = NotionState(self.store)
        taken_at, previous = snapshots.snapshot_before(team_id, now)
        since = taken_at or now - timedelta(days=7)
        entries = self.roadmap(team_id)
        questions = self.questions(team_id, now=now)
        current = answers_snapshot(questions.answers)
        changes = answer_changes(
            self.surveys.snapshot_before(team_id, now), questions.answers, titles=questions.titles
        )
        new_pains = [
            p
            for p in self.store.pains.all(team_id)
            if p.created_at is not None and p.created_at > since
        ]
        digest = build_digest(
            entries,
            new_pains,
            self.heat(team_id),
            previous if taken_at else None,
            now=now,
            min_estimates=self.journey_of(team_id).scoring.min_estimates,
            roadmap_url=self.notion_url(team_id),
            changes=changes,
        )
        active = [e for e in entries if e.idea.status.is_active]
        with self._unit():
            self.surveys.save_snapshot(team_id, now, current)
            snapshots.save_snapshot(
                team_id,
                now,
                (
                    (e.idea.id, rank, e.score.value, e.item.bucket.value if e.item.bucket else None)
                    for rank, e in enumerate(active, start=1)
                    if e.idea.id is not None
                ),
            )
            self.outbox.add(
                team_id,
                Effects.DIGEST,
                {
                    "text": digest.text,
                    "title": f"Impact vs effort, {now:%d %B %Y}",
                    "points": [asdict(p) for p in chart_points(entries)],
                },
                key=f"digest:{team_id}:{_iso(now)}",
                now=_wall(),
            )
        return digest
