"""Everyday use cases: edit, withdraw, close and archive; find pain points again and +1 them.

`Services.editing` exposes them. Each write runs in one unit of work of `Services`, keeps
a history row of what changed (who, when, old and new), and records the card and App Home
redraws in the outbox in the same transaction, like every other use case.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from prioritize.errors import InvalidInput, NotAllowed
from prioritize.models import Idea, IdeaStatus, PainPoint, PainStatus
from storage.edits import (
    COUNT_UP_TO,
    EditHistory,
    PainFilter,
    PainPage,
    find_pain_points,
    search_words,
)

if TYPE_CHECKING:
    from .services import Services

__all__ = [
    "COUNT_UP_TO",
    "IDEA_FIELDS",
    "MAX_SEARCH",
    "NOTION_PAIN_FIELDS",
    "PAIN_FIELDS",
    "PER_PAGE",
    "Edited",
    "Editing",
    "Found",
]

PAIN_FIELDS = (
    "text",
    "stage",
    "touchpoint",
    "persona",
    "severity",
    "source",
    "link",
    "owning_team",
)
"""What the reporter of a pain point (or an admin) may edit."""
NOTION_PAIN_FIELDS = ("stage", "touchpoint", "severity")
"""What a leader may triage on a pain point's Notion page, besides its status."""
IDEA_FIELDS = ("title", "description", "pain_point_ids")
"""What the proposer of an idea (or an admin) may edit."""
_REQUIRED = {"text", "stage", "severity", "title"}
PER_PAGE = 10
"""Pain points per page of `/pain list` and `/pain search` (each is a few blocks)."""
MAX_SEARCH = 200
"""Longest `/pain search` in characters: more than a few words is not a search."""
_MAX_WORDS = 8
_ADMIN_PAIN_STATUSES = (PainStatus.OPEN, PainStatus.CLOSED, PainStatus.ARCHIVED)
_FILTER = re.compile(r'(\w+):(?:"([^"]*)"|(\S*))')


@dataclass(frozen=True, slots=True)
class Edited:
    """The item as stored after an edit, and the fields that actually changed."""

    item: PainPoint | Idea
    changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Found:
    """One page of `/pain list` or `/pain search`."""

    query: str
    page: PainPage
    number: int
    """The page shown, from 0."""
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.page.total // self.per_page))


