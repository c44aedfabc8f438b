"""Use cases: what people do with journeybot, independent of Slack and Notion.

Listeners parse a request into plain values and call one of these; these validate against
the journey map, store through `storage.Store`, score with `prioritize`, and announce what
changed to subscribers (the Slack card updater, the debounced Notion sync).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from prioritize.config import Criterion, InvalidInput, JourneyConfig, ScoringConfig
from prioritize.heat import Heat, heat
from prioritize.models import (
    Bucket,
    Estimate,
    EvidenceSource,
    Idea,
    IdeaStatus,
    PainPoint,
    PainStatus,
    Support,
)
from prioritize.scoring import RoadmapItem, Score, explain, roadmap, score
from storage.store import NotFound, Store

__all__ = [
    "Change",
    "InvalidInput",
    "LoggedPain",
    "NotAllowed",
    "NotFound",
    "RoadmapEntry",
    "Services",
    "StatusChange",
    "Vote",
    "invalid_input",
]

log = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The person may not do this; the message says who may."""


def invalid_input(error: ValidationError) -> InvalidInput:
    """Return the first problem of a pydantic ValidationError as an InvalidInput."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "input"
    message = first["msg"].removeprefix("Value error, ")
    return InvalidInput(where, message)


@dataclass(frozen=True, slots=True)
class Change:
    """Something about an idea or pain point changed; subscribers decide what to redraw."""

    team_id: str
    idea_ids: tuple[int, ...] = ()
    pain_ids: tuple[int, ...] = ()
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    team_id: str
    idea_id: int
    old: IdeaStatus
    new: IdeaStatus
    by: str
    source: str
    """"slack" or "notion": where the change was made."""


@dataclass(frozen=True, slots=True)
class LoggedPain:
    pain: PainPoint
    similar: list[PainPoint]


@dataclass(frozen=True, slots=True)
class Vote:
    """The outcome of a vote: what is stored now and whether it replaced an earlier one."""

    idea: Idea
    estimate: Estimate | None = None
    replaced: bool = False
    support_added: bool = False


class RoadmapEntry:
    """One idea on the roadmap: the idea, its rank, score and bucket, and why.

    The one-line breakdown is written when first read: a roadmap of 100,000 ideas is
    ranked far more often than all of it is explained.
    """

    __slots__ = ("_breakdown", "_scoring", "idea", "item")

    def __init__(
        self,
        idea: Idea,
        item: RoadmapItem,
        breakdown: str | None = None,
        *,
        scoring: ScoringConfig | None = None,
    ) -> None:
        if breakdown is None and scoring is None:
            raise TypeError("RoadmapEntry needs a breakdown or the scoring config to write one")
        self.idea = idea
        self.item = item
        self._breakdown = breakdown
        self._scoring = scoring

    @property
    def score(self) -> Score:
        return self.item.score

    @property
    def breakdown(self) -> str:
        if self._breakdown is None:
            assert self._scoring is not None
            self._breakdown = explain(self.item.score, self._scoring)
        return self._breakdown

    def __repr__(self) -> str:
        return (
            f"RoadmapEntry(idea=#{self.idea.id}, rank={self.item.rank}, score={self.score.value})"
        )


Subscriber = Callable[[Change | StatusChange], None]


@dataclass
class Services:
    """The use cases, bound to one store and one journey map."""

    store: Store
    journey: JourneyConfig = field(default_factory=JourneyConfig)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    admins: frozenset[str] = frozenset()
    _subscribers: list[Subscriber] = field(default_factory=list)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` after every change (errors in it are logged, never raised)."""
        self._subscribers.append(subscriber)

    def _emit(self, event: Change | StatusChange) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("a change subscriber failed; the change itself is stored")

    # ---------------------------------------------------------------- pain points

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
    ) -> LoggedPain:
        """Store a pain point and return it with similar open ones; raises InvalidInput."""
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
        stored = self.store.add_pain_point(pain, now=self.clock())
        similar = self.store.similar_pain_points(team_id, stored.text, exclude=stored.id)
        self._emit(Change(team_id, pain_ids=(stored.id,), actor=reporter))
        return LoggedPain(stored, similar)

    def _pain(self, **values: object) -> PainPoint:
        j = self.journey
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
                        source=row.get("source"),
                        link=row.get("link"),
                        owning_team=row.get("owning_team") or row.get("team"),
                    )
                )
            except InvalidInput as e:
                raise InvalidInput(f"line {line}: {e.field}", e.message) from None
        stored = self.store.add_pain_points(pains, now=self.clock())
        if stored:
            self._emit(Change(team_id, pain_ids=tuple(p.id for p in stored)))
        return stored

    def update_pain_point(
        self, team_id: str, user: str, pain_id: int, *, admin: bool = False, **changes: object
    ) -> PainPoint:
        """Change a pain point's details; only its reporter or an admin may."""
        # Read and write in one transaction: two pickers changed at once (stage, then
        # severity) must not write each other's stale copy back.
        with self.store.transaction():
            current = self.store.pain_point(team_id, pain_id)
            if user != current.reporter and not (admin or self.is_admin(user)):
                raise NotAllowed("only the person who logged it or an admin can change it")
            merged = {**current.model_dump(exclude={"id", "created_at", "status"}), **changes}
            pain = self._pain(**merged)
            updated = self.store.update_pain_point(
                team_id,
                pain_id,
                **pain.model_dump(exclude={"id", "created_at", "status", "team_id"}),
            )
        self._emit(Change(team_id, pain_ids=(pain_id,), actor=user))
        return updated

    def me_too(
        self, team_id: str, user: str, pain_id: int, *, instead_of: int | None = None
    ) -> bool:
        """Record that `user` hits an existing pain point too; False if already recorded.

        `instead_of` names the pain point `user` just logged that duplicates this one: it
        is closed. Only its reporter may do that (raises NotAllowed).
        """
        closed = False
        with self.store.transaction():
            if instead_of is not None and instead_of != pain_id:
                duplicate = self.store.pain_point(team_id, instead_of)
                if duplicate.reporter != user:
                    raise NotAllowed("only the person who logged it can withdraw it")
                if duplicate.status is PainStatus.OPEN:
                    self.store.update_pain_point(team_id, instead_of, status=PainStatus.CLOSED)
                    closed = True
            added = self.store.vote_pain_point(team_id, pain_id, user, now=self.clock())
        if added or closed:
            changed = (pain_id, instead_of) if closed and instead_of is not None else (pain_id,)
            self._emit(Change(team_id, pain_ids=changed, actor=user))
        return added

    # ---------------------------------------------------------------- ideas

    def propose_idea(
        self,
        team_id: str,
        proposer: str,
        title: str,
        *,
        description: str = "",
        owning_team: str | None = None,
        pain_point_ids: Iterable[int] = (),
        impact: int | None = None,
        complexity: int | None = None,
        weeks: float | None = None,
    ) -> Idea:
        """Store a new idea, with the proposer's own estimate when given."""
        try:
            idea = Idea(
                team_id=team_id,
                proposer=proposer,
                title=title,
                description=description or "",
                owning_team=self.journey.team(owning_team, field="owning_team")
                if owning_team
                else None,
                pain_point_ids=list(pain_point_ids),
            )
        except ValidationError as e:
            raise invalid_input(e) from None
        estimate = None
        if impact is not None or complexity is not None or weeks is not None:
            # Validate the estimate before storing anything, so a bad one stores nothing.
            estimate = self._estimate(team_id, 0, proposer, impact, complexity, weeks)
        with self.store.transaction():
            stored = self.store.add_idea(idea, now=self.clock())
            if estimate is not None:
                self.store.record_estimate(
                    estimate.model_copy(update={"idea_id": stored.id}), now=self.clock()
                )
        self._emit(Change(team_id, idea_ids=(stored.id,), actor=proposer))
        return stored

    def _estimate(
        self,
        team_id: str,
        idea_id: int,
        voter: str,
        impact: int | None,
        complexity: int | None,
        weeks: float | None,
    ) -> Estimate:
        team = self.store.team_of(team_id, voter)
        for criterion, value in (
            (Criterion.IMPACT, impact),
            (Criterion.COMPLEXITY, complexity),
            (Criterion.WEEKS, weeks),
        ):
            if value is not None and not self.journey.may_rate(team, criterion):
                who = self.journey.who_may_rate(criterion)
                yours = f"you are in {team}" if team else "tell me your team with /journey team"
                raise NotAllowed(f"{criterion.value} is rated by {who} ({yours})")
        try:
            return Estimate(
                team_id=team_id,
                idea_id=idea_id,
                voter=voter,
                team=team,
                impact=impact,
                complexity=complexity,
                weeks=weeks,
            )
        except ValidationError as e:
            raise invalid_input(e) from None

    def live(self, team_id: str, idea_id: int) -> Idea:
        """Return the idea, following a merge to the idea that absorbed it; raises NotFound."""
        idea = self.store.idea(team_id, idea_id)
        seen = {idea_id}
        while idea.merged_into is not None and idea.merged_into not in seen:
            seen.add(idea.merged_into)
            idea = self.store.idea(team_id, idea.merged_into)
        return idea

    def record_estimate(
        self,
        team_id: str,
        idea_id: int,
        voter: str,
        *,
        impact: int | None = None,
        complexity: int | None = None,
        weeks: float | None = None,
    ) -> Vote:
        """Store a person's estimate, replacing their earlier one; raises InvalidInput."""
        idea = self.live(team_id, idea_id)
        estimate = self._estimate(team_id, idea.id, voter, impact, complexity, weeks)
        stored, replaced = self.store.record_estimate(estimate, now=self.clock())
        self._emit(Change(team_id, idea_ids=(idea.id,), actor=voter))
        return Vote(idea, estimate=stored, replaced=replaced)

    def support(self, team_id: str, idea_id: int, user: str) -> Vote:
        """Record a +1; a second +1 by the same person changes nothing."""
        idea = self.live(team_id, idea_id)
        team = self.store.team_of(team_id, user)
        added = self.store.add_support(
            Support(team_id=team_id, idea_id=idea.id, user=user, team=team), now=self.clock()
        )
        if added:
            self._emit(Change(team_id, idea_ids=(idea.id,), actor=user))
        return Vote(idea, support_added=added)

    def retract_support(self, team_id: str, idea_id: int, user: str) -> bool:
        """Take back a +1; False when there was none."""
        idea = self.live(team_id, idea_id)
        removed = self.store.remove_support(team_id, idea.id, user)
        if removed:
            self._emit(Change(team_id, idea_ids=(idea.id,), actor=user))
        return removed

    def is_admin(self, user: str) -> bool:
        """Whether the config names `user` as a journeybot admin."""
        return user in self.admins

    def change_status(
        self,
        team_id: str,
        idea_id: int,
        status: IdeaStatus | str,
        *,
        by: str,
        source: str = "slack",
    ) -> StatusChange | None:
        """Set an idea's status; return the change, or None when it already had it."""
        try:
            status = IdeaStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in IdeaStatus)
            raise InvalidInput("status", f"unknown status {status!r}; choose {choices}") from None
        old = self.store.set_status(
            team_id, idea_id, status, by=by, source=source, now=self.clock()
        )
        if old is None:
            return None
        change = StatusChange(team_id, idea_id, old, status, by, source)
        self._emit(change)
        return change

    def pin_bucket(
        self, team_id: str, idea_id: int, bucket: Bucket | str | None, *, by: str
    ) -> Idea:
        """Pin an idea to a bucket (None unpins) so ranking no longer moves it."""
        try:
            pinned = Bucket(bucket) if bucket else None
        except ValueError:
            raise InvalidInput(
                "bucket", f"unknown bucket {bucket!r}; choose Now, Next or Later"
            ) from None
        idea = self.store.update_idea(team_id, idea_id, now=self.clock(), pinned_bucket=pinned)
        self._emit(Change(team_id, idea_ids=(idea_id,), actor=by))
        return idea

    def merge(self, team_id: str, duplicate_id: int, into_id: int, *, by: str) -> Idea:
        """Merge a duplicate idea into another; votes and links move. Returns the survivor."""
        survivor = self.store.merge_ideas(team_id, duplicate_id, into_id, now=self.clock())
        self._emit(Change(team_id, idea_ids=(duplicate_id, into_id), actor=by))
        return survivor

    # ---------------------------------------------------------------- people

    def set_team(self, team_id: str, user: str, team: str) -> str:
        """Remember a person's team; return its configured spelling."""
        name = self.journey.team(team)
        self.store.set_team(team_id, user, name)
        return name

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        self.store.set_notify(team_id, user, notify)

    # ---------------------------------------------------------------- reading

    def ranking(self, team_id: str) -> list[RoadmapItem]:
        """Return every idea scored, ranked and bucketed, without loading the ideas themselves.

        Done and Won't do ideas are ranked too, with no bucket.
        """
        with _gc_paused():
            return roadmap(self.store.facts(team_id), self.journey.scoring)

    def roadmap(self, team_id: str) -> list[RoadmapEntry]:
        """Return every idea, ranked and bucketed, with the breakdown of its score.

        Done and Won't do ideas are included with no bucket (`item.bucket is None`).
        """
        scoring = self.journey.scoring
        items = self.ranking(team_id)
        with _gc_paused():
            ideas = {i.id: i for i in self.store.ideas(team_id)}
            return [
                RoadmapEntry(ideas[item.score.idea_id], item, scoring=scoring)
                for item in items
                if item.score.idea_id in ideas
            ]

    def score_of(self, team_id: str, idea_id: int) -> tuple[Score, str]:
        """Return one idea's score and its breakdown, without ranking the others."""
        facts = self.store.facts(team_id, idea_id=idea_id)
        if not facts:
            raise NotFound(f"idea #{idea_id} does not exist")
        s = score(facts[0], self.journey.scoring)
        return s, explain(s, self.journey.scoring)

    def entry(self, team_id: str, idea_id: int) -> RoadmapEntry:
        """Return one idea's roadmap entry (rank and bucket need the whole ranking)."""
        for item in self.ranking(team_id):
            if item.score.idea_id == idea_id:
                # Only this idea is loaded; the others are needed as scores, not as ideas.
                idea = self.store.idea(team_id, idea_id)
                return RoadmapEntry(idea, item, scoring=self.journey.scoring)
        raise NotFound(f"idea #{idea_id} is not on the roadmap")

    def heat(self, team_id: str) -> Heat:
        """Return the journey heat table of the workspace."""
        return heat(
            self.journey.stages, self.store.pain_facts(team_id), self.store.active_links(team_id)
        )

    # ---------------------------------------------------------------- import

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
            source=row.get("source") or None,
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
        with self.store.transaction():
            stored_pains = self.store.add_pain_points([r.pain for r in pains], now=now)
            for restored, pain in zip(pains, stored_pains, strict=True):
                for user, at in restored.me_too:
                    self.store.vote_pain_point(team_id, pain.id, user, now=at or now)
            for restored in ideas:
                first = restored.history[0].old if restored.history else restored.idea.status
                idea = self.store.add_idea(
                    restored.idea.model_copy(update={"team_id": team_id, "status": first}),
                    now=now,
                )
                for estimate in restored.estimates:
                    self.store.record_estimate(
                        estimate.model_copy(update={"team_id": team_id, "idea_id": idea.id}),
                        now=estimate.created_at or now,
                    )
                for support in restored.supports:
                    self.store.add_support(
                        support.model_copy(update={"team_id": team_id, "idea_id": idea.id}),
                        now=support.created_at or now,
                    )
                for step in restored.history:
                    self.store.set_status(
                        team_id, idea.id, step.new, by=step.by, source=step.source, now=step.at
                    )
                if restored.history and restored.history[-1].new is not restored.idea.status:
                    self.store.set_status(
                        team_id, idea.id, restored.idea.status, by="import", source="import",
                        now=now,
                    )  # fmt: skip
                stored_ideas.append(self.store.idea(team_id, idea.id))
            for pain_id, status in (pain_statuses or {}).items():
                if self.store.pain_point(team_id, pain_id).status is not status:
                    self.store.update_pain_point(team_id, pain_id, status=status)
        if stored_pains or stored_ideas or pain_statuses:
            self._emit(
                Change(
                    team_id,
                    idea_ids=tuple(i.id for i in stored_ideas),
                    pain_ids=tuple(p.id for p in stored_pains) + tuple(pain_statuses or ()),
                )
            )
        return stored_pains, stored_ideas


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large, acyclic result is built.

    Ranking 100,000 ideas creates several hundred thousand small objects; each burst of
    allocations sets off a collection that walks all of them again, which costs about a
    third of the time. Reference counting still frees everything as usual; only cycles
    wait, and only for the duration. (Process-wide, hence here and not in the pure core.)
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _source(value: object) -> EvidenceSource:
    if value is None or value == "":
        return EvidenceSource.INTERNAL
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


def _moment(value: object, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not a date and time (ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
