"""Import an export or a journey map: check every row first, then write in batches.

Importing a file twice adds nothing the second time: each row is known by its content
(who, what and when), and rows already in the workspace are counted as "already
imported". Every row is checked before anything is written; then rows are written in
batches, each its own transaction, so the running bot gets its turn between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlite_utils.utils import chunks

from prioritize.config import InvalidInput
from prioritize.models import Estimate, Idea, IdeaStatus, PainPoint, PainStatus, Support

from ..services import RestoredIdea, RestoredPain, Services, StatusStep
from .files import PAIN_FIELDS, Source

__all__ = ["BATCH_ROWS", "ImportPlan", "ImportReport", "plan_import", "run_import"]

BATCH_ROWS = 500
"""Rows written per transaction by an import."""
PAUSE = 0.1
"""Longest pause between two batches, in seconds.

Batches alone are not enough: a writer waiting on SQLite's busy timeout polls, sleeping up
to 100 ms between tries, and an import that starts its next batch at once wins nearly every
time (bench/import_export.py: the bot's longest wait is 3 s without a pause, 0.3 s with).
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=False)


class _EstimateRow(_Strict):
    voter: str
    team: str | None = None
    impact: int | None = None
    complexity: int | None = None
    weeks: float | None = None
    created_at: datetime | None = None


class _SupportRow(_Strict):
    user: str
    team: str | None = None
    created_at: datetime | None = None


class _StepRow(_Strict):
    old: IdeaStatus
    new: IdeaStatus
    by: str
    source: str
    at: datetime


class _MeTooRow(_Strict):
    user: str
    created_at: datetime | None = None


class _IdeaRow(_Strict):
    id: int
    title: str
    description: str = ""
    proposer: str
    owning_team: str | None = None
    pain_point_ids: list[int] = []
    status: IdeaStatus = IdeaStatus.PROPOSED
    pinned_bucket: str | None = None
    merged_into: int | None = None
    created_at: datetime | None = None
    estimates: list[_EstimateRow] = []
    supports: list[_SupportRow] = []
    status_history: list[_StepRow] = []


@dataclass
class ImportPlan:
    """Checked records, the ones new to the workspace, and how many were there already."""

    pains: list[RestoredPain] = field(default_factory=list)
    pain_file_ids: list[int | None] = field(default_factory=list)
    ideas: list[tuple[int, _IdeaRow, RestoredIdea]] = field(default_factory=list)
    pain_ids: dict[int, int] = field(default_factory=dict)
    """File id -> stored id, for pain points already in the workspace."""
    idea_ids: dict[int, int] = field(default_factory=dict)
    pain_statuses: dict[int, PainStatus] = field(default_factory=dict)
    """File id -> exported status, set again once every idea's history is replayed."""
    already: int = 0
    skipped_idea_rows: int = 0


@dataclass(frozen=True)
class ImportReport:
    pain_points: int
    ideas: int
    already: int
    skipped_idea_rows: int


def plan_import(services: Services, team_id: str, source: Source) -> ImportPlan:
    """Check every record of `source` and sort out those the workspace already holds.

    Raises InvalidInput naming the line (or JSON position) and the field; stores nothing.
    """
    plan = ImportPlan(skipped_idea_rows=source.skipped_idea_rows)
    existing = _PainIndex(services.store.pains.all(team_id))
    file_ids: set[int] = set()
    for where, row in source.pains:
        file_id = _file_id(row.get("id"), where)
        try:
            pain = services.check_imported_pain_point(team_id, _as_text(row))
            me_too = [_MeTooRow.model_validate(v) for v in row.get("me_too") or []]
        except InvalidInput as e:
            raise InvalidInput(f"{where}: {e.field}", e.message) from None
        except ValidationError as e:
            raise _invalid(where + ".me_too", e) from None
        if file_id is not None:
            if file_id in file_ids:
                raise InvalidInput(f"{where}: id", f"#{file_id} appears twice")
            file_ids.add(file_id)
        found = existing.take(pain)
        if found is not None:
            # Already here: its status may have moved on since; the file does not undo that.
            plan.already += 1
            if file_id is not None:
                plan.pain_ids[file_id] = found
            continue
        plan.pains.append(RestoredPain(pain, [(v.user, v.created_at) for v in me_too]))
        plan.pain_file_ids.append(file_id)
        if file_id is not None:
            plan.pain_statuses[file_id] = pain.status
    _plan_ideas(services, team_id, source, plan, file_ids)
    return plan


