"""Use cases: what people do with journeybot, independent of Slack and Notion.

Listeners parse a request into plain values and call one of these. A use case validates
against the journey map and the rules of who may, runs in one transaction of its own, and
in that same transaction records what Slack must hear because of the change (the outbox:
card redraws, thread notices, DMs, App Home refreshes). Whichever process runs the bot
delivers them, so a change made by `journeybot sync` or `import` reaches Slack as surely
as one made in Slack. `once=` makes a use case idempotent: the same key (a view id, an
event id, a trigger id) changes nothing the second time and returns the first result.
Subscribers hear of each change after it is committed (the debounced Notion sync).
"""

from __future__ import annotations

import gc
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from prioritize.config import Criterion, JourneyConfig
from prioritize.errors import InvalidInput, NotAllowed, NotFound, NotSaved
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
from prioritize.parsing import parse_id
from prioritize.scoring import RoadmapEntry, RoadmapItem, Score, explain, roadmap, score
from storage.notion_state import NotionState
from storage.outbox import Outbox
from storage.slack_state import SlackState
from storage.store import Store

from .chart import chart_points
from .digest import Digest, build_digest

__all__ = [
    "AdminHome",
    "Change",
    "Effects",
    "Home",
    "InvalidInput",
    "LoggedPain",
    "NotAllowed",
    "NotFound",
    "NotSaved",
    "RoadmapEntry",
    "Services",
    "StatusChange",
    "Vote",
    "invalid_input",
]

log = logging.getLogger(__name__)


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
    replayed: bool = False
    """The same request was handled before (`once`): nothing changed this time."""


Subscriber = Callable[[Change | StatusChange], None]

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
"""Slack user ids; reporters like "import" (from a CSV) have no DM or App Home."""


class Effects:
    """The kinds of outbox effects, and what each payload holds (ids only, never Slack JSON)."""

    CARD = "card"
    """Redraw an idea's card: {"idea_id"}. Coalesced per card."""
    POST_CARD = "post_card"
    """Post a new idea's card: {"idea_id", "user", "channel"}."""
    STATUS_THREAD = "status_thread"
    """Say in the card's thread that its status changed: {"idea_id", "old", "new", "source"}."""
    STATUS_DM = "status_dm"
    """Tell one person about a status change: {"idea_id", "old", "new", "user", "why"}."""
    RECEIPT = "receipt"
    """Mark a vote written in a thread as counted (a reaction): {"channel", "ts"}."""
    HOME = "home"
    """Redraw a person's App Home: {"user"}. Coalesced per person."""
    DIGEST = "digest"
    """Post the weekly digest: {"text", "title", "points"}."""


@dataclass(frozen=True, slots=True)
class Home:
    """What a person's App Home shows."""

    team: str | None
    teams: tuple[str, ...]
    notify: bool
    pain_points: list[PainPoint]
    ideas: list[RoadmapEntry]
    waiting: list[RoadmapEntry]
    top: list[RoadmapEntry]
    admin: AdminHome | None = None
    """What only admins see: the roadmap channel and ideas whose card is not posted."""


@dataclass(frozen=True, slots=True)
class AdminHome:
    """The settings part of an admin's App Home."""

    roadmap_channel: str | None
    unposted: list[Idea]


HOME_DELAY = 0.1
"""Seconds to gather a person's clicks (team, DMs) into one redraw of their Home tab."""


