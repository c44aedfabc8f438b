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
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

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
from prioritize.outcomes import Outcome, SurveyAnswer
from prioritize.parsing import parse_id
from prioritize.questions import JourneyAnswers, answer, outcomes
from prioritize.scoring import (
    RoadmapEntry,
    RoadmapItem,
    Score,
    explain,
    roadmap,
    score,
    scorer,
)
from storage.journey_facts import journey_facts
from storage.notion_state import NotionState
from storage.outbox import Outbox
from storage.slack_state import SlackState
from storage.store import Store
from storage.surveys import Surveys

from .chart import chart_points
from .digest import Digest, answer_changes, answers_snapshot, build_digest

if TYPE_CHECKING:
    from .editing import Editing
    from .workspace_settings import Workspace, WorkspaceDefaults, WorkspaceSettingsCases

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
    "Questions",
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
    SURVEY = "survey"
    """Ask one person "Is this better now?" about a Done idea: {"idea_id", "user"}."""
    BUCKET_THREAD = "bucket_thread"
    """Say in the card's thread that a leader moved it: {"idea_id", "old", "by"}; the new
    bucket is the roadmap's when it is sent (nothing is said if it is still "old")."""
    BUCKETS = "buckets"
    """Redraw the cards whose bucket the roadmap has changed: {}. Coalesced per workspace."""
    STATUS_DAY_END = "status_day_end"
    """The day's last status of an idea, to one person whose daily DMs about it are spent:
    {"idea_id", "user", "why", "day"}. Due at the end of that day; coalesced per person,
    idea and day, and read from the database when sent, so it says the latest status."""


@dataclass(frozen=True, slots=True)
class Questions:
    """The answers to the five journey questions, and the titles of the ideas they name."""

    answers: JourneyAnswers
    titles: dict[int, str]
    """Idea id -> title of every live idea (Done ones are named by their outcomes)."""


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
    questions: Questions | None = None


@dataclass(frozen=True, slots=True)
class AdminHome:
    """The settings part of an admin's App Home."""

    roadmap_channel: str | None
    unposted: list[Idea]
    workspace: Workspace | None = None
    """The settings the workspace runs with (its own, else the config file's)."""


SURVEY_WINDOW_DAYS = 28
"""Days past the due day in which an idea's survey may still go out (a bot down a while)."""