class Editing:
    """Edit, withdraw, close, archive, find and +1: the use cases of everyday upkeep."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.history = EditHistory(services.store)

    # ---------------------------------------------------------------- who may

    def editable_pain(self, team_id: str, user: str, pain_id: int) -> PainPoint:
        """Return the pain point `user` is about to edit; raises NotAllowed or NotFound."""
        pain = self.store.pains.get(team_id, pain_id)
        self._may_edit_pain(pain, user)
        return pain

    def editable_idea(self, team_id: str, user: str, idea_id: int) -> Idea:
        """Return the idea `user` is about to edit; raises NotAllowed or NotFound."""
        idea = self.store.ideas.get(team_id, idea_id)
        self._may_edit_idea(idea, user)
        return idea

    def idea_for_edit(self, team_id: str, user: str, idea_id: int) -> tuple[Idea, list[PainPoint]]:
        """Return the idea `user` is about to edit and its linked pain points (for the form)."""
        idea = self.editable_idea(team_id, user, idea_id)
        return idea, self.store.pains.all(team_id, ids=idea.pain_point_ids)

    def _may_edit_pain(self, pain: PainPoint, user: str) -> None:
        if user != pain.reporter and not self.services.is_admin(user, pain.team_id):
            raise NotAllowed(
                f"Only the person who logged pain point #{pain.id} or a journeybot or "
                "workspace admin can edit it. Nothing was changed."
            )

    def _may_edit_idea(self, idea: Idea, user: str) -> None:
        if user != idea.proposer and not self.services.is_admin(user, idea.team_id):
            raise NotAllowed(
                f"Only the person who proposed idea #{idea.id} or a journeybot or "
                "workspace admin can edit it. Nothing was changed."
            )

    # ---------------------------------------------------------------- edits

    def edit_pain(
        self, team_id: str, user: str, pain_id: int, *, once: str | None = None, **changes: Any
    ) -> Edited:
        """Change only the fields given; raises InvalidInput, NotAllowed or NotFound.

        A field given with its current value is not a change; an edit that changes
        nothing stores nothing. An emptied required field is refused, naming it.
        """
        _check_fields(changes, PAIN_FIELDS)
        return self._edit_pain(team_id, user, pain_id, changes, once=once, check=True)

    def edit_pain_in_notion(
        self,
        team_id: str,
        pain_id: int,
        *,
        by: str,
        status: PainStatus | None = None,
        **changes: Any,
    ) -> Edited:
        """Apply a leader's triage of a pain point's Notion page; raises InvalidInput, NotFound.

        Stage, touchpoint and severity go through the same checks, history and redraws as
        an edit in Slack; a status is one an admin could set (Open, Closed, Archived).
        Whoever may edit the roadmap's Notion pages triages, as for an idea's status, so
        there is no Slack permission to check; `by` is the Notion user's name.
        """
        _check_fields(changes, NOTION_PAIN_FIELDS)
        if status is not None and status not in _ADMIN_PAIN_STATUSES:
            names = ", ".join(s.value for s in _ADMIN_PAIN_STATUSES)
            raise InvalidInput(
                "status", f"{status.value!r} cannot be set in Notion; choose {names}"
            )
        edited = self._edit_pain(team_id, by, pain_id, changes, once=None, check=False)
        if status is None:
            return edited
        closed = self._set_pain_status(team_id, by, pain_id, status, source="notion")
        return Edited(closed.item, edited.changed + closed.changed)

    def _edit_pain(
        self,
        team_id: str,
        user: str,
        pain_id: int,
        changes: dict[str, Any],
        *,
        once: str | None,
        check: bool,
    ) -> Edited:
        s = self.services
        with s._unit(once) as unit:
            current = self.store.pains.get(team_id, pain_id)
            if unit.replayed or not changes:
                return Edited(current, ())
            if check:
                self._may_edit_pain(current, user)
            merged = {**current.model_dump(exclude={"id", "created_at", "status"}), **changes}
            wanted = s._pain(**merged)
            diff = _diff(current, wanted, changes)
            if not diff:
                return Edited(current, ())
            updated = self.store.pains.update(
                team_id, pain_id, **{name: getattr(wanted, name) for name in diff}
            )
            self.history.add(team_id, "pain", pain_id, by=user, now=s.clock(), changes=diff)
            s._cards_of_pains(team_id, [pain_id])
            self._homes(team_id, current.reporter, user)
        s._emit(_change(team_id, pain_ids=(pain_id,)))
        return Edited(updated, tuple(diff))

    def edit_idea(
        self, team_id: str, user: str, idea_id: int, *, once: str | None = None, **changes: Any
    ) -> Edited:
        """Change an idea's title, description or linked pain points; raises like edit_pain."""
        _check_fields(changes, IDEA_FIELDS)
        s = self.services
        with s._unit(once) as unit:
            current = self.store.ideas.get(team_id, idea_id)
            if unit.replayed:
                return Edited(current, ())
            self._may_edit_idea(current, user)
            if "pain_point_ids" in changes:
                changes["pain_point_ids"] = list(dict.fromkeys(changes["pain_point_ids"] or []))
            try:
                wanted = Idea.model_validate({**current.model_dump(), **changes})
            except ValidationError as e:
                from .services import invalid_input

                raise invalid_input(e) from None
            diff = _diff(current, wanted, changes)
            if not diff:
                return Edited(current, ())
            updated = self.store.ideas.update(
                team_id, idea_id, now=s.clock(), **{name: getattr(wanted, name) for name in diff}
            )
            self.history.add(team_id, "idea", idea_id, by=user, now=s.clock(), changes=diff)
            s._card(team_id, [idea_id])
            self._homes(team_id, current.proposer, user)
        s._emit(_change(team_id, idea_ids=(idea_id,)))
        return Edited(updated, tuple(diff))

    def withdraw_pain(self, team_id: str, user: str, pain_id: int) -> Edited:
        """Withdraw one's own pain point (kept, off the heat table); raises NotAllowed."""
        pain = self.store.pains.get(team_id, pain_id)
        if pain.reporter != user:
            raise NotAllowed(
                f"Only the person who logged pain point #{pain_id} can withdraw it; "
                "an admin can close or archive it. Nothing was changed."
            )
        return self._set_pain_status(team_id, user, pain_id, PainStatus.WITHDRAWN)

    def set_pain_status(
        self, team_id: str, user: str, pain_id: int, status: PainStatus | str
    ) -> Edited:
        """Close, reopen or archive any pain point; admins only (raises NotAllowed)."""
        if not self.services.is_admin(user, team_id):
            raise NotAllowed(
                "Only journeybot admins and workspace admins can close, reopen or archive a "
                "pain point; its reporter can withdraw it. Nothing was changed."
            )
        try:
            chosen = PainStatus(status)
        except ValueError:
            chosen = None
        if chosen not in _ADMIN_PAIN_STATUSES:
            names = ", ".join(s.value for s in _ADMIN_PAIN_STATUSES)
            raise InvalidInput("status", f"unknown status {status!r}; choose {names}")
        return self._set_pain_status(team_id, user, pain_id, chosen)

    def _set_pain_status(
        self, team_id: str, user: str, pain_id: int, status: PainStatus, *, source: str = "slack"
    ) -> Edited:
        s = self.services
        with s._unit():
            current = self.store.pains.get(team_id, pain_id)
            if current.status is status:
                return Edited(current, ())
            updated = self.store.pains.update(team_id, pain_id, status=status)
            self.history.add(
                team_id,
                "pain",
                pain_id,
                by=user,
                now=s.clock(),
                changes={"status": [current.status.value, status.value]},
            )
            s._cards_of_pains(team_id, [pain_id])
            self._homes(team_id, current.reporter, user)
            if status is PainStatus.CLOSED and current.reporter != user:
                from .services import Effects

                # Told in the same transaction as the change, like every Slack effect.
                s.outbox.add(
                    team_id,
                    Effects.PAIN_CLOSED,
                    {"pain_id": pain_id, "by": user, "source": source},
                    key=f"pain_closed:{team_id}:{pain_id}:{uuid.uuid4().hex}",
                    now=datetime.now(UTC),
                )
        s._emit(_change(team_id, pain_ids=(pain_id,)))
        return Edited(updated, ("status",))

    def archive_idea(self, team_id: str, user: str, idea_id: int) -> Idea:
        """Archive an idea: off the roadmap, never deleted; admins only."""
        s = self.services
        s._require_admin(user, team_id)
        s.change_status(team_id, idea_id, IdeaStatus.ARCHIVED, by=user)
        return self.store.ideas.get(team_id, idea_id)

    def history_of(self, team_id: str, kind: str, item_id: int) -> list[dict[str, Any]]:
        """Return the edits of a pain point ("pain") or an idea ("idea"), oldest first."""
        return self.history.of(team_id, kind, item_id)

    def _homes(self, team_id: str, owner: str, user: str) -> None:
        for person in dict.fromkeys((owner, user)):
            self.services.refresh_home(team_id, person)

    # ---------------------------------------------------------------- finding

    def find(self, team_id: str, user: str, query: str, *, search: bool, page: int = 0) -> Found:
        """Return one page of pain points for `/pain list` (search=False) or `/pain search`.

        `query` holds words and the filters `stage:`, `touchpoint:`, `team:` and `mine`.
        Raises InvalidInput for an unknown filter value, a search without words or an
        over-long one.
        """
        query = " ".join(query.split())
        if len(query) > MAX_SEARCH:
            raise InvalidInput(
                "search",
                f"a search is at most {MAX_SEARCH} characters, not {len(query):,}; "
                "try a few distinctive words",
            )
        wanted = self._filter(team_id, query, user)
        if search and not wanted.words:
            raise InvalidInput(
                "search",
                "give words to look for, like `/pain search invoice email` (symbols such as "
                "`*` are not words); `/pain list` shows everything",
            )
        number = max(0, page)
        found = find_pain_points(
            self.store, team_id, wanted, offset=number * PER_PAGE, limit=PER_PAGE
        )
        return Found(query, found, number, PER_PAGE)

    def _filter(self, team_id: str, query: str, user: str) -> PainFilter:
        j = self.services.journey_of(team_id)
        values: dict[str, Any] = {}
        for match in _FILTER.finditer(query):
            name, value = match.group(1).casefold(), match.group(2) or match.group(3) or ""
            if name == "stage":
                values["stage"] = j.stage(value)
            elif name == "touchpoint":
                values["touchpoint"] = j.touchpoint(value)
            elif name == "team":
                values["team"] = j.team(value)
            else:
                raise InvalidInput(
                    "search", f"unknown filter {name}:; use stage:, touchpoint:, team: or mine"
                )
        rest = _FILTER.sub(" ", query).split()
        if any(word.casefold() == "mine" for word in rest):
            values["reporter"] = user
            rest = [w for w in rest if w.casefold() != "mine"]
        words = search_words(" ".join(rest))[:_MAX_WORDS]
        return PainFilter(words=tuple(words), **values)

    def similar_ideas(self, team_id: str, text: str, *, limit: int = 3) -> list[Idea]:
        """Return live ideas that read like `text` (full-text search), to suggest, not block."""
        if not text.strip():
            return []
        return [
            idea
            for idea in self.store.ideas.search(team_id, text, limit=limit + 3)
            if idea.status.is_active
        ][:limit]

    def plus_one(
        self, team_id: str, user: str, pain_id: int, *, once: str | None = None
    ) -> tuple[bool, int]:
        """Count `user` as hitting this pain point too; return (added, people who hit it).

        Its reporter already counts, so their own +1 adds nothing.
        """
        pain = self.store.pains.get(team_id, pain_id)
        added = False
        if pain.reporter != user:
            added = self.services.me_too(team_id, user, pain_id, once=once)
        return added, self.services.pain_people(team_id, pain_id)


def _check_fields(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name, value in changes.items():
        if name not in allowed:
            raise InvalidInput(name, f"cannot be edited; choose from {', '.join(allowed)}")
        if name in _REQUIRED and (value is None or (isinstance(value, str) and not value.strip())):
            raise InvalidInput(name, "must not be empty; nothing was changed")


def _diff(
    current: PainPoint | Idea, wanted: PainPoint | Idea, changes: dict[str, Any]
) -> dict[str, list[Any]]:
    old = current.model_dump(mode="json", include=set(changes))
    new = wanted.model_dump(mode="json", include=set(changes))
    return {name: [old[name], new[name]] for name in changes if old[name] != new[name]}


def _change(team_id: str, **ids: tuple[int, ...]) -> Any:
    from .services import Change

    return Change(team_id, **ids)