@dataclass
class Services:
    """The use cases, bound to one store and one journey map."""

    store: Store
    journey: JourneyConfig = field(default_factory=JourneyConfig)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    admins: frozenset[str] = frozenset()
    card_delay: float = 2.0
    """Seconds a card waits for more changes before it is redrawn (one update per burst)."""
    workspace_admin: Callable[[str], bool] | None = None
    """Whether Slack says the person is a workspace admin or owner (set by the Slack app)."""
    default_channel: str | None = None
    """The roadmap channel of the config file, until an admin picks one on App Home."""
    _subscribers: list[Subscriber] = field(default_factory=list)
    _effect_listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.store)
        self.claims = SlackState(self.store)

    def on_effects(self, callback: Callable[[], None]) -> None:
        """Call `callback` after a transaction that recorded Slack effects commits."""
        self._effect_listeners.append(callback)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` after every change (errors in it are logged, never raised)."""
        self._subscribers.append(subscriber)

    def _emit(self, event: Change | StatusChange) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("a change subscriber failed; the change itself is stored")

    # ---------------------------------------------------------------- units of work

    @contextmanager
    def _unit(self, once: str | None = None) -> Iterator[_Unit]:
        """One transaction; with `once`, a key claimed in it (see `_Unit.replayed`)."""
        outermost = not self.store.db.conn.in_transaction
        before = self.outbox.added
        with self.store.transaction():
            unit = _Unit(self, once)
            if once is not None:
                first = self.claims.claim(once, now=self.clock())
                unit.replayed = not first
                if not first:
                    unit.previous = self.claims.result_of(once)
            yield unit
            if once is not None and not unit.replayed and unit.result is not None:
                self.claims.set_result(once, unit.result)
        if outermost and self.outbox.added != before:
            for callback in self._effect_listeners:
                try:
                    callback()
                except Exception:
                    log.exception("an outbox listener failed; the effects are stored")

    def _card(self, team_id: str, idea_ids: Iterable[int]) -> None:
        """Record a redraw of each idea's card (inside the caller's transaction)."""
        for idea_id in dict.fromkeys(idea_ids):
            self.outbox.add(
                team_id,
                Effects.CARD,
                {"idea_id": idea_id},
                key=f"card:{team_id}:{idea_id}:{uuid.uuid4().hex}",
                coalesce=f"card:{team_id}:{idea_id}",
                now=_wall(),
                delay=self.card_delay,
            )

    def _cards_of_pains(self, team_id: str, pain_ids: Iterable[int]) -> None:
        # A pain point's severity or status moves the score of the ideas linked to it.
        linked = self.store.ideas_for_pain_points(pain_ids)
        self._card(team_id, [i for ids in linked.values() for i in ids])

    def refresh_home(self, team_id: str, user: str) -> None:
        """Record a redraw of `user`'s App Home (one per burst of their clicks)."""
        if not _USER_ID.match(user):
            return
        self.outbox.add(
            team_id,
            Effects.HOME,
            {"user": user},
            key=f"home:{team_id}:{user}:{uuid.uuid4().hex}",
            coalesce=f"home:{team_id}:{user}",
            now=_wall(),
            delay=HOME_DELAY,
        )

    def forget_claims(self, *, before: datetime) -> int:
        """Drop do-once keys older than `before` (Slack stops redelivering within the hour)."""
        return self.claims.forget_claims(before=before)

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
                stored = self.store.pain_point(team_id, int(unit.previous or 0))
            else:
                stored = self.store.add_pain_point(pain, now=self.clock())
                unit.result = str(stored.id)
        similar = self.similar_pain_points(team_id, stored.text, exclude=stored.id)
        if not unit.replayed:
            self._emit(Change(team_id, pain_ids=(stored.id,)))
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
        with self._unit():
            stored = self.store.add_pain_points(pains, now=self.clock())
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
        # Read and write in one transaction: two pickers changed at once (stage, then
        # severity) must not write each other's stale copy back.
        with self._unit(once) as unit:
            current = self.store.pain_point(team_id, pain_id)
            if unit.replayed:
                return current
            if user != current.reporter and not (admin or self.is_admin(user)):
                raise NotAllowed("only the person who logged it or an admin can change it")
            merged = {**current.model_dump(exclude={"id", "created_at", "status"}), **changes}
            pain = self._pain(**merged)
            updated = self.store.update_pain_point(
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
                duplicate = self.store.pain_point(team_id, instead_of)
                if duplicate.reporter != user:
                    raise NotAllowed("only the person who logged it can withdraw it")
                if duplicate.status is PainStatus.OPEN:
                    self.store.update_pain_point(team_id, instead_of, status=PainStatus.CLOSED)
                    closed = True
            added = self.store.vote_pain_point(team_id, pain_id, user, now=self.clock())
            changed = (pain_id, instead_of) if closed and instead_of is not None else (pain_id,)
            if added or closed:
                self._cards_of_pains(team_id, changed)
        if added or closed:
            self._emit(Change(team_id, pain_ids=changed))
        return added

    def pain_point(self, team_id: str, pain_id: int) -> PainPoint:
        """Return one pain point; raises NotFound."""
        return self.store.pain_point(team_id, pain_id)

    def pain_people(self, team_id: str, pain_id: int) -> int:
        """Return how many people hit this pain point: its reporter and everyone who +1'd."""
        self.store.pain_point(team_id, pain_id)
        return self.store.pain_votes(pain_id) + 1

    def similar_pain_points(
        self, team_id: str, text: str, *, exclude: int | None = None, limit: int = 3
    ) -> list[PainPoint]:
        """Return open pain points that read like `text` (full-text search), best first."""
        if not text:
            return []
        return self.store.similar_pain_points(team_id, text, exclude=exclude, limit=limit)

    def search_pain_points(self, team_id: str, text: str, *, limit: int = 50) -> list[PainPoint]:
        """Return pain points matching `text` as typed so far (for pickers)."""
        return self.store.search_pain_points(team_id, text, limit=limit)

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
        channel: str | None = None,
        once: str | None = None,
    ) -> Idea:
        """Store a new idea (with the proposer's own estimate when given) and its card post.

        `channel` is where the person proposed it, to tell them where the card went.
        """
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
        with self._unit(once) as unit:
            if unit.replayed:
                return self.store.idea(team_id, int(unit.previous or 0))
            stored = self.store.add_idea(idea, now=self.clock())
            unit.result = str(stored.id)
            if estimate is not None:
                self.store.record_estimate(
                    estimate.model_copy(update={"idea_id": stored.id}), now=self.clock()
                )
            self.outbox.add(
                team_id,
                Effects.POST_CARD,
                {"idea_id": stored.id, "user": proposer, "channel": channel},
                key=f"post_card:{team_id}:{stored.id}",
                now=_wall(),
            )
            self.refresh_home(team_id, proposer)
        self._emit(Change(team_id, idea_ids=(stored.id,)))
        return stored

    def repost_card(self, team_id: str, idea_id: int, *, by: str, admin: bool = False) -> Idea:
        """Post an idea's card again (after it could not be posted); admins only.

        `admin=True` is the operator at the command line. The bot posts it.
        """
        if not admin:
            self._require_admin(by)
        with self._unit():
            idea = self.live(team_id, idea_id)
            self.outbox.add(
                team_id,
                Effects.POST_CARD,
                {"idea_id": idea.id, "user": by, "channel": None, "again": True},
                key=f"post_card:{team_id}:{idea.id}:{uuid.uuid4().hex}",
                now=_wall(),
            )
        return idea

    def card_posted(self, team_id: str, idea_id: int, *, channel: str, ts: str) -> None:
        """Remember where an idea's card was posted."""
        self.store.idea(team_id, idea_id)
        self.store.set_card(idea_id, channel=channel, ts=ts)

    def _estimate(
        self,
        team_id: str,
        idea_id: int,
        voter: str,
        impact: int | None,
        complexity: int | None,
        weeks: float | None,
    ) -> Estimate:
        team = self.team_of(team_id, voter)
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

    def idea(self, team_id: str, idea_id: int) -> Idea:
        """Return one idea as stored (merged ones too); raises NotFound."""
        return self.store.idea(team_id, idea_id)

    def idea_by_card(self, team_id: str, channel: str, ts: str) -> Idea | None:
        """Return the idea whose card is the message at (channel, ts), if any."""
        return self.store.idea_by_card(team_id, channel, ts)

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
        once: str | None = None,
        receipt: tuple[str, str] | None = None,
    ) -> Vote:
        """Store a person's estimate, replacing their earlier one; raises InvalidInput.

        `receipt` is the (channel, ts) of the message that holds the vote, to be marked
        as counted.
        """
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return Vote(idea, replayed=True)
            estimate = self._estimate(team_id, idea.id, voter, impact, complexity, weeks)
            stored, replaced = self.store.record_estimate(estimate, now=self.clock())
            self._card(team_id, [idea.id])
            self._receipt(team_id, receipt)
        self._emit(Change(team_id, idea_ids=(idea.id,)))
        return Vote(idea, estimate=stored, replaced=replaced)

    def support(
        self,
        team_id: str,
        idea_id: int,
        user: str,
        *,
        once: str | None = None,
        receipt: tuple[str, str] | None = None,
    ) -> Vote:
        """Record a +1; a second +1 by the same person changes nothing."""
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return Vote(idea, replayed=True)
            team = self.team_of(team_id, user)
            added = self.store.add_support(
                Support(team_id=team_id, idea_id=idea.id, user=user, team=team),
                now=self.clock(),
            )
            if added:
                self._card(team_id, [idea.id])
            self._receipt(team_id, receipt)
        if added:
            self._emit(Change(team_id, idea_ids=(idea.id,)))
        return Vote(idea, support_added=added)

    def _receipt(self, team_id: str, receipt: tuple[str, str] | None) -> None:
        if receipt is None:
            return
        channel, ts = receipt
        self.outbox.add(
            team_id,
            Effects.RECEIPT,
            {"channel": channel, "ts": ts},
            key=f"receipt:{team_id}:{channel}:{ts}",
            now=_wall(),
        )

    def retract_support(
        self, team_id: str, idea_id: int, user: str, *, once: str | None = None
    ) -> bool:
        """Take back a +1; False when there was none."""
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return False
            removed = self.store.remove_support(team_id, idea.id, user)
            if removed:
                self._card(team_id, [idea.id])
        if removed:
            self._emit(Change(team_id, idea_ids=(idea.id,)))
        return removed

    def estimate_of(self, team_id: str, idea_id: int, user: str) -> tuple[Idea, Estimate | None]:
        """Return the live idea and `user`'s current estimate of it (to prefill a form)."""
        idea = self.live(team_id, idea_id)
        return idea, next((e for e in self.store.estimates(idea.id) if e.voter == user), None)

    def why(self, team_id: str, idea_id: int) -> tuple[RoadmapEntry, list[Estimate]]:
        """Return the idea's roadmap entry and every estimate behind its score."""
        idea = self.live(team_id, idea_id)
        return self.entry(team_id, idea.id), self.store.estimates(idea.id)

    def idea_options(self, team_id: str, query: str, *, limit: int) -> list[Idea]:
        """Return ideas for a picker: `#12` or `12` finds that idea, words search titles."""
        query = query.strip()
        if (idea_id := parse_id(query)) is not None:
            return self.store.ideas(team_id, ids=[idea_id])
        if query:
            return self.store.search_ideas(team_id, query, limit=limit)
        return list(reversed(self.store.ideas(team_id)))[:limit]

    # ---------------------------------------------------------------- admin

    def is_admin(self, user: str) -> bool:
        """Whether `user` may take admin actions: named in the config, or a workspace admin."""
        if user in self.admins:
            return True
        return self.workspace_admin(user) if self.workspace_admin is not None else False

    def _require_admin(self, user: str) -> None:
        if not self.is_admin(user):
            raise NotAllowed(
                "only journeybot admins and workspace admins can change an idea's status, "
                "pin it to a bucket, merge it or repost its card"
            )

    def manageable(self, team_id: str, idea_id: int, user: str) -> Idea:
        """Return the idea `user` is about to manage; raises NotAllowed or NotFound.

        A merged idea is managed through the idea that absorbed it.
        """
        self._require_admin(user)
        idea = self.store.idea(team_id, idea_id)
        if idea.merged_into is not None:
            raise NotFound(f"#{idea.id} was merged into #{idea.merged_into}; manage that one.")
        return idea

    def manage(
        self,
        team_id: str,
        idea_id: int,
        user: str,
        *,
        status: IdeaStatus | str | None = None,
        bucket: Bucket | str | None = None,
        merge_into: int | None = None,
        once: str | None = None,
    ) -> Idea:
        """Apply an admin's changes to an idea in one transaction; raises NotAllowed.

        `bucket` "auto" (or None) unpins; a merge leaves the pin alone.
        """
        self._require_admin(user)
        with self._unit(once) as unit:
            idea = self.store.idea(team_id, idea_id)
            if unit.replayed:
                return idea
            if merge_into is not None:
                self.merge(team_id, idea_id, merge_into, by=user)
            if status is not None and _status(status) is not idea.status:
                self.change_status(team_id, idea_id, status, by=user)
            pinned = _bucket(None if bucket == "auto" else bucket)
            if pinned != idea.pinned_bucket and merge_into is None:
                self.pin_bucket(team_id, idea_id, pinned, by=user)
            return self.store.idea(team_id, idea_id)

    def change_status(
        self,
        team_id: str,
        idea_id: int,
        status: IdeaStatus | str,
        *,
        by: str,
        source: str = "slack",
    ) -> StatusChange | None:
        """Set an idea's status; return the change, or None when it already had it.

        The card's thread and the people who care hear of it through the outbox.
        """
        status = _status(status)
        with self._unit():
            old = self.store.set_status(
                team_id, idea_id, status, by=by, source=source, now=self.clock()
            )
            if old is None:
                return None
            change = StatusChange(team_id, idea_id, old, status, by, source)
            self._announce(change)
        self._emit(change)
        return change

    def _announce(self, change: StatusChange) -> None:
        """Record the card redraw, thread notice and DMs of a status change (in its unit)."""
        team_id, idea_id = change.team_id, change.idea_id
        idea = self.store.idea(team_id, idea_id)
        history = self.store.status_changes(idea_id)
        # The history row identifies this change: its notices are keyed by it.
        ref = history[-1]["id"] if history else uuid.uuid4().hex
        facts = {"idea_id": idea_id, "old": change.old.value, "new": change.new.value}
        self._card(team_id, [idea_id, *self._linked_ideas_moved(idea)])
        self.outbox.add(
            team_id,
            Effects.STATUS_THREAD,
            {**facts, "source": change.source},
            key=f"status:{team_id}:{idea_id}:{ref}",
            now=_wall(),
        )
        for user, why in self.status_recipients(change, idea).items():
            self.outbox.add(
                team_id,
                Effects.STATUS_DM,
                {**facts, "user": user, "why": why},
                key=f"status_dm:{team_id}:{idea_id}:{ref}:{user}",
                now=_wall(),
            )

    def _linked_ideas_moved(self, idea: Idea) -> list[int]:
        # Done or reopened: linked pain points change status, which moves their other ideas.
        linked = self.store.ideas_for_pain_points(idea.pain_point_ids)
        return [i for ids in linked.values() for i in ids if i != idea.id]

    def status_recipients(self, change: StatusChange, idea: Idea) -> dict[str, str]:
        """Return who hears about a status change and why: reporters and supporters, minus
        the person who made it and the people who turned DMs off."""
        people: dict[str, str] = {}
        for pain in self.store.pain_points(change.team_id, ids=idea.pain_point_ids):
            people.setdefault(pain.reporter, Why.REPORTED)
        for user in self.store.supporters(idea.id):
            people[user] = Why.SUPPORTED
        return {
            user: why
            for user, why in people.items()
            if user != change.by
            and _USER_ID.match(user)
            and self.store.wants_dms(change.team_id, user)
        }

    def pin_bucket(
        self, team_id: str, idea_id: int, bucket: Bucket | str | None, *, by: str
    ) -> Idea:
        """Pin an idea to a bucket (None unpins) so ranking no longer moves it."""
        pinned = _bucket(bucket)
        with self._unit():
            idea = self.store.update_idea(team_id, idea_id, now=self.clock(), pinned_bucket=pinned)
            self._card(team_id, [idea_id])
        self._emit(Change(team_id, idea_ids=(idea_id,)))
        return idea

    def merge(self, team_id: str, duplicate_id: int, into_id: int, *, by: str) -> Idea:
        """Merge a duplicate idea into another; votes and links move. Returns the survivor."""
        with self._unit():
            survivor = self.store.merge_ideas(team_id, duplicate_id, into_id, now=self.clock())
            self._card(team_id, [duplicate_id, into_id])
        self._emit(Change(team_id, idea_ids=(duplicate_id, into_id)))
        return survivor

    # ---------------------------------------------------------------- people

    def team_of(self, team_id: str, user: str) -> str | None:
        """Return a person's team: the config's `[journey.members]`, else the one stored."""
        return self.journey.members.get(user) or self.store.team_of(team_id, user)

    def set_team(self, team_id: str, user: str, team: str, *, by: str | None = None) -> str:
        """Remember `user`'s team (`by` an admin, or themselves while none is set).

        A team decides whose estimates count under `[journey.raters]`, so once set it is
        changed only by an admin, and a team from `[journey.members]` not at all here.
        Returns the configured spelling; raises InvalidInput or NotAllowed.
        """
        name = self.journey.team(team)
        by = by or user
        if user in self.journey.members:
            raise NotAllowed(
                f"your team is {self.journey.members[user]}, set in the config file"
                f" ([journey.members]); {self.admins_to_ask()} can change it there"
            )
        # Asked before the transaction: whether one is a workspace admin may ask Slack.
        current = self.store.team_of(team_id, user)
        if by != user and not self.is_admin(by):
            raise NotAllowed("only an admin can set someone else's team")
        if current is not None and current != name and not self.is_admin(by):
            raise NotAllowed(
                f"you are in {current}; once set, a team is changed only by an admin"
                f" (ask {self.admins_to_ask()} to set it under [journey.members])"
            )
        with self._unit():
            self.store.set_team(team_id, user, name)
            self.refresh_home(team_id, user)
        return name

    def admins_to_ask(self) -> str:
        """Return whom to ask for an admin change, as Slack mentions."""
        return ", ".join(f"<@{a}>" for a in sorted(self.admins)[:3]) or "a workspace admin"

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        """Turn a person's status-update DMs on or off."""
        with self._unit():
            self.store.set_notify(team_id, user, notify)
            self.refresh_home(team_id, user)

    def home(self, team_id: str, user: str) -> Home:
        """Return what `user`'s App Home shows."""
        entries = self.roadmap(team_id)
        active = [e for e in entries if e.idea.status.is_active]
        estimated = self.store.estimated_by(team_id, user)
        return Home(
            team=self.team_of(team_id, user),
            teams=tuple(self.journey.teams),
            notify=self.store.wants_dms(team_id, user),
            pain_points=list(reversed(self.store.pain_points(team_id, reporter=user))),
            ideas=[e for e in reversed(entries) if e.idea.proposer == user],
            waiting=[e for e in active if e.idea.id not in estimated],
            top=active[:5],
            admin=AdminHome(
                roadmap_channel=self.roadmap_channel(team_id),
                unposted=[
                    e.idea for e in active if not e.idea.card_ts and e.idea.merged_into is None
                ],
            )
            if self.is_admin(user)
            else None,
        )

    # ---------------------------------------------------------------- settings

    def roadmap_channel(self, team_id: str) -> str | None:
        """Return where idea cards go: the channel an admin picked, else the config's."""
        return self.store.get_meta(f"{ROADMAP_CHANNEL}:{team_id}") or self.default_channel

    def set_roadmap_channel(self, team_id: str, channel: str, *, by: str) -> str:
        """Make `channel` the roadmap channel (admins only); return it."""
        self._require_admin(by)
        if not _CHANNEL_ID.match(channel or ""):
            raise InvalidInput("channel", f"{channel!r} is not a Slack channel id")
        with self._unit():
            self.store.set_meta(f"{ROADMAP_CHANNEL}:{team_id}", channel)
            self.refresh_home(team_id, by)
        return channel

    def no_channel_message(self) -> str:
        """Return what a person is told while no roadmap channel is set."""
        admins = self.admins_to_ask()
        return (
            "journeybot has no roadmap channel yet, so ideas have nowhere to go. Ask "
            f"{admins} to pick one on journeybot's App Home (Settings: *Roadmap channel*), "
            "or to set `roadmap_channel` under `[slack]` in the config file."
        )

    # ---------------------------------------------------------------- reading

    def notion_url(self) -> str | None:
        """Return the Notion roadmap's URL, once a sync has created it."""
        return self.store.get_meta(NOTION_ROADMAP_URL)

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
        with self._unit():
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

    # ---------------------------------------------------------------- the weekly digest

    def weekly_digest(self, team_id: str, *, now: datetime) -> Digest:
        """Write this week's digest and record its post (with the chart) in the outbox.

        The ranks as posted are remembered in the same transaction: next week's movers are
        measured against them.
        """
        snapshots = NotionState(self.store)
        taken_at, previous = snapshots.snapshot_before(team_id, now)
        since = taken_at or now - timedelta(days=7)
        entries = self.roadmap(team_id)
        new_pains = [
            p
            for p in self.store.pain_points(team_id)
            if p.created_at is not None and p.created_at > since
        ]
        digest = build_digest(
            entries,
            new_pains,
            self.heat(team_id),
            previous if taken_at else None,
            now=now,
            min_estimates=self.journey.scoring.min_estimates,
            roadmap_url=self.notion_url(),
        )
        active = [e for e in entries if e.idea.status.is_active]
        with self._unit():
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