def _plan_ideas(
    services: Services, team_id: str, source: Source, plan: ImportPlan, pain_file_ids: set[int]
) -> None:
    existing: dict[tuple[str, str, str], list[int]] = {}
    for idea in services.store.ideas.all(team_id, include_merged=True):
        existing.setdefault(_idea_key(idea.proposer, idea.title, idea.created_at), []).append(
            idea.id
        )
    rows: dict[int, str] = {}
    for where, raw in source.ideas:
        try:
            row = _IdeaRow.model_validate(raw)
            idea = Idea(
                team_id=team_id,
                title=row.title,
                description=row.description,
                proposer=row.proposer,
                owning_team=services.journey_of(team_id).team(row.owning_team, field="owning_team")
                if row.owning_team
                else None,
                status=row.status,
                pinned_bucket=row.pinned_bucket or None,
                pain_point_ids=row.pain_point_ids,
                created_at=row.created_at,
            )
            estimates = [
                Estimate(team_id=team_id, idea_id=0, **e.model_dump()) for e in row.estimates
            ]
            supports = [Support(team_id=team_id, idea_id=0, **s.model_dump()) for s in row.supports]
        except ValidationError as e:
            raise _invalid(where, e) from None
        except InvalidInput as e:
            raise InvalidInput(f"{where}: {e.field}", e.message) from None
        if row.id in rows:
            raise InvalidInput(f"{where}: id", f"#{row.id} appears twice")
        rows[row.id] = where
        unknown = [p for p in row.pain_point_ids if p not in pain_file_ids]
        if unknown:
            raise InvalidInput(
                f"{where}: pain_point_ids",
                "no pain point " + ", ".join(f"#{p}" for p in unknown) + " in the file",
            )
        ids = existing.get(_idea_key(idea.proposer, idea.title, idea.created_at))
        if ids:
            plan.already += 1
            plan.idea_ids[row.id] = ids.pop(0)
            continue
        history = [StatusStep(s.old, s.new, s.by, s.source, s.at) for s in row.status_history]
        plan.ideas.append((row.id, row, RestoredIdea(idea, estimates, supports, history)))
    for file_id, row, _ in plan.ideas:
        if row.merged_into is not None and row.merged_into not in rows:
            raise InvalidInput(
                f"{rows[file_id]}: merged_into", f"no idea #{row.merged_into} in the file"
            )
    plan.ideas = _merge_targets_first(plan.ideas, rows)


def _merge_targets_first(
    items: list[tuple[int, _IdeaRow, RestoredIdea]], rows: dict[int, str]
) -> list[tuple[int, _IdeaRow, RestoredIdea]]:
    """Return the ideas in file order, each merged idea after the idea it was merged into.

    File order keeps the ids of an export restored into an empty database; a merged idea
    needs the id of the idea it points to.
    """
    new = {file_id for file_id, _, _ in items}
    ordered: list[tuple[int, _IdeaRow, RestoredIdea]] = []
    done: set[int] = set()
    waiting: dict[int, list[tuple[int, _IdeaRow, RestoredIdea]]] = {}

    def place(item: tuple[int, _IdeaRow, RestoredIdea]) -> None:
        target = item[1].merged_into
        if target is not None and target in new and target not in done:
            waiting.setdefault(target, []).append(item)
            return
        ordered.append(item)
        done.add(item[0])
        for follower in waiting.pop(item[0], []):
            place(follower)

    for item in sorted(items, key=lambda item: item[0]):
        place(item)
    if waiting:
        stuck = min(item[0] for group in waiting.values() for item in group)
        raise InvalidInput(f"{rows[stuck]}: merged_into", "the ideas are merged into each other")
    return ordered


