"""Pain points: log, import, change and +1 them, find similar ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from prioritize.errors import InvalidInput, NotAllowed
from prioritize.models import EvidenceSource, PainPoint, PainStatus

from .core import Change, LoggedPain, UseCases, invalid_input


class PainPointUseCases(UseCases):
    """What people do with pain points."""

    def log_pain_point(
        self,
        team_id: str,
        reporter: str,
        text: str,
        *,
        stage: str | None = None,
        touchpoint: str | None = None,
        persona: str | None = None,
        severity: int | None = None,
        source: str | EvidenceSource | None = None,
        link: str | None = None,
        owning_team: str | None = None,
        once: str | None = None,
    ) -> LoggedPain:
        """Store a pain point and return it with similar open ones; raises InvalidInput.

        With `once`, a second call with the same key stores nothing and returns the first
        pain point again.
        """
        pain = self._pain(
            team_id=team_id,
            reporter=reporter,
            text=text,
            stage=stage,
            touchpoint=touchpoint,
            persona=persona,
            severity=severity,
            source=source,
            link=link,
            owning_team=owning_team,
        )
        with self._unit(once) as unit:
            if unit.replayed:
                stored = self.store.pains.get(team_id, int(unit.previous or 0))
            else:
                stored = self.store.pains.add(pain, now=self.clock())
                unit.result = str(stored.id)
        similar = self.similar_pain_points(team_id, stored.text, exclude=stored.id)
        if not unit.replayed:
            self._emit(Change(team_id, pain_ids=(stored.id,)))
        return LoggedPain(stored, similar)

    def _pain(self, **values: object) -> PainPoint:
        j = self.journey_of(str(values["team_id"]))
        if values.get("stage"):
            values["stage"] = j.stage(str(values["stage"]))
        else:
            values["stage"] = j.first_stage
        for name, lookup in (
            ("touchpoint", j.touchpoint),
            ("persona", j.persona),
            ("owning_team", lambda v: j.team(v, field="owning_team")),
        ):
            if values.get(name):
                values[name] = lookup(str(values[name]))
            else:
                values[name] = None
        values["source"] = _source(values.get("source"))
        if values.get("severity") is None:
            values.pop("severity")
        if not values.get("link"):
            values["link"] = None
        try:
            return PainPoint.model_validate(values)
        except ValidationError as e:
            raise invalid_input(e) from None

    def import_pain_points(
        self,
        team_id: str,
        rows: Iterable[dict[str, str]],
        *,
        lines: Sequence[int] | None = None,
    ) -> list[PainPoint]:
        """Validate every row, then store them all in one transaction.

        Raises InvalidInput naming the line and the field; nothing is stored when any row is
        bad. `lines[i]` is the file line of row i (a CSV may skip blank lines or spread a
        quoted cell over several); without it, row i is line i + 2, after a header line.
        """
        pains = []
        for index, row in enumerate(rows):
            line = lines[index] if lines is not None else index + 2
            try:
                severity = row.get("severity") or None
                pains.append(
                    self._pain(
                        team_id=team_id,
                        reporter=(row.get("reporter") or "import").strip(),
                        text=row.get("text") or "",
                        stage=row.get("stage"),
                        touchpoint=row.get("touchpoint"),
                        persona=row.get("persona"),
                        severity=_int(severity, "severity") if severity else None,
                        source=row.get("source") or row.get("evidence"),
                        link=row.get("link"),
                        owning_team=row.get("owning_team") or row.get("team"),
                    )
                )
            except InvalidInput as e:
                raise InvalidInput(f"line {line}: {e.field}", e.message) from None
        with self._unit():
            stored = self.store.pains.add_all(pains, now=self.clock())
        if stored:
            self._emit(Change(team_id, pain_ids=tuple(p.id for p in stored)))
        return stored

    def update_pain_point(
        self,
        team_id: str,
        user: str,
        pain_id: int,
        *,
        admin: bool = False,
        once: str | None = None,
        **changes: object,
    ) -> PainPoint:
        """Change a pain point's details; only its reporter or an admin may."""
        # Who may is decided before the transaction: asking Slack whether someone is a
        # workspace admin must not hold the write lock.
        reporter = self.store.pains.get(team_id, pain_id).reporter
        allowed = user == reporter or admin or self.is_admin(user, team_id)
        # Read and write in one transaction: two pickers changed at once (stage, then
        # severity) must not write each other's stale copy back.
        with self._unit(once) as unit:
            current = self.store.pains.get(team_id, pain_id)
            if unit.replayed:
                return current
            if not allowed or current.reporter != reporter:
                raise NotAllowed("only the person who logged it or an admin can change it")
            merged = {**current.model_dump(exclude={"id", "created_at", "status"}), **changes}
            pain = self._pain(**merged)
            updated = self.store.pains.update(
                team_id,
                pain_id,
                **pain.model_dump(exclude={"id", "created_at", "status", "team_id"}),
            )
            self._cards_of_pains(team_id, [pain_id])
            self.refresh_home(team_id, current.reporter)
        self._emit(Change(team_id, pain_ids=(pain_id,)))
        return updated

    def me_too(
        self,
        team_id: str,
        user: str,
        pain_id: int,
        *,
        instead_of: int | None = None,
        once: str | None = None,
    ) -> bool:
        """Record that `user` hits an existing pain point too; False if already recorded.

        `instead_of` names the pain point `user` just logged that duplicates this one: it
        is closed. Only its reporter may do that (raises NotAllowed).
        """
        closed = False
        with self._unit(once) as unit:
            if unit.replayed:
                return False
            if instead_of is not None and instead_of != pain_id:
                duplicate = self.store.pains.get(team_id, instead_of)
                if duplicate.reporter != user:
                    raise NotAllowed("only the person who logged it can withdraw it")
                if duplicate.status is PainStatus.OPEN:
                    self.store.pains.update(team_id, instead_of, status=PainStatus.CLOSED)
                    closed = True
            added = self.store.pains.vote(team_id, pain_id, user, now=self.clock())
            changed = (pain_id, instead_of) if closed and instead_of is not None else (pain_id,)
            if added or closed:
                self._cards_of_pains(team_id, changed)
        if added or closed:
            self._emit(Change(team_id, pain_ids=changed))
        return added

    def pain_point(self, team_id: str, pain_id: int) -> PainPoint:
        """Return one pain point; raises NotFound."""
        return self.store.pains.get(team_id, pain_id)

    def pain_people(self, team_id: str, pain_id: int) -> int:
        """Return how many people hit this pain point: its reporter and everyone who +1'd."""
        self.store.pains.get(team_id, pain_id)
        return self.store.pains.votes(pain_id) + 1

    def similar_pain_points(
        self, team_id: str, text: str, *, exclude: int | None = None, limit: int = 3
    ) -> list[PainPoint]:
        """Return open pain points that read like `text` (full-text search), best first."""
        if not text:
            return []
        return self.store.pains.similar(team_id, text, exclude=exclude, limit=limit)

    def search_pain_points(self, team_id: str, text: str, *, limit: int = 50) -> list[PainPoint]:
        """Return pain points matching `text` as typed so far (for pickers)."""
        return self.store.pains.search(team_id, text, limit=limit)


def _source(value: object) -> EvidenceSource | None:
    """Return the evidence source named by `value`; None (or blank) is unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, EvidenceSource):
        return value
    text = str(value).strip().casefold()
    for source in EvidenceSource:
        if text in (source.value, source.name.casefold(), source.value.split()[0]):
            return source
    choices = ", ".join(s.value for s in EvidenceSource)
    raise InvalidInput("source", f"unknown evidence source {value!r}; choose {choices}")


def _int(value: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a whole number") from None