HOME_SHOWN = 10
"""Ideas waiting for a person's estimate that App Home lists."""

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
    home_questions_ttl: float = 60.0
    workspace_defaults: WorkspaceDefaults | None = None
    """What a workspace's own settings start from: the digest, Notion and the secret key."""
    """Seconds App Home may show the same journey answers before reading them again."""
    _subscribers: list[Subscriber] = field(default_factory=list)
    _effect_listeners: list[Callable[[], None]] = field(default_factory=list)
    _home_questions: dict[str, tuple[float, Questions]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._events = threading.local()
        self.outbox = Outbox(self.store)
        self.claims = SlackState(self.store)
        self.surveys = Surveys(self.store)
        # What was derived with another scoring config (scores, disagreement) is rebuilt
        # now, so a changed config shows on every surface after a restart.
        if self.store.readonly:
            return
        try:
            self.store.use_scoring(self.journey.scoring)
            self._redraw_cards_drawn_with_another_config()
        except NotSaved as e:
            # Another process holds the database (it may be rebuilding the same thing):
            # every read and write of the ranking checks again, so starting is safe.
            log.info("could not bring the ranking up to date at start (%s)", e)

    def _redraw_cards_drawn_with_another_config(self) -> None:
        # Cards show scores, buckets and disagreement: after a config change every card
        # is redrawn once, through the outbox, by whichever process runs the bot.
        if self.store.cards_drawn_with(self.journey.scoring):
            return  # the usual start: nothing to write, no write lock taken
        with self._unit():
            for team_id, ids in self.store.cards_to_redraw(self.journey.scoring).items():
                self._card(team_id, ids)

    def on_effects(self, callback: Callable[[], None]) -> None:
        """Call `callback` after a transaction that recorded Slack effects commits."""
        self._effect_listeners.append(callback)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` after every change (errors in it are logged, never raised)."""
        self._subscribers.append(subscriber)

    def _emit(self, event: Change | StatusChange) -> None:
        if self.store.db.conn.in_transaction:
            # Inside an enclosing unit: heard once it commits, never if it rolls back.
            self._held().append(event)
            return
        self._tell(event)

    def _held(self) -> list[Change | StatusChange]:
        held = getattr(self._events, "held", None)
        if held is None:
            held = self._events.held = []
        return held

    def _tell(self, event: Change | StatusChange) -> None:
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
        try:
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
        except BaseException:
            if outermost:
                self._held().clear()
            raise
        if not outermost:
            return
        held, self._events.held = self._held(), []
        for event in held:
            self._tell(event)
        if self.outbox.added != before:
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
        """Drop do-once keys, and delivered outbox effects, older than `before`.

        Slack stops redelivering within the hour; the outbox keeps what it delivered for
        `journeybot doctor` to report until then.
        """
        self.outbox.forget(before=before)
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
        # Who may is decided before the transaction: asking Slack whether someone is a
        # workspace admin must not hold the write lock.
        reporter = self.store.pain_point(team_id, pain_id).reporter
        allowed = user == reporter or admin or self.is_admin(user, team_id)
        # Read and write in one transaction: two pickers changed at once (stage, then
        # severity) must not write each other's stale copy back.
        with self._unit(once) as unit:
            current = self.store.pain_point(team_id, pain_id)
            if unit.replayed:
                return current
            if not allowed or current.reporter != reporter:
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
                owning_team=self.journey_of(team_id).team(owning_team, field="owning_team")
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
            self._require_admin(by, team_id)
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
            if value is not None and not self.journey_of(team_id).may_rate(team, criterion):
                who = self.journey_of(team_id).who_may_rate(criterion)
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
            self._check_buckets(team_id)
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
                self._check_buckets(team_id)
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
                self._check_buckets(team_id)
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

    def is_admin(self, user: str, team_id: str | None = None) -> bool:
        """Whether `user` may take admin actions: named in the config (or in the
        workspace's own list of admins, given `team_id`), or a workspace admin."""
        if team_id is not None:
            return self.workspace.is_admin(team_id, user)
        if user in self.admins:
            return True
        return self.workspace_admin(user) if self.workspace_admin is not None else False

    def journey_of(self, team_id: str) -> JourneyConfig:
        """Return the journey map and scoring the workspace runs with (its own settings
        over the config file's)."""
        return self.workspace.of(team_id).journey

    def _require_admin(self, user: str, team_id: str | None = None) -> None:
        if not self.is_admin(user, team_id):
            raise NotAllowed(
                "only journeybot admins and workspace admins can change an idea's status, "
                "pin it to a bucket, merge it or repost its card"
            )

    def manageable(self, team_id: str, idea_id: int, user: str) -> Idea:
        """Return the idea `user` is about to manage; raises NotAllowed or NotFound.

        A merged idea is managed through the idea that absorbed it.
        """
        self._require_admin(user, team_id)
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
        self._require_admin(user, team_id)
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
            self._check_buckets(team_id)
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
        """Return who hears about a status change and why: its proposer, the people who
        estimated it, reporters and supporters, minus the person who made it and the people
        who turned DMs off. Each hears once, for the closest reason."""
        people: dict[str, str] = {}
        for pain in self.store.pain_points(change.team_id, ids=idea.pain_point_ids):
            people.setdefault(pain.reporter, Why.REPORTED)
        for user in self.store.supporters(idea.id):
            people[user] = Why.SUPPORTED
        for estimate in self.store.estimates(idea.id):
            people[estimate.voter] = Why.ESTIMATED
        people[idea.proposer] = Why.PROPOSED
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
        # The bucket before is read first; the thread notice compares it with the bucket
        # when it is sent, and says nothing if the pin moved nothing.
        old = self._buckets(team_id).get(idea_id)
        with self._unit():
            idea = self.store.update_idea(team_id, idea_id, now=self.clock(), pinned_bucket=pinned)
            self._card(team_id, [idea_id])
            self._check_buckets(team_id)
            self.outbox.add(
                team_id,
                Effects.BUCKET_THREAD,
                {"idea_id": idea_id, "old": old.value if old else None, "by": by},
                key=f"bucket:{team_id}:{idea_id}:{uuid.uuid4().hex}",
                now=_wall(),
            )
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
        return self.journey_of(team_id).members.get(user) or self.store.team_of(team_id, user)

    def set_team(self, team_id: str, user: str, team: str, *, by: str | None = None) -> str:
        """Remember `user`'s team (`by` an admin, or themselves while none is set).

        A team decides whose estimates count under `[journey.raters]`, so once set it is
        changed only by an admin, and a team from `[journey.members]` not at all here.
        Returns the configured spelling; raises InvalidInput or NotAllowed.
        """
        name = self.journey_of(team_id).team(team)
        by = by or user
        if user in self.journey_of(team_id).members:
            raise NotAllowed(
                f"your team is {self.journey_of(team_id).members[user]}, set in the config file"
                f" ([journey.members]); {self.admins_to_ask(team_id)} can change it there"
            )
        # Asked before the transaction: whether one is a workspace admin may ask Slack.
        current = self.store.team_of(team_id, user)
        if by != user and not self.is_admin(by, team_id):
            raise NotAllowed("only an admin can set someone else's team")
        if current is not None and current != name and not self.is_admin(by, team_id):
            raise NotAllowed(
                f"you are in {current}; once set, a team is changed only by an admin"
                f" (ask {self.admins_to_ask(team_id)} to set it under [journey.members])"
            )
        with self._unit():
            self.store.set_team(team_id, user, name)
            self.refresh_home(team_id, user)
        return name

    def admins_to_ask(self, team_id: str | None = None) -> str:
        """Return whom to ask for an admin change (in the workspace), as Slack mentions."""
        admins = self.admins if team_id is None else self.workspace.of(team_id).admins
        return ", ".join(f"<@{a}>" for a in sorted(admins)[:3]) or "a workspace admin"

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        """Turn a person's status-update DMs on or off."""
        with self._unit():
            self.store.set_notify(team_id, user, notify)
            self.refresh_home(team_id, user)

    def home(self, team_id: str, user: str, *, shown: int = HOME_SHOWN) -> Home:
        """Return what `user`'s App Home shows: at most `shown` ideas waiting for their
        estimate (best ranked first), the top 5, and at most `shown` of their own ideas
        (lowest ranked first).

        Read from the ranking index: the same cost in a workspace of any size.
        """
        own = self.store.own_ids(team_id, user, shown)
        waiting = self.store.waiting_ids(team_id, user, shown)
        top = self.store.top_ids(team_id, 5)
        entries = self._entries(team_id, [*waiting, *top, *own])
        return Home(
            team=self.team_of(team_id, user),
            teams=tuple(self.journey_of(team_id).teams),
            notify=self.store.wants_dms(team_id, user),
            pain_points=list(reversed(self.store.pain_points(team_id, reporter=user))),
            ideas=[entries[i] for i in own if i in entries],
            waiting=[entries[i] for i in waiting if i in entries],
            top=[entries[i] for i in top if i in entries],
            admin=AdminHome(
                workspace=self.workspace.of(team_id),
                roadmap_channel=self.roadmap_channel(team_id),
                unposted=self.store.ideas(
                    team_id, ids=self.store.unposted_ids(team_id, limit=shown)
                ),
            )
            if self.is_admin(user, team_id)
            else None,
            questions=self._questions_for_home(team_id),
        )

    def _questions_for_home(self, team_id: str) -> Questions:
        # Every click on App Home redraws it; the answers read the whole workspace (about
        # two seconds for 100,000 pain points), so the summary may be a minute old.
        now = time.monotonic()
        cached = self._home_questions.get(team_id)
        if cached is not None and now - cached[0] < self.home_questions_ttl:
            return cached[1]
        questions = self.questions(team_id)
        self._home_questions[team_id] = (now, questions)
        return questions

    # ---------------------------------------------------------------- settings

    def roadmap_channel(self, team_id: str) -> str | None:
        """Return where idea cards go: the channel an admin picked, else the config's."""
        return self.store.get_meta(f"{ROADMAP_CHANNEL}:{team_id}") or self.default_channel

    def set_roadmap_channel(self, team_id: str, channel: str, *, by: str) -> str:
        """Make `channel` the roadmap channel (admins only); return it."""
        self._require_admin(by, team_id)
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

    def notion_url(self, team_id: str) -> str | None:
        """Return the workspace's Notion roadmap URL, once a sync has created it."""
        return self.store.get_meta(f"{NOTION_ROADMAP_URL}:{team_id}")

    def ranking(self, team_id: str) -> list[RoadmapItem]:
        """Return every idea scored, ranked and bucketed, without loading the ideas themselves.

        Done and Won't do ideas are ranked too, with no bucket.
        """
        with _gc_paused():
            return roadmap(self.store.facts(team_id), self.journey_of(team_id).scoring)

    def roadmap(self, team_id: str) -> list[RoadmapEntry]:
        """Return every idea, ranked and bucketed, with the breakdown of its score.

        Done and Won't do ideas are included with no bucket (`item.bucket is None`).
        """
        scoring = self.journey_of(team_id).scoring
        with _gc_paused():
            ideas, facts = self.store.ideas_and_facts(team_id)
            return [
                RoadmapEntry(ideas[item.score.idea_id], item, scoring=scoring)
                for item in roadmap(facts, scoring)
            ]

    def top(self, team_id: str, n: int) -> list[RoadmapEntry]:
        """Return the `n` best ranked ideas still on the roadmap, with rank and bucket.

        Read from the ranking index: the same cost at 100 ideas or 100,000.
        """
        ids = self.store.top_ids(team_id, n)
        entries = self._entries(team_id, ids)
        return [entries[i] for i in ids if i in entries]

    def on_roadmap(self, team_id: str) -> int:
        """Return how many ideas are on the roadmap (not merged, Done or Won't do)."""
        return self.store.active_count(team_id)

    def _entries(self, team_id: str, ids: Iterable[int]) -> dict[int, RoadmapEntry]:
        """Return the roadmap entries of `ids`, each with its rank and bucket."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        scoring = self.journey_of(team_id).scoring
        known = self.store.ideas_by_id(team_id, wanted)
        standing = self.store.ranked(team_id, wanted, capacity=scoring.capacity)
        score_one = scorer(scoring)
        out = {}
        for facts in self.store.facts(team_id, ids=wanted):
            i = facts.idea_id
            if i in standing and i in known:
                rank, bucket = standing[i]
                item = RoadmapItem(rank, score_one(facts), bucket)
                out[i] = RoadmapEntry(known[i], item, scoring=scoring)
        return out

    def score_of(self, team_id: str, idea_id: int) -> tuple[Score, str]:
        """Return one idea's score and its breakdown, without ranking the others."""
        facts = self.store.facts(team_id, idea_id=idea_id)
        if not facts:
            raise NotFound(f"idea #{idea_id} does not exist")
        s = score(facts[0], self.journey_of(team_id).scoring)
        return s, explain(s, self.journey_of(team_id).scoring)

    def entry(self, team_id: str, idea_id: int) -> RoadmapEntry:
        """Return one idea's roadmap entry: its score, rank and bucket; raises NotFound.

        Rank and bucket come from the ranking index (a few indexed reads), not from
        ranking the whole workspace.
        """
        scoring = self.journey_of(team_id).scoring
        facts = self.store.facts(team_id, idea_id=idea_id)
        standing = self.store.standing(team_id, idea_id, capacity=scoring.capacity)
        if not facts or standing is None:
            raise NotFound(f"idea #{idea_id} is not on the roadmap")
        rank, bucket = standing
        idea = self.store.idea(team_id, idea_id)
        item = RoadmapItem(rank, score(facts[0], scoring), bucket)
        return RoadmapEntry(idea, item, scoring=scoring)

    def weakest_stage(self, team_id: str) -> str | None:
        """Return the journey stage with the most severe pain that no idea addresses yet.

        The weakest stage of `heat`, read with one look-up per open pain point instead of
        every link, for `/roadmap`.
        """
        return heat(
            self.journey_of(team_id).stages,
            self.store.pain_facts(team_id),
            self.store.addressing(team_id),
        ).weakest

    def heat(self, team_id: str) -> Heat:
        """Return the journey heat table of the workspace."""
        return heat(
            self.journey_of(team_id).stages,
            self.store.pain_facts(team_id),
            self.store.active_links(team_id),
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

    # ---------------------------------------------------------------- the journey questions

    def questions(self, team_id: str, *, now: datetime | None = None) -> Questions:
        """Return the answers to the five journey questions, outcomes of Done ideas included.

        Survey answers ("Is this better now?") feed the outcomes.
        """
        with _gc_paused():
            facts = journey_facts(self.store.db, team_id, facts=self.store.facts(team_id))
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
        if self.store.idea(team_id, idea_id).status is not IdeaStatus.DONE:
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

    def wants_dms(self, team_id: str, user: str) -> bool:
        """Whether `user` still wants DMs from journeybot (`/journey notify off` says no)."""
        return self.store.wants_dms(team_id, user)

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
        oldest = now - after - timedelta(days=SURVEY_WINDOW_DAYS)
        asked = 0
        with self._unit():
            for idea in journey_facts(self.store.db, team_id).ideas:
                if idea.status is not IdeaStatus.DONE or not (oldest <= idea.since <= now - after):
                    continue
                for user in self.surveys.people(team_id, idea.pain_ids):
                    if not (_USER_ID.match(user) and self.store.wants_dms(team_id, user)):
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
        oldest = now - weeks - timedelta(days=SURVEY_WINDOW_DAYS)
        recorded = 0
        with self._unit():
            for idea in journey_facts(self.store.db, team_id).ideas:
                if idea.status is not IdeaStatus.DONE or not (oldest <= idea.since <= now - weeks):
                    continue
                recorded += self.outbox.add(
                    team_id,
                    Effects.CARD,
                    {"idea_id": idea.id},
                    key=f"outcome_card:{team_id}:{idea.id}:{_iso(idea.since)}",
                    coalesce=f"card:{team_id}:{idea.id}",
                    now=_wall(),
                )
        return recorded

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
            self.store.idea(team_id, idea_id)
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
        questions = self.questions(team_id, now=now)
        current = answers_snapshot(questions.answers)
        changes = answer_changes(
            self.surveys.snapshot_before(team_id, now), questions.answers, titles=questions.titles
        )
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

    # ---------------------------------------------------------------- everyday upkeep

    @cached_property
    def editing(self) -> Editing:
        """Edit, withdraw, close, archive, find and +1 (see `bot/editing.py`)."""
        from .editing import Editing

        return Editing(self)

    @cached_property
    def workspace(self) -> WorkspaceSettingsCases:
        """Each workspace's own settings (see `bot/workspace_settings.py`)."""
        from .workspace_settings import WorkspaceSettingsCases

        return WorkspaceSettingsCases(self, self.workspace_defaults)

    def _buckets(self, team_id: str) -> dict[int, Bucket | None]:
        """Return the bucket the roadmap gives each idea now (inside the caller's unit)."""
        return {item.score.idea_id: item.bucket for item in self.ranking(team_id)}

    def _check_buckets(self, team_id: str) -> None:
        """Record one check, per burst of changes, for cards whose bucket has moved.

        A vote on one idea can move others between Now, Next and Later. Ranking every
        idea on each vote would make a vote slow; the check runs once per burst, after
        it (see `redraw_moved_cards`).
        """
        self.outbox.add(
            team_id,
            Effects.BUCKETS,
            {},
            key=f"buckets:{team_id}:{uuid.uuid4().hex}",
            coalesce=f"buckets:{team_id}",
            now=_wall(),
            delay=self.card_delay,
        )

    def redraw_moved_cards(self, team_id: str) -> list[int]:
        """Record a redraw of every card that shows another bucket than the roadmap gives.

        Returns the ideas whose cards are redrawn (only those: the others are right).
        """
        from storage.edits import CardBuckets

        # Ranked outside the transaction, so votes are not held up meanwhile; a vote that
        # lands in between records another check of its own.
        drawn = CardBuckets(self.store).drawn(team_id)
        now = self._buckets(team_id)
        movers = [
            i
            for i, shown in drawn.items()
            if i in now and shown != (now[i].value if now[i] else "")
        ]
        if movers:
            with self._unit():
                self._card(team_id, movers)
        return movers

    def card_drawn(self, team_id: str, idea_id: int, bucket: Bucket | None) -> None:
        """Remember the bucket the idea's card now shows."""
        from storage.edits import CardBuckets

        CardBuckets(self.store).set(team_id, idea_id, bucket.value if bucket else "")

    def defer_status_dm(self, team_id: str, idea_id: int, user: str, why: str) -> bool:
        """Record one end-of-day DM about the idea to `user`, whose DMs about it are spent.

        Later changes the same day are absorbed by it (it reads the idea when sent); False
        when one is already waiting.
        """
        wall = _wall()
        day_end = datetime.combine(wall.date() + timedelta(days=1), datetime.min.time(), UTC)
        day = wall.date().isoformat()
        key = f"status_day_end:{team_id}:{idea_id}:{user}:{day}"
        with self._unit():
            return self.outbox.add(
                team_id,
                Effects.STATUS_DAY_END,
                {"idea_id": idea_id, "user": user, "why": why, "day": day},
                key=key,
                coalesce=key,
                now=wall,
                delay=max(0.0, (day_end - wall).total_seconds() - 60),
            )


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
    ESTIMATED = "estimated"
    PROPOSED = "proposed"


ROADMAP_CHANNEL = "slack.roadmap_channel"
"""The meta key (with `:team_id`) of the roadmap channel an admin picked on App Home."""

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

NOTION_ROADMAP_URL = "notion.roadmap_url"
"""The meta key (with `:team_id`) under which the Notion sync stores the roadmap's URL."""


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

    On the way out the objects made meanwhile go straight to the oldest generation
    (`freeze` then `unfreeze`): otherwise the first collection after `enable` walks all
    of them at once, half a second at 100,000 ideas. They stay collectable as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


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
