"""Restoring exported records: check each row, then store them as they were."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prioritize.errors import InvalidInput
from prioritize.models import Estimate, Idea, IdeaStatus, PainPoint, PainStatus, Support

from .core import Change, UseCases
from .pains import _int


@dataclass(frozen=True, slots=True)
class RestoredPain:
    """A pain point to restore, with the people who said they hit it too (and when)."""

    pain: PainPoint
    me_too: Sequence[tuple[str, datetime | None]] = ()


@dataclass(frozen=True, slots=True)
class StatusStep:
    """One exported status change of an idea."""

    old: IdeaStatus
    new: IdeaStatus
    by: str
    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RestoredIdea:
    """An idea to restore with its estimates, +1s and status history, oldest first."""

    idea: Idea
    estimates: Sequence[Estimate] = ()
    supports: Sequence[Support] = ()
    history: Sequence[StatusStep] = ()


class RestoreUseCases(UseCases):
    """Bringing back what `journeybot export` wrote."""

    def check_imported_pain_point(self, team_id: str, row: dict[str, object]) -> PainPoint:
        """Return one imported row as a pain point, checked against the journey map.

        Reads what `import_pain_points` reads, plus the `status` and `created_at` an export
        carries. Stores nothing; raises InvalidInput naming the field.
        """
        severity = row.get("severity")
        if isinstance(severity, str):
            severity = _int(severity, "severity") if severity.strip() else None
        status = str(row.get("status") or "").strip() or PainStatus.OPEN.value
        known = {s.value.casefold(): s for s in PainStatus}
        if status.casefold() not in known:
            choices = ", ".join(s.value for s in PainStatus)
            raise InvalidInput("status", f"unknown status {status!r}; choose {choices}")
        created_at = _moment(row.get("created_at"), "created_at")
        pain = self._pain(
            team_id=team_id,
            reporter=str(row.get("reporter") or "").strip() or "import",
            text=str(row.get("text") or ""),
            stage=row.get("stage") or None,
            touchpoint=row.get("touchpoint") or None,
            persona=row.get("persona") or None,
            severity=severity,
            source=row.get("source") or row.get("evidence") or None,
            link=row.get("link") or None,
            owning_team=row.get("owning_team") or row.get("team") or None,
        )
        return pain.model_copy(
            update={"status": known[status.casefold()], "created_at": created_at}
        )

    def restore(
        self,
        team_id: str,
        *,
        pains: Sequence[RestoredPain] = (),
        ideas: Sequence[RestoredIdea] = (),
        pain_statuses: dict[int, PainStatus] | None = None,
    ) -> tuple[list[PainPoint], list[Idea]]:
        """Store checked, exported records as they were, in one transaction; return them.

        Pain points keep their status and time; ideas come with their estimates, +1s and
        status history, replayed at their original times (pain points follow a Done idea
        as usual); `pain_statuses` then sets pain points (by id) back to their exported
        status. Links and merges must already name ids of this database.
        """
        now = self.clock()
        stored_pains: list[PainPoint] = []
        stored_ideas: list[Idea] = []
        with self._unit():
            stored_pains = self.store.pains.add_all([r.pain for r in pains], now=now)
            for restored, pain in zip(pains, stored_pains, strict=True):
                for user, at in restored.me_too:
                    self.store.pains.vote(team_id, pain.id, user, now=at or now)
            for restored in ideas:
                first = restored.history[0].old if restored.history else restored.idea.status
                idea = self.store.ideas.add(
                    restored.idea.model_copy(update={"team_id": team_id, "status": first}),
                    now=now,
                )
                for estimate in restored.estimates:
                    self.store.votes.record_estimate(
                        estimate.model_copy(update={"team_id": team_id, "idea_id": idea.id}),
                        now=estimate.created_at or now,
                    )
                for support in restored.supports:
                    self.store.votes.add_support(
                        support.model_copy(update={"team_id": team_id, "idea_id": idea.id}),
                        now=support.created_at or now,
                    )
                for step in restored.history:
                    self.store.ideas.set_status(
                        team_id, idea.id, step.new, by=step.by, source=step.source, now=step.at
                    )
                if restored.history and restored.history[-1].new is not restored.idea.status:
                    self.store.ideas.set_status(
                        team_id, idea.id, restored.idea.status, by="import", source="import",
                        now=now,
                    )  # fmt: skip
                stored_ideas.append(self.store.ideas.get(team_id, idea.id))
            for pain_id, status in (pain_statuses or {}).items():
                if self.store.pains.get(team_id, pain_id).status is not status:
                    self.store.pains.update(team_id, pain_id, status=status)
        if stored_pains or stored_ideas or pain_statuses:
            self._emit(
                Change(
                    team_id,
                    idea_ids=tuple(i.id for i in stored_ideas),
                    pain_ids=tuple(p.id for p in stored_pains) + tuple(pain_statuses or ()),
                )
            )
        return stored_pains, stored_ideas


def _moment(value: object, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a date and time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