def run_import(
    services: Services,
    team_id: str,
    plan: ImportPlan,
    *,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
    between_batches: Callable[[], None] | None = None,
) -> ImportReport:
    """Write a checked plan in batches of about `batch_rows` rows, one transaction each.

    Between batches the database is free for other writers (the running bot); a batch
    that takes t seconds is followed by a pause of up to t (at most `PAUSE`) so that a
    writer waiting on SQLite's busy timeout gets its turn. `progress` is called with the
    number of records written after each batch.
    """
    written = 0

    def batch_done(count: int, started: float) -> None:
        nonlocal written
        written += count
        if progress:
            progress(written)
        if between_batches is not None:
            between_batches()
        time.sleep(min(PAUSE, time.perf_counter() - started))

    pains_written = 0
    for chunk in chunks(zip(plan.pains, plan.pain_file_ids, strict=True), batch_rows):
        started = time.perf_counter()
        batch = list(chunk)
        stored, _ = services.restore(team_id, pains=[p for p, _ in batch])
        for (_, file_id), pain in zip(batch, stored, strict=True):
            if file_id is not None:
                plan.pain_ids[file_id] = pain.id
        pains_written += len(stored)
        batch_done(len(stored), started)
    ideas_written = 0
    for batch in _idea_batches(plan.ideas, batch_rows):
        started = time.perf_counter()
        _, stored_ideas = services.restore(team_id, ideas=[_linked(item, plan) for item in batch])
        for (file_id, _, _), idea in zip(batch, stored_ideas, strict=True):
            plan.idea_ids[file_id] = idea.id
        ideas_written += len(stored_ideas)
        batch_done(len(stored_ideas), started)
    statuses = {plan.pain_ids[f]: s for f, s in plan.pain_statuses.items() if f in plan.pain_ids}
    if plan.ideas and statuses:
        services.restore(team_id, pain_statuses=statuses)
    return ImportReport(pains_written, ideas_written, plan.already, plan.skipped_idea_rows)


def _linked(item: tuple[int, _IdeaRow, RestoredIdea], plan: ImportPlan) -> RestoredIdea:
    _, row, restored = item
    merged_into = plan.idea_ids[row.merged_into] if row.merged_into is not None else None
    idea = restored.idea.model_copy(
        update={
            "pain_point_ids": [plan.pain_ids[p] for p in row.pain_point_ids],
            "merged_into": merged_into,
        }
    )
    return RestoredIdea(idea, restored.estimates, restored.supports, restored.history)


def _idea_batches(
    items: Sequence[tuple[int, _IdeaRow, RestoredIdea]], batch_rows: int
) -> Iterator[list[tuple[int, _IdeaRow, RestoredIdea]]]:
    # An idea travels with its estimates, +1s and history: never split across batches.
    # An idea merged into one of the same batch starts the next batch: it needs that
    # idea's id, known once the batch is stored.
    batch: list[tuple[int, _IdeaRow, RestoredIdea]] = []
    in_batch: set[int] = set()
    rows = 0
    for item in items:
        if batch and (rows >= batch_rows or item[1].merged_into in in_batch):
            yield batch
            batch, in_batch, rows = [], set(), 0
        r = item[2]
        batch.append(item)
        in_batch.add(item[0])
        rows += 1 + len(r.estimates) + len(r.supports) + len(r.history)
    if batch:
        yield batch


class _PainIndex:
    """The workspace's pain points by content, each matched by at most one imported row."""

    def __init__(self, pains: Iterable[PainPoint]) -> None:
        self._exact: dict[tuple[str, str, str], list[int]] = {}
        self._loose: dict[tuple[str, str], list[int]] = {}
        self._taken: set[int] = set()
        for pain in pains:
            assert pain.id is not None and pain.created_at is not None
            self._exact.setdefault((pain.reporter, pain.text, _iso(pain.created_at)), []).append(
                pain.id
            )
            self._loose.setdefault((pain.reporter, pain.text), []).append(pain.id)

    def take(self, pain: PainPoint) -> int | None:
        """Return the id of an unmatched stored pain point with this content, if any.

        A row with its time (an export) matches only the same moment; a row without one
        (a journey map) matches the same reporter and text logged at any time.
        """
        if pain.created_at is not None:
            ids = self._exact.get((pain.reporter, pain.text, _iso(pain.created_at)), [])
        else:
            ids = self._loose.get((pain.reporter, pain.text), [])
        for pain_id in ids:
            if pain_id not in self._taken:
                self._taken.add(pain_id)
                return pain_id
        return None


def _iso(moment: datetime) -> str:
    # The same instant written with another offset is the same row.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _idea_key(proposer: str, title: str, created_at: datetime | None) -> tuple[str, str, str]:
    return (proposer, title, _iso(created_at) if created_at else "")


def _file_id(value: object, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{where}: id", f"{value!r} is not a whole number") from None


def _as_text(row: dict[str, Any]) -> dict[str, object]:
    return {k: v for k, v in row.items() if k in (*PAIN_FIELDS, "team", "evidence")}


def _invalid(where: str, error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return InvalidInput(f"{where}.{path}" if path else where, message)
