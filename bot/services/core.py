"""The core of the use cases: the store, units of work, events and the outbox.

Every group of use cases (`pains`, `ideas`, `admin`, `reading`, `journey`, `restore`)
builds on `UseCases`; `Services` in `bot/services/__init__.py` puts them together.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import ValidationError

from prioritize.config import JourneyConfig
from prioritize.errors import InvalidInput, NotAllowed, NotSaved
from prioritize.models import Estimate, Idea, IdeaStatus, PainPoint
from prioritize.questions import JourneyAnswers
from storage.outbox import Outbox
from storage.slack_state import SlackState
from storage.store import Store
from storage.surveys import Surveys

if TYPE_CHECKING:
    from ..workspace_settings import WorkspaceDefaults, WorkspaceSettingsCases

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


@dataclass(frozen=True, slots=True)
class Questions:
    """The answers to the five journey questions, and the titles of the ideas they name."""

    answers: JourneyAnswers
    titles: dict[int, str]
    """Idea id -> title of every live idea (Done ones are named by their outcomes)."""


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
    PAIN_CLOSED = "pain_closed"
    """Tell a pain point's reporter someone closed it: {"pain_id", "by", "source"}."""
    PERSON_NAME = "person_name"
    """Ask Slack what a person is called, for Notion: {"user"}. Once per person."""


HOME_DELAY = 0.1
"""Seconds to gather a person's clicks (team, DMs) into one redraw of their Home tab."""


@dataclass
class UseCases:
    """The store, the journey map and the settings every use case works with; units of work,
    events and the outbox effects they share."""

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
    """Seconds App Home may show the same journey answers before reading them again."""
    workspace_defaults: WorkspaceDefaults | None = None
    """What a workspace's own settings start from: the digest, Notion and the secret key."""
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
        if self.store.stats.cards_drawn_with(self.journey.scoring):
            return  # the usual start: nothing to write, no write lock taken
        with self._unit():
            for team_id, ids in self.store.stats.cards_to_redraw(self.journey.scoring).items():
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
            self._coalesced(team_id, Effects.CARD, {"idea_id": idea_id}, delay=self.card_delay)

    def _coalesced(
        self, team_id: str, kind: str, payload: dict[str, int | str], *, delay: float
    ) -> None:
        """Record an effect that all others of its kind for the same ids, recorded before
        it is delivered, join: a burst of changes is one redraw after `delay` seconds."""
        what = ":".join([kind, team_id, *(str(v) for v in payload.values())])
        self.outbox.add(
            team_id,
            kind,
            payload,
            key=f"{what}:{uuid.uuid4().hex}",
            coalesce=what,
            now=_wall(),
            delay=delay,
        )

    def _cards_of_pains(self, team_id: str, pain_ids: Iterable[int]) -> None:
        # A pain point's severity or status moves the score of the ideas linked to it.
        linked = self.store.ideas.for_pain_points(pain_ids)
        self._card(team_id, [i for ids in linked.values() for i in ids])

    def refresh_home(self, team_id: str, user: str) -> None:
        """Record a redraw of `user`'s App Home (one per burst of their clicks)."""
        if not _USER_ID.match(user):
            return
        self._coalesced(team_id, Effects.HOME, {"user": user}, delay=HOME_DELAY)

    def _check_buckets(self, team_id: str) -> None:
        """Record one check, per burst of changes, for cards whose bucket has moved.

        A vote on one idea can move others between Now, Next and Later. Ranking every
        idea on each vote would make a vote slow; the check runs once per burst, after
        it (see `redraw_moved_cards`).
        """
        self._coalesced(team_id, Effects.BUCKETS, {}, delay=self.card_delay)

    def forget_claims(self, *, before: datetime) -> int:
        """Drop do-once keys, and delivered outbox effects, older than `before`.

        Slack stops redelivering within the hour; the outbox keeps what it delivered for
        `journeybot doctor` to report until then.
        """
        self.outbox.forget(before=before)
        return self.claims.forget_claims(before=before)

    @cached_property
    def workspace(self) -> WorkspaceSettingsCases:
        """Each workspace's own settings (see `bot/workspace_settings.py`)."""
        from ..workspace_settings import WorkspaceSettingsCases

        return WorkspaceSettingsCases(self, self.workspace_defaults)  # type: ignore[arg-type]

    def journey_of(self, team_id: str) -> JourneyConfig:
        """Return the journey map and scoring the workspace runs with (its own settings
        over the config file's)."""
        return self.workspace.of(team_id).journey

    def is_admin(self, user: str, team_id: str | None = None) -> bool:
        """Whether `user` may take admin actions: named in the config (or in the
        workspace's own list of admins, given `team_id`), or a workspace admin."""
        if team_id is not None:
            return self.workspace.is_admin(team_id, user)
        if user in self.admins:
            return True
        return self.workspace_admin(user) if self.workspace_admin is not None else False

    def _require_admin(self, user: str, team_id: str | None = None) -> None:
        if not self.is_admin(user, team_id):
            raise NotAllowed(
                "only journeybot admins and workspace admins can change an idea's status, "
                "pin it to a bucket, merge it or repost its card"
            )

    def admins_to_ask(self, team_id: str | None = None) -> str:
        """Return whom to ask for an admin change (in the workspace), as Slack mentions."""
        admins = self.admins if team_id is None else self.workspace.of(team_id).admins
        return ", ".join(f"<@{a}>" for a in sorted(admins)[:3]) or "a workspace admin"

    def team_of(self, team_id: str, user: str) -> str | None:
        """Return a person's team: the config's `[journey.members]`, else the one stored."""
        return self.journey_of(team_id).members.get(user) or self.store.people.team_of(
            team_id, user
        )


class _Unit:
    """What a use case learns from its unit of work: whether `once` was claimed before."""

    __slots__ = ("previous", "replayed", "result", "services")

    def __init__(self, services: UseCases, once: str | None) -> None:
        self.services = services
        self.replayed = False
        self.previous: str | None = None
        """What the first call recorded as its result (an id), on a replay."""
        self.result: str | None = None
        """What this call records as its result, for a later replay to return."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _wall() -> datetime:
    # Outbox timing is about delivering, not about the business clock (which tests freeze).
    return datetime.now(UTC)


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