class _Unit:
    """What a use case learns from its unit of work: whether `once` was claimed before."""

    __slots__ = ("previous", "replayed", "result", "services")

    def __init__(self, services: Services, once: str | None) -> None:
        self.services = services
        self.replayed = False
        self.previous: str | None = None
        """What the first call recorded as its result (an id), on a replay."""
        self.result: str | None = None
        """What this call records as its result, for a later replay to return."""


class Why:
    """Why a person hears about an idea's status change."""

    REPORTED = "reported"
    SUPPORTED = "supported"


ROADMAP_CHANNEL = "slack.roadmap_channel"
"""The meta key (with `:team_id`) of the roadmap channel an admin picked on App Home."""

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

NOTION_ROADMAP_URL = "notion.roadmap_url"
"""The meta key under which the Notion sync stores the roadmap page's URL."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _wall() -> datetime:
    # Outbox timing is about delivering, not about the business clock (which tests freeze).
    return datetime.now(UTC)


def _status(value: IdeaStatus | str) -> IdeaStatus:
    try:
        return IdeaStatus(value)
    except ValueError:
        choices = ", ".join(s.value for s in IdeaStatus)
        raise InvalidInput("status", f"unknown status {value!r}; choose {choices}") from None


def _bucket(value: Bucket | str | None) -> Bucket | None:
    try:
        return Bucket(value) if value else None
    except ValueError:
        raise InvalidInput(
            "bucket", f"unknown bucket {value!r}; choose Now, Next or Later"
        ) from None


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
