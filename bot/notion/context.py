"""What every part of the Notion sync shares: the workspace's handles, the report, and the
one routine that sends a request Notion must perform exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from storage.notion_state import NotionObject, NotionState

from ..services import Services
from .client import NotionClient, NotionError, OutcomeUnknown
from .schema import IdeaProp, PainProp

__all__ = [
    "APPENDING",
    "Db",
    "HomeLost",
    "Kind",
    "Sent",
    "SyncContext",
    "SyncReport",
    "bare",
    "is_schema_error",
    "send_once",
]

T = TypeVar("T")

APPENDING = "appending:"
"""Prefix of a body fingerprint or layout whose append was sent but not confirmed."""


class HomeLost(NotionError):
    """The roadmap's place in Notion changed or is gone; `journeybot sync --rehome` rebuilds it."""


class Kind(StrEnum):
    """Which database a page belongs to (stored as its value in SQLite)."""

    PAIN = "pain"
    IDEA = "idea"

    @property
    def database(self) -> str:
        """The key under which the page's database is stored."""
        return "pains" if self is Kind.PAIN else "roadmap"

    @property
    def id_prop(self) -> str:
        """The number property holding journeybot's id of the record."""
        return PainProp.PAIN_ID if self is Kind.PAIN else IdeaProp.IDEA_ID

    @classmethod
    def of_database(cls, key: str) -> Kind:
        return cls.PAIN if key == "pains" else cls.IDEA


@dataclass
class SyncReport:
    """What one sync did, for the CLI summary, the log and the bench."""

    created: int = 0
    updated: int = 0
    archived: int = 0
    read_back: int = 0
    """Leader edits (Status or Bucket) applied to journeybot's database."""
    overwritten: int = 0
    """Leader edits of journeybot-owned properties that the sync writes back over."""
    requests: int = 0
    rate_limited: int = 0
    seconds: float = 0.0
    repaired: list[str] = field(default_factory=list)
    """Properties or views that had drifted and were put back."""
    follow_up: bool = False
    """A leader edit was noticed mid-push; another sync would bring its effects to Notion."""

    def line(self) -> str:
        """Return the report as one log line."""
        return (
            f"created {self.created}, updated {self.updated}, archived {self.archived}, "
            f"read back {self.read_back}, overwritten {self.overwritten}, "
            f"{self.requests} request{'s' * (self.requests != 1)}"
            f" ({self.rate_limited} rate limited) "
            f"in {self.seconds:.1f} s"
        )


@dataclass(frozen=True, slots=True)
class Db:
    """A database journeybot provisioned, as stored."""

    key: str
    database_id: str
    data_source_id: str
    url: str | None
    props: dict[str, str]
    """Property name -> Notion property id."""

    @classmethod
    def of(cls, obj: NotionObject) -> Db:
        assert obj.notion_id is not None
        return cls(
            obj.key, obj.notion_id, obj.data["data_source_id"], obj.url, dict(obj.data["props"])
        )


@dataclass
class SyncContext:
    """The handles one workspace's sync works with, shared by its parts."""

    services: Services
    client: NotionClient
    state: NotionState
    team_id: str
    parent_page_id: str
    clock: Callable[[], datetime]
    repaired: set[str] = field(default_factory=set)
    """Databases repaired during this run (each at most once)."""

    def object(self, key: str) -> NotionObject | None:
        return self.state.object(self.team_id, key)

    def save_object(
        self,
        key: str,
        *,
        notion_id: str | None,
        url: str | None = None,
        state: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        extra = {"state": state} if state is not None else {}
        self.state.save_object(self.team_id, key, notion_id=notion_id, url=url, data=data, **extra)


@dataclass(frozen=True, slots=True)
class Sent(Generic[T]):
    """The outcome of `send_once`: what Notion answered, or what a look-up found."""

    value: T
    found: bool
    """True when the value was looked up (an earlier or a lost request had done it)."""
    doubtful: bool = False
    """Sent after a look-up found nothing: the lost request may still be performed late."""


def send_once(
    *,
    pending: bool,
    record: Callable[[], None],
    send: Callable[[], T],
    look_up: Callable[[], T | None],
    again: Callable[[], T] | None = None,
) -> Sent[T]:
    """Perform a request that is not safe to repeat (a create, an append) exactly once.

    `pending` says an earlier attempt recorded its intent and never learnt the outcome:
    `look_up` settles it first. Otherwise the intent is recorded (so a process killed
    mid-request leaves a trace), the request sent, and if its answer is lost `look_up`
    finds what it did. When nothing is found, `again` sends once more if given (the
    caller then keeps watching for a late result, see `Sent.doubtful`); without it
    OutcomeUnknown is raised and the next attempt settles it.
    """
    if pending:
        found = look_up()
        if found is not None:
            return Sent(found, True)
    record()
    try:
        return Sent(send(), False)
    except OutcomeUnknown:
        found = look_up()
        if found is not None:
            return Sent(found, True)
        if again is None:
            raise
        return Sent(again(), False, doubtful=True)


def is_schema_error(error: NotionError) -> bool:
    """Whether Notion refused a write because a property is missing or of another type."""
    text = str(error)
    return error.status == 400 and (
        "not a property that exists" in text
        or "is expected to be" in text
        or ("Could not find" in text and "property" in text)
    )


def bare(notion_id: str) -> str:
    """Return a Notion id without dashes, lower-case (ids come both ways)."""
    return notion_id.replace("-", "").lower()
