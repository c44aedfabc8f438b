"""The in-memory objects the Notion emulator keeps, and its error and request records."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .validation import Json


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received; ``status`` is None when no answer was sent."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int | None
    at: float  # time.monotonic() when the request was handled


@dataclass
class _Page:
    """A page: a top-level page, a child of a page, or a data source row."""

    id: str
    parent: Json
    values: dict[str, Any]
    created_time: datetime
    last_edited_time: datetime
    created_by: str
    last_edited_by: str
    icon: Json | None = None
    cover: Json | None = None
    in_trash: bool = False
    is_locked: bool = False
    shared: bool = True  # only read for top-level (workspace) pages
    children: list[str] = field(default_factory=list)


@dataclass
class _Block:
    """A content block (paragraph, heading, to_do, ...)."""

    id: str
    parent: Json
    type: str
    payload: Json
    created_time: datetime
    last_edited_time: datetime
    created_by: str
    last_edited_by: str
    in_trash: bool = False
    children: list[str] = field(default_factory=list)


@dataclass
class _Database:
    """A database: a container of data sources, shown as a child_database block."""

    id: str
    parent: Json
    title: list[Json]
    description: list[Json]
    is_inline: bool
    created_time: datetime
    last_edited_time: datetime
    icon: Json | None = None
    cover: Json | None = None
    in_trash: bool = False
    is_locked: bool = False
    data_sources: list[str] = field(default_factory=list)


@dataclass
class _DataSource:
    """A data source: a property schema and its rows."""

    id: str
    database_id: str
    title: list[Json]
    description: list[Json]
    schema: dict[str, Json]  # property id -> schema entry, in display order
    created_time: datetime
    last_edited_time: datetime
    created_by: str
    last_edited_by: str
    icon: Json | None = None
    cover: Json | None = None
    in_trash: bool = False
    pages: list[str] = field(default_factory=list)


@dataclass
class _View:
    """A saved view of one data source."""

    id: str
    database_id: str
    data_source_id: str
    name: str
    type: str
    filter: Json | None
    sorts: list[Json] | None
    quick_filters: Json | None
    configuration: Json
    created_time: datetime
    last_edited_time: datetime
    created_by: str
    last_edited_by: str


@dataclass
class _Cursor:
    """Where the next page of a paginated list starts."""

    scope: str
    next_id: str
    offset: int


@dataclass
class _Failure:
    """A failure injected with ``fail_next``."""

    remaining: int
    status: int
    path_contains: str | None
    method: str | None
    retry_after: int

    def matches(self, method: str, path: str) -> bool:
        """Return whether this injected failure applies to the request."""
        if self.method is not None and self.method != method:
            return False
        return self.path_contains is None or self.path_contains in path


class _TokenBucket:
    """Average ``rate`` requests per second with up to ``burst`` back to back."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(max(1, burst))
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self) -> float:
        """Spend a token; return 0 on success or the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
