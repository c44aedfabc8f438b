"""A local Notion API emulator: an in-memory HTTP server speaking API version 2025-09-03.

Point the real ``notion_client.Client`` at it and read its state back::

    from notion_client import Client
    from bot.sandbox.notion_api import NotionEmulator

    with NotionEmulator(rate_limit=None) as notion:
        client = Client(auth=notion.token, base_url=notion.base_url)
        db = client.databases.create(
            parent={"page_id": notion.root_page_id},
            title=[{"text": {"content": "Roadmap"}}],
            initial_data_source={"properties": {"Name": {"title": {}}, "Score": {"number": {}}}},
        )
        source_id = db["data_sources"][0]["id"]
        client.pages.create(
            parent={"data_source_id": source_id},
            properties={"Name": {"title": [{"text": {"content": "Faster checkout"}}]}},
        )
        assert len(notion.pages(source_id)) == 1

Answers use Notion's JSON shapes and error objects (checked against real recordings by
``tests/sandbox/test_notion_fidelity.py``). Deliberate differences a sync author must know:

- Times keep millisecond precision (Notion rounds page times down to the minute) and every
  edit moves ``last_edited_time`` strictly forward, so querying ``on_or_after`` the
  ``last_edited_time`` you last saw returns that page again and ``after`` does not.
- ``Retry-After`` is whole seconds, at least 1, because notion-client 3.1 parses only
  integer delta-seconds. The limit is a token bucket: ``rate_limit`` requests per second
  on average, ``burst`` back to back.
- Queries without ``sorts`` return pages in creation order (Notion promises no order).
  Text ``contains`` / ``starts_with`` / ``ends_with`` ignore case; ``equals`` does not.
- A cursor resumes at the item it points to; if that item has since left the result set
  it resumes at the same offset.
- Rich text holds ``text`` and ``equation`` items; mentions are rejected. Formula, rollup,
  files and unique_id properties are rejected. Relations are stored one way (a dual
  relation does not create the synced property) and related ids are not checked to exist.
- Every data source gets a default table view, as every database does in Notion.
- A page created under a data source starts in the first option of each status property.
- Any ``Notion-Version`` value is accepted (a missing one is ``missing_version``); the
  answers always have the 2025-09-03 shape.
- Responses carry the newest keys Notion sends (``is_archived`` on pages, ``archived`` on
  databases) even where older recordings lack them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import secrets
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qs, urlsplit

__all__ = ["NOTION_VERSION", "NotionEmulator", "RecordedRequest"]

Json = dict[str, Any]
T = TypeVar("T")

NOTION_VERSION = "2025-09-03"
MAX_BODY_BYTES = 500_000
MAX_TEXT_LENGTH = 2000
MAX_URL_LENGTH = 2000
MAX_EQUATION_LENGTH = 1000
MAX_ARRAY_LENGTH = 100
MAX_PAGE_SIZE = 100
MAX_BLOCKS_PER_REQUEST = 1000
MAX_OPTION_NAME_LENGTH = 100
# Notion accepts two levels of children below the blocks of one request.
MAX_BLOCK_DEPTH = 3
# Compound filters nest at most two levels deep.
MAX_FILTER_DEPTH = 2

_COLORS = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
)
_ANNOTATIONS: Json = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
_WRITABLE_TYPES = {
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "date",
    "relation",
    "people",
}
_COMPUTED_TYPES = {"created_time", "last_edited_time", "created_by", "last_edited_by"}
_SCHEMA_TYPES = _WRITABLE_TYPES | _COMPUTED_TYPES
_UNSUPPORTED_TYPES = {
    "formula",
    "rollup",
    "files",
    "unique_id",
    "button",
    "verification",
    "place",
    "location",
}
_LIST_VALUE_TYPES = {"title", "rich_text", "multi_select", "relation", "people"}
_TEXT_TYPES = {"title", "rich_text", "url", "email", "phone_number"}
_VIEW_TYPES = {
    "table",
    "board",
    "list",
    "calendar",
    "timeline",
    "gallery",
    "form",
    "chart",
    "map",
    "dashboard",
}
_GROUP_TYPES = {
    "select": "select",
    "multi_select": "multi_select",
    "status": "status",
    "people": "person",
    "created_by": "created_by",
    "last_edited_by": "last_edited_by",
    "relation": "relation",
    "date": "date",
    "created_time": "created_time",
    "last_edited_time": "last_edited_time",
    "title": "title",
    "rich_text": "text",
    "url": "url",
    "email": "email",
    "phone_number": "phone_number",
    "number": "number",
    "checkbox": "checkbox",
}
# Block payload defaults; text blocks also need a rich_text array.
_TEXT_BLOCKS: dict[str, Json] = {
    "paragraph": {"color": "default"},
    "heading_1": {"color": "default", "is_toggleable": False},
    "heading_2": {"color": "default", "is_toggleable": False},
    "heading_3": {"color": "default", "is_toggleable": False},
    "bulleted_list_item": {"color": "default"},
    "numbered_list_item": {"color": "default"},
    "quote": {"color": "default"},
    "toggle": {"color": "default"},
    "to_do": {"checked": False, "color": "default"},
    "callout": {"icon": {"type": "emoji", "emoji": "💡"}, "color": "default"},
    "code": {"caption": [], "language": "plain text"},
}
_OTHER_BLOCKS: dict[str, Json] = {
    "divider": {},
    "breadcrumb": {},
    "table_of_contents": {"color": "default"},
    "bookmark": {"caption": []},
    "embed": {"caption": []},
    "image": {"caption": []},
    "video": {"caption": []},
    "file": {"caption": []},
    "pdf": {"caption": []},
    "equation": {},
    "link_to_page": {},
    "column_list": {},
    "column": {},
    "table": {"has_column_header": False, "has_row_header": False},
    "table_row": {},
    "synced_block": {"synced_from": None},
}
_BLOCK_META_KEYS = {
    "object",
    "id",
    "type",
    "parent",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "has_children",
    "archived",
    "in_trash",
}
_FAILURES: dict[int, tuple[str, str]] = {
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out while handling the request."),
}
_UNDEFINED = object()
_ARCHIVED_PAGE = "Can't edit page that is archived. You must unarchive the page before editing."
_ARCHIVED_BLOCK = "Can't edit block that is archived. You must unarchive the block before editing."


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received; ``status`` is None when no answer was sent."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int | None
    at: float  # time.monotonic() when the request was handled


class _ApiError(Exception):
    """An error answered as Notion's error object."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class _DropConnection(Exception):
    """Close the connection without answering."""


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
class _ViewQuery:
    """A snapshot of a view's rows, paged through by id."""

    id: str
    view_id: str
    page_ids: list[str]
    expires_at: datetime


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


class _Server(ThreadingHTTPServer):
    """The HTTP server; one thread per connection."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: NotionEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up mid-request; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup, which costs tens of milliseconds."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the emulator."""

    protocol_version = "HTTP/1.1"  # keep-alive, like api.notion.com
    # Headers and body go out in two writes; without TCP_NODELAY the second waits for
    # the client's delayed ACK (~40 ms a request on keep-alive connections).
    disable_nagle_algorithm = True
    timeout = 60
    server: _Server

    def setup(self) -> None:
        """Track the connection so ``stop()`` can close it."""
        super().setup()
        self.server.emulator._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.emulator._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        """Answer a request of any method."""
        self.server.emulator._serve(self)

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the emulator keeps its own request log."""


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------


def _show(value: Any) -> str:
    """Render a value the way Notion's validation messages quote it."""
    if value is _UNDEFINED:
        return "undefined"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 100 else text[:97] + "..."


def _invalid(message: str) -> _ApiError:
    """Return a 400 validation_error."""
    return _ApiError(400, "validation_error", message)


def _schema_error(path: str, rule: str, value: Any) -> _ApiError:
    """Return a validation_error phrased like Notion's request schema checker."""
    root = path.split(".", 1)[0].split("[", 1)[0]
    return _invalid(f"{root} failed validation: {path} {rule}, instead was `{_show(value)}`.")


def _too_long(path: str, limit: int, actual: int) -> _ApiError:
    """Return the validation_error for an over-long string or array."""
    return _schema_error(f"{path}.length", f"should be ≤ `{limit}`", actual)


def _not_found(kind: str, object_id: str) -> _ApiError:
    """Return Notion's object_not_found error, also used for objects not shared."""
    return _ApiError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


def _js_length(text: str) -> int:
    """Return the length Notion measures: UTF-16 code units, as JavaScript counts."""
    return len(text.encode("utf-16-le")) // 2


def _parse_id(raw: Any, path: str) -> str:
    """Return the dashed form of a Notion id given with or without dashes."""
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return str(uuid.UUID(raw))
    raise _schema_error(path, "should be a valid uuid", raw)


def _iso_z(moment: datetime) -> str:
    """Format a time as pages and blocks show it: ``2025-10-05T10:53:12.345Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _iso_offset(moment: datetime) -> str:
    """Format a time as databases and views show it: ``...12.345+00:00``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def _parse_when(raw: Any, path: str) -> datetime | date:
    """Parse an ISO 8601 date or date-time; naive date-times are taken as UTC."""
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            if len(raw) == 10:
                return date.fromisoformat(raw)
            moment = datetime.fromisoformat(raw)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise _schema_error(path, "should be a valid ISO 8601 date string", raw)


def _as_moment(value: datetime | date) -> datetime:
    """Return a comparable UTC date-time (a bare date is its midnight)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _plain(rich_text: Iterable[Json]) -> str:
    """Return the plain text of a rich text array."""
    return "".join(item.get("plain_text", "") for item in rich_text)


def _hex(object_id: str) -> str:
    """Return an id without dashes, as in notion.so URLs."""
    return object_id.replace("-", "")


def _notion_url(title: str, object_id: str) -> str:
    """Return the notion.so URL of a page, slugged by its title like Notion does."""
    slug = re.sub(r"[^0-9A-Za-z]+", "-", title).strip("-")
    return f"https://www.notion.so/{slug + '-' if slug else ''}{_hex(object_id)}"


def _prop_by_key(schema: dict[str, Json], key: Any) -> Json | None:
    """Find a schema property by name, then by id."""
    if not isinstance(key, str):
        return None
    for prop in schema.values():
        if prop["name"] == key:
            return prop
    return schema.get(key)


def _partial_user(user_id: str) -> Json:
    """Return a partial user object."""
    return {"object": "user", "id": user_id}


def _require_dict(raw: Any, path: str) -> Json:
    """Return ``raw`` if it is a JSON object, else raise a validation error."""
    if not isinstance(raw, dict):
        raise _schema_error(path, "should be an object", raw)
    return raw


def _require_list(raw: Any, path: str, *, limit: int = MAX_ARRAY_LENGTH) -> list[Any]:
    """Return ``raw`` if it is an array of at most ``limit`` items."""
    if not isinstance(raw, list):
        raise _schema_error(path, "should be an array", raw)
    if len(raw) > limit:
        raise _too_long(path, limit, len(raw))
    return raw


def _optional_icon(raw: Any, path: str) -> Json | None:
    """Validate an icon or cover object (stored as given)."""
    if raw is None:
        return None
    return copy.deepcopy(_require_dict(raw, path))


def _rich_text(raw: Any, path: str) -> list[Json]:
    """Validate a rich text request array and return it in response shape."""
    items = _require_list(raw, path)
    return [_rich_text_item(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _rich_text_item(raw: Any, path: str) -> Json:
    """Validate one rich text request item and return it in response shape."""
    item = _require_dict(raw, path)
    annotations = dict(_ANNOTATIONS)
    given = _require_dict(item.get("annotations", {}), f"{path}.annotations")
    annotations.update({key: value for key, value in given.items() if key in _ANNOTATIONS})
    kind = item.get("type") or next((k for k in ("text", "equation", "mention") if k in item), None)
    if kind == "text":
        text = _require_dict(item.get("text", _UNDEFINED), f"{path}.text")
        content = text.get("content", _UNDEFINED)
        if not isinstance(content, str):
            raise _schema_error(f"{path}.text.content", "should be a string", content)
        if _js_length(content) > MAX_TEXT_LENGTH:
            raise _too_long(f"{path}.text.content", MAX_TEXT_LENGTH, _js_length(content))
        link = text.get("link")
        if link is not None:
            url = _require_dict(link, f"{path}.text.link").get("url", _UNDEFINED)
            if not isinstance(url, str):
                raise _schema_error(f"{path}.text.link.url", "should be a string", url)
            if len(url) > MAX_URL_LENGTH:
                raise _too_long(f"{path}.text.link.url", MAX_URL_LENGTH, len(url))
            link = {"url": url}
        return {
            "type": "text",
            "text": {"content": content, "link": link},
            "annotations": annotations,
            "plain_text": content,
            "href": link["url"] if link else None,
        }
    if kind == "equation":
        equation = _require_dict(item.get("equation", _UNDEFINED), f"{path}.equation")
        expression = equation.get("expression", _UNDEFINED)
        if not isinstance(expression, str):
            raise _schema_error(f"{path}.equation.expression", "should be a string", expression)
        if len(expression) > MAX_EQUATION_LENGTH:
            raise _too_long(f"{path}.equation.expression", MAX_EQUATION_LENGTH, len(expression))
        return {
            "type": "equation",
            "equation": {"expression": expression},
            "annotations": annotations,
            "plain_text": expression,
            "href": None,
        }
    raise _invalid(
        f"{path}: rich text of type `{kind}` is not supported by the journeybot Notion "
        "emulator (use text or equation)."
    )


def _check_option_name(name: Any, path: str) -> str:
    """Validate a select option name: a string without commas, at most 100 long."""
    if not isinstance(name, str) or not name:
        raise _schema_error(path, "should be a non-empty string", name)
    if "," in name:
        raise _invalid(f"Invalid select option, commas not allowed: {name}")
    if _js_length(name) > MAX_OPTION_NAME_LENGTH:
        raise _too_long(path, MAX_OPTION_NAME_LENGTH, _js_length(name))
    return name


def _page_size(raw: Any, where: str) -> int:
    """Validate ``page_size`` (1..100, default 100)."""
    if raw is None or raw is _UNDEFINED:
        return MAX_PAGE_SIZE
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _schema_error(where, "should be a number", raw)
    if raw > MAX_PAGE_SIZE:
        raise _schema_error(where, f"should be ≤ `{MAX_PAGE_SIZE}`", raw)
    if raw < 1:
        raise _schema_error(where, "should be ≥ `1`", raw)
    return raw


def _query_param(query: dict[str, list[str]], name: str) -> str | None:
    """Return the last value of a query string parameter."""
    values = query.get(name)
    return values[-1] if values else None


def _list_response(results: list[Json], next_cursor: str | None, kind: str) -> Json:
    """Return Notion's paginated list envelope."""
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }


# ---------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------


class NotionEmulator:
    """An in-memory Notion API (2025-09-03) served over HTTP on a local port.

    ``rate_limit`` is the average number of requests per second (None disables the
    limit) and ``burst`` how many may arrive back to back; ``clock`` returns the current
    UTC time (tests may pass a fake one). ``root_page_id`` is a page shared with the
    integration, to create databases in.

    Each request goes through, in order: ``on_request(method, path)`` (if set; when it
    raises, the request is not performed and the connection closes unanswered), routing
    (``invalid_request_url``), the ``Notion-Version`` header (``missing_version``), the
    token (``unauthorized``), the rate limit and ``storm_429`` (``rate_limited``), failures
    from ``fail_next``, the body (size, then JSON), and finally the endpoint. Requests
    refused before the endpoint change nothing; endpoints validate the whole request
    before changing anything.
    """

    _ROUTES: ClassVar[list[tuple[str, re.Pattern[str], str]]] = [
        (method, re.compile(pattern), handler)
        for method, pattern, handler in [
            ("GET", r"users/me", "_get_me"),
            ("GET", r"users", "_list_users"),
            ("GET", r"users/(?P<user_id>[^/]+)", "_get_user"),
            ("POST", r"pages", "_create_page"),
            ("GET", r"pages/(?P<page_id>[^/]+)", "_get_page"),
            ("PATCH", r"pages/(?P<page_id>[^/]+)", "_update_page"),
            ("POST", r"databases", "_create_database"),
            ("GET", r"databases/(?P<database_id>[^/]+)", "_get_database"),
            ("PATCH", r"databases/(?P<database_id>[^/]+)", "_update_database"),
            ("POST", r"data_sources", "_create_data_source"),
            ("GET", r"data_sources/(?P<data_source_id>[^/]+)", "_get_data_source"),
            ("PATCH", r"data_sources/(?P<data_source_id>[^/]+)", "_update_data_source"),
            ("POST", r"data_sources/(?P<data_source_id>[^/]+)/query", "_query_data_source"),
            ("GET", r"blocks/(?P<block_id>[^/]+)", "_get_block"),
            ("PATCH", r"blocks/(?P<block_id>[^/]+)", "_update_block"),
            ("DELETE", r"blocks/(?P<block_id>[^/]+)", "_delete_block"),
            ("GET", r"blocks/(?P<block_id>[^/]+)/children", "_list_children"),
            ("PATCH", r"blocks/(?P<block_id>[^/]+)/children", "_append_children"),
            ("POST", r"views", "_create_view"),
            ("GET", r"views", "_list_views"),
            ("GET", r"views/(?P<view_id>[^/]+)", "_get_view"),
            ("PATCH", r"views/(?P<view_id>[^/]+)", "_update_view"),
            ("DELETE", r"views/(?P<view_id>[^/]+)", "_delete_view"),
            ("POST", r"views/(?P<view_id>[^/]+)/queries", "_create_view_query"),
            ("GET", r"views/(?P<view_id>[^/]+)/queries/(?P<query_id>[^/]+)", "_view_results"),
            ("DELETE", r"views/(?P<view_id>[^/]+)/queries/(?P<query_id>[^/]+)", "_drop_query"),
            ("POST", r"search", "_search"),
        ]
    ]

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "secret_test",
        rate_limit: float | None = 3.0,
        burst: int = 5,
        clock: Callable[[], datetime] | None = None,
        workspace_name: str = "Journeybot Sandbox",
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.workspace_name = workspace_name
        self.on_request: Callable[[str, str], None] | None = None
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._bucket: _TokenBucket | None = None
        self.configure_rate_limit(rate_limit, burst=burst)
        self._storm_until = 0.0
        self.down = False
        """While True every request answers 503 service_unavailable (see `set_down`)."""
        self._failures: list[_Failure] = []
        self._drops_after_create = 0
        self._log: list[RecordedRequest] = []
        self._last_time = datetime(2000, 1, 1, tzinfo=UTC)
        self._pages: dict[str, _Page] = {}
        self._blocks: dict[str, _Block] = {}
        self._databases: dict[str, _Database] = {}
        self._data_sources: dict[str, _DataSource] = {}
        self._views: dict[str, _View] = {}
        self._view_queries: dict[str, _ViewQuery] = {}
        self._cursors: dict[str, _Cursor] = {}
        self.bot_user_id = str(uuid.uuid4())
        self.person_user_id = str(uuid.uuid4())
        self._users: dict[str, Json] = {
            self.bot_user_id: {
                "object": "user",
                "id": self.bot_user_id,
                "name": "Journeybot",
                "avatar_url": None,
                "type": "bot",
                "bot": {
                    "owner": {"type": "workspace", "workspace": True},
                    "workspace_name": workspace_name,
                    "workspace_limits": {"max_file_upload_size_in_bytes": 5_368_709_120},
                },
            },
            self.person_user_id: {
                "object": "user",
                "id": self.person_user_id,
                "name": "Ada Product",
                "avatar_url": None,
                "type": "person",
                "person": {"email": "ada@example.com"},
            },
        }
        self.root_page_id = self.add_page("Journeybot sandbox")

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> NotionEmulator:
        """Start serving on a background thread; return self."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # so stop() returns quickly
                name="notion-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> NotionEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return the URL to pass as ``notion_client.Client(base_url=...)``."""
        if self._server is None:
            raise RuntimeError("NotionEmulator is not started; call start() first")
        return f"http://{self.host}:{self.port}"

    # -- setup, limits and failure injection --------------------------------

    def add_page(self, title: str, *, shared: bool = True) -> str:
        """Create a top-level workspace page and return its id; unshared pages are 404s."""
        with self._lock:
            now = self._now()
            page = _Page(
                id=str(uuid.uuid4()),
                parent={"type": "workspace", "workspace": True},
                values={"title": _rich_text([{"text": {"content": title}}], "title")},
                created_time=now,
                last_edited_time=now,
                created_by=self.person_user_id,
                last_edited_by=self.person_user_id,
                shared=shared,
            )
            self._pages[page.id] = page
            return page.id

    def configure_rate_limit(self, rate_limit: float | None, *, burst: int = 5) -> None:
        """Set the average requests per second (None disables) and the burst size."""
        with self._lock:
            self._bucket = None if rate_limit is None else _TokenBucket(rate_limit, burst)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        path_contains: str | None = None,
        method: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Answer the next ``n`` matching requests with an error instead of performing them.

        ``status`` is 409, 429, 500, 503 or 504; 429 and 503 carry ``Retry-After``.
        """
        if status not in _FAILURES:
            raise ValueError(f"status must be one of {sorted(_FAILURES)}, not {status}")
        with self._lock:
            self._failures.append(
                _Failure(n, status, path_contains, method and method.upper(), max(1, retry_after))
            )

    def set_down(self, down: bool = True) -> None:
        """Make Notion unavailable (every request answers 503) until `set_down(False)`."""
        with self._lock:
            self.down = down

    def storm_429(self, seconds: float) -> None:
        """Answer every request with 429 rate_limited for the next ``seconds``."""
        with self._lock:
            self._storm_until = time.monotonic() + seconds

    def drop_after_create(self, n: int = 1) -> None:
        """Perform the next ``n`` page creates, then close the connection without answering."""
        with self._lock:
            self._drops_after_create += n

    # -- request log ----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return the requests received since the last ``reset_counts()``."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """Return how many requests were received since the last ``reset_counts()``."""
        with self._lock:
            return len(self._log)

    @property
    def rate_limited_count(self) -> int:
        """Return how many 429 answers were served since the last ``reset_counts()``."""
        with self._lock:
            return sum(1 for request in self._log if request.status == 429)

    def reset_counts(self) -> None:
        """Forget the request log and counts (state is kept)."""
        with self._lock:
            self._log.clear()

    # -- state accessors for tests and the demo -------------------------------

    def pages(
        self, data_source_id: str | None = None, include_archived: bool = False
    ) -> list[Json]:
        """Return pages (all, or the rows of one data source) in API shape."""
        with self._lock:
            if data_source_id is None:
                candidates = list(self._pages.values())
            else:
                source = self._data_sources[str(uuid.UUID(data_source_id))]
                candidates = [self._pages[page_id] for page_id in source.pages]
            return [
                self._render_page(page)
                for page in candidates
                if include_archived or not page.in_trash
            ]

    def page(self, page_id: str) -> Json:
        """Return one page in API shape; raise KeyError if unknown."""
        with self._lock:
            return self._render_page(self._pages[str(uuid.UUID(page_id))])

    def blocks(self, parent_id: str, include_archived: bool = False) -> list[Json]:
        """Return the live children of a page or block in API shape.

        Content blocks also carry a ``children`` key (not in Notion's shape) holding their
        own children, recursively; child pages and databases appear as ``child_page`` and
        ``child_database`` blocks without it. Raises KeyError for an unknown id.
        """
        with self._lock:
            parent_id = str(uuid.UUID(parent_id))
            container = self._pages.get(parent_id) or self._blocks[parent_id]
            out = []
            for child_id in container.children:
                if not include_archived and self._is_trashed(child_id):
                    continue
                rendered = self._render_block(child_id)
                if child_id in self._blocks:
                    rendered["children"] = self.blocks(child_id, include_archived)
                out.append(rendered)
            return out

    def data_source(self, data_source_id: str) -> Json:
        """Return one data source in API shape; raise KeyError if unknown."""
        with self._lock:
            return self._render_data_source(self._data_sources[str(uuid.UUID(data_source_id))])

    def database(self, database_id: str) -> Json:
        """Return one database in API shape; raise KeyError if unknown."""
        with self._lock:
            return self._render_database(self._databases[str(uuid.UUID(database_id))])

    def views(self, database_or_data_source_id: str) -> list[Json]:
        """Return the views of a database or of a data source in API shape."""
        with self._lock:
            key = str(uuid.UUID(database_or_data_source_id))
            return [
                self._render_view(view)
                for view in self._views.values()
                if key in (view.database_id, view.data_source_id)
            ]

    def edit_page_as_user(
        self, page_id: str, properties: Json | None = None, *, in_trash: bool | None = None
    ) -> Json:
        """Edit a page as a person in the Notion UI would; return the page in API shape.

        ``properties`` uses the request shape of ``pages.update``; the edit moves
        ``last_edited_time`` forward and sets ``last_edited_by`` to a person user.
        Raises KeyError for an unknown page and ValueError for invalid values.
        """
        with self._lock:
            page = self._pages[str(uuid.UUID(page_id))]
            try:
                self._prepare_write(page, properties or {}, "properties")()
            except _ApiError as error:
                raise ValueError(error.message) from error
            if in_trash is not None:
                page.in_trash = in_trash
            page.last_edited_time = self._now()
            page.last_edited_by = self.person_user_id
            return self._render_page(page)

    # -- HTTP plumbing ----------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        """Answer one HTTP request (runs on a server thread)."""
        split = urlsplit(handler.path)
        path, method = split.path, handler.command
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Any = None
        answer: tuple[int, Json, dict[str, str]] | None = None
        try:
            if self.on_request is not None:
                self.on_request(method, path)
            body = self._parse_body(raw) if method in ("POST", "PATCH") else None
            answer = self._dispatch(method, path, query, raw, body, handler)
        except _DropConnection:
            handler.close_connection = True
        except Exception:  # a raising on_request hook: the request is lost unanswered
            handler.close_connection = True
        # Log before answering, so a client that has its answer also finds it in the log.
        with self._lock:
            self._log.append(
                RecordedRequest(
                    method,
                    path,
                    query,
                    body if isinstance(body, dict) else None,
                    answer[0] if answer else None,
                    time.monotonic(),
                )
            )
        if answer is not None:
            self._write(handler, *answer)

    @staticmethod
    def _parse_body(raw: bytes) -> Any:
        """Return the parsed JSON body, or the raw bytes if it is not JSON."""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return raw

    def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        raw: bytes,
        body: Any,
        handler: _Handler,
    ) -> tuple[int, Json, dict[str, str]]:
        """Check routing, headers, limits and injected failures, then run the endpoint."""
        try:
            endpoint, params = self._route(method, path)
            if not handler.headers.get("Notion-Version"):
                raise _ApiError(
                    400,
                    "missing_version",
                    "Notion-Version header failed validation: Notion-Version header should "
                    "be defined, instead was `undefined`.",
                )
            if handler.headers.get("Authorization") != f"Bearer {self.token}":
                raise _ApiError(401, "unauthorized", "API token is invalid.")
            with self._lock:
                if self.down:
                    code, message = _FAILURES[503]
                    raise _ApiError(503, code, message)
                self._check_rate_limit()
                self._check_injected_failure(method, path)
            if len(raw) > MAX_BODY_BYTES:
                raise _invalid(
                    f"Request body too large: {len(raw)} bytes, the limit is {MAX_BODY_BYTES}."
                )
            if isinstance(body, bytes):
                raise _ApiError(400, "invalid_json", "Error parsing JSON body.")
            if body is not None and not isinstance(body, dict):
                raise _schema_error("body", "should be an object", body)
            with self._lock:
                payload = getattr(self, endpoint)(params, query, body or {})
                drop = (
                    method == "POST" and endpoint == "_create_page" and self._drops_after_create > 0
                )
                if drop:
                    self._drops_after_create -= 1
            if drop:
                raise _DropConnection
            return 200, payload, {}
        except _ApiError as error:
            payload = {
                "object": "error",
                "status": error.status,
                "code": error.code,
                "message": error.message,
            }
            return error.status, payload, error.headers
        except _DropConnection:
            raise
        except Exception as error:  # a bug in the emulator: answer like Notion's 500
            message = f"Unexpected error occurred ({type(error).__name__}: {error})."
            payload = {
                "object": "error",
                "status": 500,
                "code": "internal_server_error",
                "message": message,
            }
            return 500, payload, {}

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        """Return the endpoint method name and path parameters, or invalid_request_url."""
        if path.startswith("/v1/"):
            tail = path[len("/v1/") :]
            for route_method, pattern, endpoint in self._ROUTES:
                match = pattern.fullmatch(tail)
                if match and route_method == method:
                    return endpoint, match.groupdict()
        raise _ApiError(400, "invalid_request_url", "Invalid request URL.")

    def _check_rate_limit(self) -> None:
        """Raise rate_limited during a storm or when the token bucket is empty."""
        storm_left = self._storm_until - time.monotonic()
        wait = storm_left if storm_left > 0 else (self._bucket.take() if self._bucket else 0.0)
        if wait > 0:
            code, message = _FAILURES[429]
            raise _ApiError(
                429, code, message, headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )

    def _check_injected_failure(self, method: str, path: str) -> None:
        """Raise the first pending injected failure that matches the request."""
        for failure in self._failures:
            if failure.remaining > 0 and failure.matches(method, path):
                failure.remaining -= 1
                self._failures = [f for f in self._failures if f.remaining > 0]
                code, message = _FAILURES[failure.status]
                headers = (
                    {"Retry-After": str(failure.retry_after)}
                    if failure.status in (429, 503)
                    else {}
                )
                raise _ApiError(failure.status, code, message, headers=headers)

    @staticmethod
    def _write(handler: _Handler, status: int, payload: Json, headers: dict[str, str]) -> None:
        """Send a JSON answer with a fresh request_id."""
        payload["request_id"] = str(uuid.uuid4())
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("x-request-id", payload["request_id"])
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client went away; nothing to answer
            handler.close_connection = True

    # -- time, cursors and lookups ------------------------------------------------

    def _now(self) -> datetime:
        """Return the current time in milliseconds, strictly after the previous one."""
        moment = self._clock().astimezone(UTC)
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if moment <= self._last_time:
            moment = self._last_time + timedelta(milliseconds=1)
        self._last_time = moment
        return moment

    def _paginate(
        self,
        scope: str,
        items: list[T],
        id_of: Callable[[T], str],
        start_cursor: Any,
        page_size: int,
        where: str,
    ) -> tuple[list[T], str | None]:
        """Return one page of ``items`` and the opaque cursor of the next one."""
        start = 0
        if start_cursor is not None:
            cursor = self._cursors.get(start_cursor) if isinstance(start_cursor, str) else None
            if cursor is None or cursor.scope != scope:
                raise _schema_error(
                    where, "should be a cursor returned by this endpoint", start_cursor
                )
            ids = [id_of(item) for item in items]
            start = ids.index(cursor.next_id) if cursor.next_id in ids else cursor.offset
        chunk = items[start : start + page_size]
        end = start + len(chunk)
        if end >= len(items):
            return chunk, None
        token = str(uuid.uuid4())
        self._cursors[token] = _Cursor(scope, id_of(items[end]), end)
        return chunk, token

    def _is_trashed(self, object_id: str) -> bool:
        """Return whether a page, block or database is in the trash."""
        target = (
            self._pages.get(object_id)
            or self._blocks.get(object_id)
            or self._databases.get(object_id)
        )
        return bool(target and target.in_trash)

    def _shared(self, parent: Json) -> bool:
        """Return whether an object with this parent is shared with the integration."""
        for _ in range(10_000):
            kind = parent.get("type")
            if kind == "workspace":
                return False
            if kind == "page_id":
                page = self._pages.get(parent["page_id"])
                if page is None:
                    return False
                if page.parent["type"] == "workspace":
                    return page.shared
                parent = page.parent
            elif kind == "block_id":
                block = self._blocks.get(parent["block_id"])
                if block is None:
                    return False
                parent = block.parent
            elif kind == "database_id":
                database = self._databases.get(parent["database_id"])
                if database is None:
                    return False
                parent = database.parent
            elif kind == "data_source_id":
                parent = {"type": "database_id", "database_id": parent["database_id"]}
            else:
                return False
        return False

    def _visible_page(self, page: _Page) -> bool:
        """Return whether the integration can see a page."""
        return page.shared if page.parent["type"] == "workspace" else self._shared(page.parent)

    def _wrong_kind(self, object_id: str, wanted: str) -> _ApiError | None:
        """Return Notion's error for an id of another kind, if it is one."""
        kinds = [
            ("page", self._pages),
            ("database", self._databases),
            ("data_source", self._data_sources),
        ]
        for kind, store in kinds:
            if kind != wanted and object_id in store:
                api = kind.replace("_", " ")
                return _invalid(
                    f"Provided ID {object_id} is a {api}, not a {wanted.replace('_', ' ')}. "
                    f"Use the retrieve {api} API instead, or double check the provided ID."
                )
        return None

    def _require_page(self, raw: Any, where: str) -> _Page:
        """Return a visible page or raise object_not_found."""
        page_id = _parse_id(raw, where)
        page = self._pages.get(page_id)
        if page is None or not self._visible_page(page):
            raise self._wrong_kind(page_id, "page") or _not_found("page", page_id)
        return page

    def _require_database(self, raw: Any, where: str) -> _Database:
        """Return a visible database or raise object_not_found."""
        database_id = _parse_id(raw, where)
        database = self._databases.get(database_id)
        if database is None or not self._shared(database.parent):
            raise self._wrong_kind(database_id, "database") or _not_found("database", database_id)
        return database

    def _require_data_source(self, raw: Any, where: str) -> _DataSource:
        """Return a visible data source or raise object_not_found."""
        data_source_id = _parse_id(raw, where)
        source = self._data_sources.get(data_source_id)
        if source is None or not self._shared(
            {"type": "database_id", "database_id": source.database_id}
        ):
            raise self._wrong_kind(data_source_id, "data_source") or _not_found(
                "data source", data_source_id
            )
        return source

    def _require_view(self, raw: Any, where: str) -> _View:
        """Return a view or raise object_not_found."""
        view_id = _parse_id(raw, where)
        view = self._views.get(view_id)
        if view is None:
            raise _not_found("view", view_id)
        return view

    def _require_container(self, raw: Any, where: str) -> _Page | _Block:
        """Return the visible page or block that holds children."""
        object_id = _parse_id(raw, where)
        block = self._blocks.get(object_id)
        if block is not None:
            if not self._shared(block.parent):
                raise _not_found("block", object_id)
            return block
        page = self._pages.get(object_id)
        if page is not None and self._visible_page(page):
            return page
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            return self._require_page(object_id, where)  # raises "is a database"
        raise _not_found("block", object_id)

    # -- rendering ----------------------------------------------------------------

    def _schema_of(self, page: _Page) -> dict[str, Json]:
        """Return the property schema that applies to a page."""
        if page.parent["type"] == "data_source_id":
            return self._data_sources[page.parent["data_source_id"]].schema
        return {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}

    def _title_of(self, page: _Page) -> str:
        """Return the plain title of a page."""
        for prop in self._schema_of(page).values():
            if prop["type"] == "title":
                return _plain(page.values.get(prop["id"]) or [])
        return ""

    def _user_json(self, user_id: str) -> Json:
        """Return a full user object when known, else a partial one."""
        return copy.deepcopy(self._users.get(user_id, _partial_user(user_id)))

    @staticmethod
    def _option(prop: Json, option_id: Any) -> Json | None:
        """Return the page-value form of a select or status option."""
        for option in prop[prop["type"]]["options"]:
            if option["id"] == option_id:
                return {"id": option["id"], "name": option["name"], "color": option["color"]}
        return None

    def _render_value(self, page: _Page, prop: Json) -> Json:
        """Return one page property value in API shape."""
        kind, stored = prop["type"], page.values.get(prop["id"])
        out: Json = {"id": prop["id"], "type": kind}
        if kind in ("title", "rich_text"):
            out[kind] = copy.deepcopy(stored or [])
        elif kind in ("number", "url", "email", "phone_number"):
            out[kind] = stored
        elif kind == "checkbox":
            out[kind] = bool(stored)
        elif kind in ("select", "status"):
            out[kind] = self._option(prop, stored)
        elif kind == "multi_select":
            options = [self._option(prop, option_id) for option_id in stored or []]
            out[kind] = [option for option in options if option is not None]
        elif kind == "date":
            out[kind] = copy.deepcopy(stored)
        elif kind == "relation":
            out[kind] = [{"id": related} for related in stored or []]
            out["has_more"] = False
        elif kind == "people":
            out[kind] = [self._user_json(user_id) for user_id in stored or []]
        elif kind == "created_time":
            out[kind] = _iso_z(page.created_time)
        elif kind == "last_edited_time":
            out[kind] = _iso_z(page.last_edited_time)
        elif kind == "created_by":
            out[kind] = _partial_user(page.created_by)
        elif kind == "last_edited_by":
            out[kind] = _partial_user(page.last_edited_by)
        return out

    def _render_page(self, page: _Page, only: set[str] | None = None) -> Json:
        """Return a page object in API shape, optionally with some properties only."""
        properties = {
            prop["name"]: self._render_value(page, prop)
            for prop in self._schema_of(page).values()
            if only is None or prop["id"] in only or prop["name"] in only
        }
        return {
            "object": "page",
            "id": page.id,
            "created_time": _iso_z(page.created_time),
            "last_edited_time": _iso_z(page.last_edited_time),
            "created_by": _partial_user(page.created_by),
            "last_edited_by": _partial_user(page.last_edited_by),
            "cover": copy.deepcopy(page.cover),
            "icon": copy.deepcopy(page.icon),
            "parent": dict(page.parent),
            "archived": page.in_trash,
            "in_trash": page.in_trash,
            "is_archived": False,  # Notion's newer archive (not trash) is not emulated
            "is_locked": page.is_locked,
            "properties": properties,
            "url": _notion_url(self._title_of(page), page.id),
            "public_url": None,
        }

    def _render_block(self, block_id: str) -> Json:
        """Return a block object; pages and databases render as child_page/child_database."""
        block = self._blocks.get(block_id)
        if block is not None:
            meta = block
            kind, payload = block.type, copy.deepcopy(block.payload)
            has_children = any(not self._is_trashed(child) for child in block.children)
        elif block_id in self._pages:
            meta = self._pages[block_id]
            kind, payload = "child_page", {"title": self._title_of(meta)}
            has_children = any(not self._is_trashed(child) for child in meta.children)
        else:
            database = self._databases[block_id]
            block_time = database.created_time
            return {
                "object": "block",
                "id": database.id,
                "parent": dict(database.parent),
                "created_time": _iso_z(block_time),
                "last_edited_time": _iso_z(database.last_edited_time),
                "created_by": _partial_user(self.bot_user_id),
                "last_edited_by": _partial_user(self.bot_user_id),
                "has_children": False,
                "archived": database.in_trash,
                "in_trash": database.in_trash,
                "type": "child_database",
                "child_database": {"title": _plain(database.title)},
            }
        return {
            "object": "block",
            "id": meta.id,
            "parent": dict(meta.parent),
            "created_time": _iso_z(meta.created_time),
            "last_edited_time": _iso_z(meta.last_edited_time),
            "created_by": _partial_user(meta.created_by),
            "last_edited_by": _partial_user(meta.last_edited_by),
            "has_children": has_children,
            "archived": meta.in_trash,
            "in_trash": meta.in_trash,
            "type": kind,
            kind: payload,
        }

    def _render_database(self, database: _Database) -> Json:
        """Return a database object in API shape."""
        return {
            "object": "database",
            "id": database.id,
            "title": copy.deepcopy(database.title),
            "description": copy.deepcopy(database.description),
            "parent": dict(database.parent),
            "is_inline": database.is_inline,
            "in_trash": database.in_trash,
            "is_locked": database.is_locked,
            "created_time": _iso_offset(database.created_time),
            "last_edited_time": _iso_offset(database.last_edited_time),
            "data_sources": [
                {"id": source_id, "name": _plain(self._data_sources[source_id].title)}
                for source_id in database.data_sources
            ],
            "icon": copy.deepcopy(database.icon),
            "cover": copy.deepcopy(database.cover),
            "url": f"https://www.notion.so/{_hex(database.id)}",
            "public_url": None,
            "archived": database.in_trash,
        }

    def _render_data_source(self, source: _DataSource) -> Json:
        """Return a data source object in API shape."""
        database = self._databases[source.database_id]
        return {
            "object": "data_source",
            "id": source.id,
            "cover": copy.deepcopy(source.cover),
            "icon": copy.deepcopy(source.icon),
            "created_time": _iso_z(source.created_time),
            "created_by": _partial_user(source.created_by),
            "last_edited_by": _partial_user(source.last_edited_by),
            "last_edited_time": _iso_z(source.last_edited_time),
            "title": copy.deepcopy(source.title),
            "description": copy.deepcopy(source.description),
            "is_inline": database.is_inline,
            "properties": {prop["name"]: copy.deepcopy(prop) for prop in source.schema.values()},
            "parent": {"type": "database_id", "database_id": database.id},
            "database_parent": dict(database.parent),
            "url": f"https://www.notion.so/{_hex(database.id)}",
            "public_url": None,
            "archived": source.in_trash,
            "in_trash": source.in_trash,
        }

    def _render_view(self, view: _View) -> Json:
        """Return a view object in API shape."""
        return {
            "object": "view",
            "id": view.id,
            "parent": {"type": "database_id", "database_id": view.database_id},
            "data_source_id": view.data_source_id,
            "name": view.name,
            "type": view.type,
            "created_time": _iso_offset(view.created_time),
            "created_by": _partial_user(view.created_by),
            "last_edited_time": _iso_offset(view.last_edited_time),
            "last_edited_by": _partial_user(view.last_edited_by),
            "url": f"https://www.notion.so/{_hex(view.database_id)}?v={_hex(view.id)}",
            "filter": copy.deepcopy(view.filter),
            "sorts": copy.deepcopy(view.sorts),
            "quick_filters": copy.deepcopy(view.quick_filters),
            "configuration": copy.deepcopy(view.configuration),
        }

    # -- property values --------------------------------------------------------------

    def _prepare_write(self, page: _Page, properties: Any, where: str) -> Callable[[], None]:
        """Validate property values for a page; return the function that stores them."""
        source = (
            self._data_sources[page.parent["data_source_id"]]
            if page.parent["type"] == "data_source_id"
            else None
        )
        schema = copy.deepcopy(self._schema_of(page))
        values = self._normalize_values(schema, properties, where)

        def store() -> None:
            page.values.update(values)
            if source is not None:
                source.schema = schema  # with the options this write added

        return store

    def _normalize_values(self, schema: dict[str, Json], properties: Any, where: str) -> Json:
        """Validate request property values; return stored values keyed by property id."""
        if properties is None:
            return {}
        out: Json = {}
        for key, value in _require_dict(properties, where).items():
            prop = _prop_by_key(schema, key)
            if prop is None:
                raise _invalid(f"{key} is not a property that exists.")
            out[prop["id"]] = self._normalize_value(prop, value, f"{where}.{key}")
        return out

    def _normalize_value(self, prop: Json, value: Any, where: str) -> Any:
        """Validate one property value in request shape; return its stored form."""
        kind, name = prop["type"], prop["name"]
        if kind in _COMPUTED_TYPES:
            raise _invalid(f"{name} is a {kind} property, which cannot be written.")
        if isinstance(value, list) and kind in _LIST_VALUE_TYPES:
            raw = value
        elif isinstance(value, dict) and kind in value and value.get("type", kind) == kind:
            raw, where = value[kind], f"{where}.{kind}"
        else:
            raise _invalid(f"{name} is expected to be {kind}.")
        if kind in ("title", "rich_text"):
            return _rich_text(raw, where)
        if kind == "number":
            if raw is None or (
                isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)
            ):
                return raw
            raise _schema_error(where, "should be a number or `null`", raw)
        if kind == "checkbox":
            if not isinstance(raw, bool):
                raise _schema_error(where, "should be a boolean", raw)
            return raw
        if kind in ("url", "email", "phone_number"):
            if raw is not None and not isinstance(raw, str):
                raise _schema_error(where, "should be a string or `null`", raw)
            if raw is not None and len(raw) > MAX_URL_LENGTH:
                raise _too_long(where, MAX_URL_LENGTH, len(raw))
            return raw
        if kind in ("select", "status"):
            return None if raw is None else self._option_id(prop, raw, where)
        if kind == "multi_select":
            ids: list[str] = []
            for index, item in enumerate(_require_list(raw, where)):
                option_id = self._option_id(prop, item, f"{where}[{index}]")
                if option_id not in ids:
                    ids.append(option_id)
            return ids
        if kind == "date":
            if raw is None:
                return None
            when = _require_dict(raw, where)
            start = when.get("start", _UNDEFINED)
            _parse_when(start, f"{where}.start")
            end = when.get("end")
            if end is not None:
                _parse_when(end, f"{where}.end")
            time_zone = when.get("time_zone")
            if time_zone is not None and not isinstance(time_zone, str):
                raise _schema_error(f"{where}.time_zone", "should be a string", time_zone)
            return {"start": start, "end": end, "time_zone": time_zone}
        # relation and people: arrays of {"id": ...}
        ids = []
        for index, item in enumerate(_require_list(raw, where)):
            related = _require_dict(item, f"{where}[{index}]").get("id", _UNDEFINED)
            related_id = _parse_id(related, f"{where}[{index}].id")
            if related_id not in ids:
                ids.append(related_id)
        return ids

    def _option_id(self, prop: Json, raw: Any, where: str) -> str:
        """Resolve a select/status option by id or name; new select names are added."""
        kind = prop["type"]
        given = _require_dict(raw, where)
        options = prop[kind]["options"]
        if given.get("id") is not None:
            for option in options:
                if option["id"] == given["id"]:
                    return str(option["id"])
            raise _invalid(f"Invalid {kind} option id for {prop['name']}: {given['id']}")
        name = _check_option_name(given.get("name", _UNDEFINED), f"{where}.name")
        for option in options:
            if option["name"] == name:
                return str(option["id"])
        if kind == "status":
            raise _invalid(f'Invalid status option. Status option "{name}" does not exist.')
        color = given.get("color") or _COLORS[(len(options) + 1) % len(_COLORS)]
        option = {"id": str(uuid.uuid4()), "name": name, "color": color, "description": None}
        options.append(option)  # Notion adds unknown option names to the schema
        return str(option["id"])

    # -- schemas --------------------------------------------------------------------

    def _build_schema(
        self, properties: Any, where: str, current: dict[str, Json] | None = None
    ) -> dict[str, Json]:
        """Apply a create/update ``properties`` request to a schema; return the new schema."""
        schema = copy.deepcopy(current) if current else {}
        for key, raw in _require_dict(properties, where).items():
            path = f"{where}.{key}"
            existing = _prop_by_key(schema, key)
            if raw is None:
                if existing is None:
                    raise _invalid(f"{key} is not a property that exists.")
                if existing["type"] == "title":
                    raise _invalid("The title property of a data source cannot be deleted.")
                del schema[existing["id"]]
                continue
            prop = self._schema_prop(key, raw, path, existing, set(schema))
            if existing is not None and existing["type"] == "title" and prop["type"] != "title":
                raise _invalid("The title property cannot change type.")
            if existing is None:
                schema[prop["id"]] = prop
            else:
                schema[existing["id"]] = prop
        names = [prop["name"] for prop in schema.values()]
        for name in names:
            if names.count(name) > 1:
                raise _invalid(f"Property name {name} is used more than once.")
        if sum(1 for prop in schema.values() if prop["type"] == "title") != 1:
            raise _invalid("A data source must have exactly one title property.")
        return schema

    def _schema_prop(
        self, key: str, raw: Any, path: str, existing: Json | None, taken: set[str]
    ) -> Json:
        """Return one schema entry built from a request (new property or change)."""
        given = _require_dict(raw, path)
        name = given.get("name", existing["name"] if existing else key)
        if not isinstance(name, str) or not name:
            raise _schema_error(f"{path}.name", "should be a non-empty string", name)
        declared = [k for k in given if k in _SCHEMA_TYPES or k in _UNSUPPORTED_TYPES]
        kind = given.get("type") or (declared[0] if declared else None)
        if kind is None and existing is not None:
            kind = existing["type"]
        if kind in _UNSUPPORTED_TYPES:
            raise _invalid(
                f"{name}: {kind} properties are not supported by the journeybot Notion emulator."
            )
        if kind not in _SCHEMA_TYPES:
            raise _schema_error(f"{path}.type", "should be a supported property type", kind)
        same = existing if existing is not None and existing["type"] == kind else None
        config = given.get(kind)
        if config is None:
            config = same[kind] if same else {}
        if same is not None:
            prop_id = same["id"]
        elif existing is not None and existing["type"] != "title":
            prop_id = existing["id"]
        elif kind == "title":
            if "title" in taken:
                raise _invalid("A data source must have exactly one title property.")
            prop_id = "title"
        else:
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            prop_id = "".join(secrets.choice(alphabet) for _ in range(4))
            while prop_id in taken or prop_id == "title":
                prop_id = "".join(secrets.choice(alphabet) for _ in range(4))
        description = given.get("description", existing.get("description") if existing else None)
        return {
            "id": prop_id,
            "name": name,
            "description": description,
            "type": kind,
            kind: self._schema_config(kind, config, f"{path}.{kind}", same),
        }

    def _schema_config(self, kind: str, raw: Any, path: str, same: Json | None) -> Json:
        """Return the type-specific configuration of a schema entry."""
        config = _require_dict(raw, path)
        previous = same[kind] if same else {}
        if kind == "number":
            return {"format": config.get("format", previous.get("format", "number"))}
        if kind in ("select", "multi_select", "status"):
            options = self._schema_options(
                config.get("options"), f"{path}.options", previous.get("options", []), kind
            )
            if kind != "status":
                return {"options": options}
            return {"options": options, "groups": self._status_groups(options, previous)}
        if kind == "relation":
            target = self._require_data_source(
                config.get("data_source_id", previous.get("data_source_id", _UNDEFINED)),
                f"{path}.data_source_id",
            )
            mode = config.get("type") or (
                "dual_property" if "dual_property" in config else "single_property"
            )
            if mode not in ("single_property", "dual_property"):
                raise _schema_error(f"{path}.type", "should be `single_property`", mode)
            return {
                "data_source_id": target.id,
                "database_id": target.database_id,
                "type": mode,
                mode: {},
            }
        return {}

    @staticmethod
    def _schema_options(raw: Any, path: str, previous: list[Json], kind: str) -> list[Json]:
        """Normalize select/status options, keeping ids and colors of known ones."""
        if raw is None:
            if previous or kind != "status":
                return copy.deepcopy(previous)
            raw = [
                {"name": "Not started", "color": "default"},
                {"name": "In progress", "color": "blue"},
                {"name": "Done", "color": "green"},
            ]
        options: list[Json] = []
        for index, item in enumerate(_require_list(raw, path, limit=1000)):
            where = f"{path}[{index}]"
            given = _require_dict(item, where)
            match = next(
                (
                    option
                    for option in previous
                    if option["id"] == given.get("id") or option["name"] == given.get("name")
                ),
                None,
            )
            name = given.get("name", match["name"] if match else _UNDEFINED)
            name = _check_option_name(name, f"{where}.name")
            if any(option["name"] == name for option in options):
                raise _invalid(f"Option name {name} is used more than once.")
            color = given.get("color") or (match["color"] if match else _COLORS[index % 10])
            if color not in _COLORS:
                raise _schema_error(f"{where}.color", "should be a Notion color", color)
            options.append(
                {
                    "id": match["id"] if match else str(uuid.uuid4()),
                    "name": name,
                    "color": color,
                    "description": given.get(
                        "description", match.get("description") if match else None
                    ),
                }
            )
        return options

    @staticmethod
    def _status_groups(options: list[Json], previous: Json) -> list[Json]:
        """Return status groups: known options keep their group, new ones join To-do."""
        groups = copy.deepcopy(previous.get("groups")) or [
            {"id": str(uuid.uuid4()), "name": name, "color": color, "option_ids": []}
            for name, color in (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))
        ]
        ids = [option["id"] for option in options]
        placed = {option_id for group in groups for option_id in group["option_ids"]}
        for group in groups:
            group["option_ids"] = [
                option_id for option_id in group["option_ids"] if option_id in ids
            ]
        if not previous.get("groups") and len(options) == 3:
            # The default options go one per group, as in a new Notion status property.
            for group, option in zip(groups, options, strict=True):
                group["option_ids"] = [option["id"]]
            return groups
        groups[0]["option_ids"] += [option_id for option_id in ids if option_id not in placed]
        return groups

    # -- blocks --------------------------------------------------------------------

    def _parse_blocks(self, raw: Any, where: str, depth: int, counter: list[int]) -> list[Json]:
        """Validate a children array; return ``{type, payload, children}`` trees."""
        trees = []
        for index, item in enumerate(_require_list(raw, where)):
            path = f"{where}[{index}]"
            counter[0] += 1
            if counter[0] > MAX_BLOCKS_PER_REQUEST:
                raise _invalid(
                    f"A request may create at most {MAX_BLOCKS_PER_REQUEST} blocks in total."
                )
            kind, payload = self._block_payload(_require_dict(item, path), path, None)
            children_raw = payload.pop("children", None)
            children: list[Json] = []
            if children_raw is not None:
                if depth >= MAX_BLOCK_DEPTH:
                    raise _schema_error(
                        f"{path}.{kind}.children", "should be not present", children_raw
                    )
                children = self._parse_blocks(
                    children_raw, f"{path}.{kind}.children", depth + 1, counter
                )
            trees.append({"type": kind, "payload": payload, "children": children})
        return trees

    def _block_payload(self, item: Json, path: str, current: _Block | None) -> tuple[str, Json]:
        """Return a block's type and normalized payload from a request object."""
        candidates = [key for key in item if key not in _BLOCK_META_KEYS]
        kind = item.get("type") or (candidates[0] if len(candidates) == 1 else None)
        if current is not None:
            if kind is None:
                return current.type, copy.deepcopy(current.payload)
            if kind != current.type:
                raise _invalid(
                    f"Block type {kind} does not match the existing block type {current.type}."
                )
        if kind is None:
            raise _schema_error(path, "should define exactly one block type", item)
        if kind not in _TEXT_BLOCKS and kind not in _OTHER_BLOCKS:
            raise _invalid(
                f"{path}: block type `{kind}` is not supported by the journeybot Notion emulator."
            )
        given = _require_dict(item.get(kind, {}), f"{path}.{kind}")
        defaults = _TEXT_BLOCKS.get(kind, _OTHER_BLOCKS.get(kind, {}))
        base = copy.deepcopy(current.payload) if current else copy.deepcopy(defaults)
        payload = {**base, **copy.deepcopy(given)}
        if kind in _TEXT_BLOCKS:
            if current is None and "rich_text" not in given:
                raise _schema_error(f"{path}.{kind}.rich_text", "should be defined", _UNDEFINED)
            payload["rich_text"] = _rich_text(payload.get("rich_text"), f"{path}.{kind}.rich_text")
        if "caption" in payload:
            payload["caption"] = _rich_text(payload["caption"], f"{path}.{kind}.caption")
        if kind == "table_row":
            payload["cells"] = [
                _rich_text(cell, f"{path}.{kind}.cells[{index}]")
                for index, cell in enumerate(
                    _require_list(payload.get("cells", []), f"{path}.{kind}.cells")
                )
            ]
        if kind == "to_do" and not isinstance(payload.get("checked"), bool):
            raise _schema_error(
                f"{path}.{kind}.checked", "should be a boolean", payload.get("checked")
            )
        return kind, payload

    def _insert_blocks(
        self, container: _Page | _Block, trees: list[Json], position: int | None = None
    ) -> list[str]:
        """Create block trees under a page or block; return the new top-level ids."""
        now = self._now()
        parent = (
            {"type": "page_id", "page_id": container.id}
            if isinstance(container, _Page)
            else {"type": "block_id", "block_id": container.id}
        )
        ids = []
        for tree in trees:
            block = _Block(
                id=str(uuid.uuid4()),
                parent=parent,
                type=tree["type"],
                payload=tree["payload"],
                created_time=now,
                last_edited_time=now,
                created_by=self.bot_user_id,
                last_edited_by=self.bot_user_id,
            )
            self._blocks[block.id] = block
            self._insert_blocks(block, tree["children"])
            ids.append(block.id)
        if position is None:
            container.children.extend(ids)
        else:
            container.children[position:position] = ids
        return ids

    # -- endpoints: users -------------------------------------------------------------

    def _get_me(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users/me: the bot user."""
        return self._user_json(self.bot_user_id)

    def _list_users(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users: the workspace members and the bot."""
        users = list(self._users.values())
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        chunk, cursor = self._paginate(
            "users",
            users,
            lambda user: str(user["id"]),
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response(copy.deepcopy(chunk), cursor, "user")

    def _get_user(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users/{id}."""
        user_id = _parse_id(params["user_id"], "path.user_id")
        if user_id not in self._users:
            raise _not_found("user", user_id)
        return self._user_json(user_id)

    # -- endpoints: pages -----------------------------------------------------------------

    def _create_page(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/pages: a page under a page, a data source or a one-source database."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        source: _DataSource | None = None
        parent_page: _Page | None = None
        if "data_source_id" in parent_raw:
            source = self._require_data_source(
                parent_raw["data_source_id"], "body.parent.data_source_id"
            )
        elif "database_id" in parent_raw:
            database = self._require_database(parent_raw["database_id"], "body.parent.database_id")
            if len(database.data_sources) != 1:
                raise _invalid(
                    f"Database {database.id} has {len(database.data_sources)} data sources; "
                    "use a data_source_id parent."
                )
            source = self._data_sources[database.data_sources[0]]
        elif "page_id" in parent_raw:
            parent_page = self._require_page(parent_raw["page_id"], "body.parent.page_id")
            if parent_page.in_trash:
                raise _invalid(_ARCHIVED_PAGE)
        else:
            raise _schema_error(
                "body.parent", "should have a page_id, data_source_id or database_id", parent_raw
            )
        if source is not None:
            schema = copy.deepcopy(source.schema)
            parent = {
                "type": "data_source_id",
                "data_source_id": source.id,
                "database_id": source.database_id,
            }
        else:
            assert parent_page is not None
            schema = {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}
            parent = {"type": "page_id", "page_id": parent_page.id}
        values = self._normalize_values(schema, body.get("properties"), "body.properties")
        for prop in schema.values():  # a new page starts in the first status option
            if prop["type"] == "status" and prop["id"] not in values and prop["status"]["options"]:
                values[prop["id"]] = prop["status"]["options"][0]["id"]
        trees = []
        if body.get("children") is not None:
            trees = self._parse_blocks(body["children"], "body.children", 1, [0])
        for unsupported in ("markdown", "content", "template"):
            if body.get(unsupported) is not None:
                raise _invalid(
                    f"body.{unsupported} is not supported by the journeybot Notion emulator."
                )
        icon = _optional_icon(body.get("icon"), "body.icon")
        cover = _optional_icon(body.get("cover"), "body.cover")
        now = self._now()
        page = _Page(
            id=str(uuid.uuid4()),
            parent=parent,
            values=values,
            created_time=now,
            last_edited_time=now,
            created_by=self.bot_user_id,
            last_edited_by=self.bot_user_id,
            icon=icon,
            cover=cover,
        )
        self._pages[page.id] = page
        if source is not None:
            source.schema = schema
            source.pages.append(page.id)
        elif parent_page is not None:
            parent_page.children.append(page.id)
        self._insert_blocks(page, trees)
        return self._render_page(page)

    def _get_page(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/pages/{id} (``filter_properties`` narrows the properties)."""
        page = self._require_page(params["page_id"], "path.page_id")
        only = set(query.get("filter_properties", [])) or None
        return self._render_page(page, only)

    def _update_page(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/pages/{id}: properties, icon, cover, trash, lock, erase_content."""
        page = self._require_page(params["page_id"], "path.page_id")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None and not isinstance(trash, bool):
            raise _schema_error("body.in_trash", "should be a boolean", trash)
        if page.in_trash and trash is not False:
            raise _invalid(_ARCHIVED_PAGE)
        # Validate the whole request before changing anything: Notion's updates are atomic.
        store_values = (
            self._prepare_write(page, body["properties"], "body.properties")
            if "properties" in body
            else None
        )
        changes: Json = {}
        for name in ("icon", "cover"):
            if name in body:
                changes[name] = _optional_icon(body[name], f"body.{name}")
        if "is_locked" in body:
            if not isinstance(body["is_locked"], bool):
                raise _schema_error("body.is_locked", "should be a boolean", body["is_locked"])
            changes["is_locked"] = body["is_locked"]
        if trash is not None:
            changes["in_trash"] = trash
        if store_values is not None:
            store_values()
        for name, value in changes.items():
            setattr(page, name, value)
        if body.get("erase_content"):
            for child_id in page.children:
                if child_id in self._blocks:
                    self._blocks[child_id].in_trash = True
        page.last_edited_time = self._now()
        page.last_edited_by = self.bot_user_id
        return self._render_page(page)

    # -- endpoints: databases and data sources -----------------------------------------------

    def _create_database(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/databases: a database with its initial data source and default view."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        if "page_id" not in parent_raw:
            raise _schema_error("body.parent", "should have a page_id", parent_raw)
        parent_page = self._require_page(parent_raw["page_id"], "body.parent.page_id")
        title = _rich_text(body.get("title", []), "body.title")
        description = _rich_text(body.get("description", []), "body.description")
        is_inline = body.get("is_inline", False)
        if not isinstance(is_inline, bool):
            raise _schema_error("body.is_inline", "should be a boolean", is_inline)
        initial = _require_dict(body.get("initial_data_source", {}), "body.initial_data_source")
        properties = initial.get("properties", {"Name": {"title": {}}})
        schema = self._build_schema(properties, "body.initial_data_source.properties")
        source_title = _rich_text(
            initial.get("title", body.get("title", [])), "body.initial_data_source.title"
        )
        now = self._now()
        database = _Database(
            id=str(uuid.uuid4()),
            parent={"type": "page_id", "page_id": parent_page.id},
            title=title,
            description=description,
            is_inline=is_inline,
            created_time=now,
            last_edited_time=now,
            icon=_optional_icon(body.get("icon"), "body.icon"),
            cover=_optional_icon(body.get("cover"), "body.cover"),
        )
        self._databases[database.id] = database
        parent_page.children.append(database.id)
        self._add_data_source(database, source_title, schema, None)
        return self._render_database(database)

    def _add_data_source(
        self, database: _Database, title: list[Json], schema: dict[str, Json], icon: Json | None
    ) -> _DataSource:
        """Create a data source in a database, with a default table view."""
        now = self._now()
        source = _DataSource(
            id=str(uuid.uuid4()),
            database_id=database.id,
            title=title,
            description=[],
            schema=schema,
            created_time=now,
            last_edited_time=now,
            created_by=self.bot_user_id,
            last_edited_by=self.bot_user_id,
            icon=icon,
        )
        self._data_sources[source.id] = source
        database.data_sources.append(source.id)
        view = _View(
            id=str(uuid.uuid4()),
            database_id=database.id,
            data_source_id=source.id,
            name="Default view",
            type="table",
            filter=None,
            sorts=None,
            quick_filters=None,
            configuration={"type": "table"},
            created_time=now,
            last_edited_time=now,
            created_by=self.bot_user_id,
            last_edited_by=self.bot_user_id,
        )
        self._views[view.id] = view
        return source

    def _get_database(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/databases/{id}."""
        return self._render_database(
            self._require_database(params["database_id"], "path.database_id")
        )

    def _update_database(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/databases/{id}: title, description, icon, cover, inline, trash, lock."""
        database = self._require_database(params["database_id"], "path.database_id")
        # Validate the whole request before changing anything: Notion's updates are atomic.
        changes: Json = {}
        for name in ("title", "description"):
            if name in body:
                changes[name] = _rich_text(body[name], f"body.{name}")
        for name in ("icon", "cover"):
            if name in body:
                changes[name] = _optional_icon(body[name], f"body.{name}")
        for flag in ("is_inline", "in_trash", "is_locked"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise _schema_error(f"body.{flag}", "should be a boolean", body[flag])
                changes[flag] = body[flag]
        new_parent = None
        if "parent" in body:
            parent_raw = _require_dict(body["parent"], "body.parent")
            new_parent = self._require_page(
                parent_raw.get("page_id", _UNDEFINED), "body.parent.page_id"
            )
        for name, value in changes.items():
            setattr(database, name, value)
        if new_parent is not None:
            old = self._pages.get(database.parent.get("page_id", ""))
            if old is not None and database.id in old.children:
                old.children.remove(database.id)
            new_parent.children.append(database.id)
            database.parent = {"type": "page_id", "page_id": new_parent.id}
        database.last_edited_time = self._now()
        return self._render_database(database)

    def _create_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/data_sources: add a data source to a database."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        database = self._require_database(
            parent_raw.get("database_id", _UNDEFINED), "body.parent.database_id"
        )
        schema = self._build_schema(body.get("properties", _UNDEFINED), "body.properties")
        title = _rich_text(body.get("title", []), "body.title")
        source = self._add_data_source(
            database, title, schema, _optional_icon(body.get("icon"), "body.icon")
        )
        return self._render_data_source(source)

    def _get_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/data_sources/{id}."""
        return self._render_data_source(
            self._require_data_source(params["data_source_id"], "path.data_source_id")
        )

    def _update_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/data_sources/{id}: title, icon, schema changes, trash."""
        source = self._require_data_source(params["data_source_id"], "path.data_source_id")
        # Validate the whole request before changing anything: Notion's updates are atomic.
        changes: Json = {}
        if "properties" in body:
            changes["schema"] = self._build_schema(
                body["properties"], "body.properties", source.schema
            )
        if "title" in body:
            changes["title"] = _rich_text(body["title"], "body.title")
        if "icon" in body:
            changes["icon"] = _optional_icon(body["icon"], "body.icon")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None:
            if not isinstance(trash, bool):
                raise _schema_error("body.in_trash", "should be a boolean", trash)
            changes["in_trash"] = trash
        if "schema" in changes:
            # Values of deleted properties and of properties that changed type are dropped.
            old_types = {pid: prop["type"] for pid, prop in source.schema.items()}
            kept = {
                pid
                for pid, prop in changes["schema"].items()
                if old_types.get(pid) in (None, prop["type"])
            }
            for page_id in source.pages:
                values = self._pages[page_id].values
                for pid in [pid for pid in values if pid not in kept]:
                    del values[pid]
        for name, value in changes.items():
            setattr(source, name, value)
        source.last_edited_time = self._now()
        source.last_edited_by = self.bot_user_id
        return self._render_data_source(source)

    def _query_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/data_sources/{id}/query: filter, sort and paginate the rows."""
        source = self._require_data_source(params["data_source_id"], "path.data_source_id")
        size = _page_size(body.get("page_size"), "body.page_size")
        matches = self._select_pages(source, body.get("filter"), body.get("sorts"), "body")
        chunk, cursor = self._paginate(
            f"query:{source.id}",
            matches,
            lambda page: page.id,
            body.get("start_cursor"),
            size,
            "body.start_cursor",
        )
        only = set(query.get("filter_properties", [])) or None
        return _list_response(
            [self._render_page(page, only) for page in chunk], cursor, "page_or_data_source"
        )

    def _select_pages(self, source: _DataSource, flt: Any, sorts: Any, where: str) -> list[_Page]:
        """Return the live rows of a data source that pass a filter, in sort order."""
        predicate = (
            self._compile_filter(source, flt, f"{where}.filter", 0) if flt is not None else None
        )
        keys = self._compile_sorts(source, sorts, f"{where}.sorts") if sorts else []
        pages = [
            self._pages[page_id] for page_id in source.pages if not self._pages[page_id].in_trash
        ]
        if predicate is not None:
            pages = [page for page in pages if predicate(page)]
        for key, descending in reversed(keys):
            present = [page for page in pages if key(page) is not None]
            missing = [page for page in pages if key(page) is None]
            pages = sorted(present, key=key, reverse=descending) + missing
        return pages

    # -- filters and sorts --------------------------------------------------------------

    def _compile_filter(
        self, source: _DataSource, raw: Any, where: str, depth: int
    ) -> Callable[[_Page], bool]:
        """Validate a query filter and return a predicate over pages."""
        flt = _require_dict(raw, where)
        for compound in ("and", "or"):
            if compound in flt:
                if depth >= MAX_FILTER_DEPTH:
                    raise _invalid(
                        f"{where}: compound filters can be nested at most "
                        f"{MAX_FILTER_DEPTH} levels deep."
                    )
                parts = [
                    self._compile_filter(source, item, f"{where}.{compound}[{index}]", depth + 1)
                    for index, item in enumerate(
                        _require_list(flt[compound], f"{where}.{compound}")
                    )
                ]
                if compound == "and":
                    return lambda page: all(part(page) for part in parts)
                return lambda page: any(part(page) for part in parts)
        if "timestamp" in flt:
            stamp = flt["timestamp"]
            if stamp not in ("created_time", "last_edited_time"):
                raise _schema_error(
                    f"{where}.timestamp", "should be `created_time` or `last_edited_time`", stamp
                )
            condition = _require_dict(flt.get(stamp, _UNDEFINED), f"{where}.{stamp}")
            test = self._date_test(condition, f"{where}.{stamp}")
            return lambda page: test(getattr(page, stamp))
        if "property" not in flt:
            raise _schema_error(where, "should have a property, timestamp, and or or", flt)
        prop = _prop_by_key(source.schema, flt["property"])
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {flt['property']}")
        kinds = [key for key in flt if key != "property"]
        if len(kinds) != 1:
            raise _schema_error(where, "should have exactly one condition", flt)
        kind = kinds[0]
        condition = _require_dict(flt[kind], f"{where}.{kind}")
        allowed = {prop["type"]} | (
            {"rich_text", "title"} if prop["type"] in _TEXT_TYPES else set()
        )
        if prop["type"] in ("created_time", "last_edited_time"):
            allowed |= {"date", prop["type"]}
        if prop["type"] in ("created_by", "last_edited_by"):
            allowed |= {"people"}
        if kind not in allowed:
            raise _invalid(
                f"{where}: a {kind} filter does not apply to {prop['name']}, "
                f"a {prop['type']} property."
            )
        value_of = self._filter_value_getter(prop)
        test = self._condition_test(prop["type"], condition, f"{where}.{kind}")
        return lambda page: test(value_of(page))

    def _filter_value_getter(self, prop: Json) -> Callable[[_Page], Any]:
        """Return a function giving the comparable value of a property on a page."""
        kind, pid = prop["type"], prop["id"]
        if kind in ("title", "rich_text"):
            return lambda page: _plain(page.values.get(pid) or [])
        if kind in ("select", "status"):
            return lambda page: (self._option(prop, page.values.get(pid)) or {}).get("name")
        if kind == "multi_select":
            return lambda page: [
                option["name"]
                for option_id in page.values.get(pid) or []
                if (option := self._option(prop, option_id)) is not None
            ]
        if kind == "date":
            return lambda page: (
                _parse_when(page.values[pid]["start"], "date") if page.values.get(pid) else None
            )
        if kind in ("created_time", "last_edited_time", "created_by", "last_edited_by"):
            return lambda page: getattr(page, kind)
        if kind == "checkbox":
            return lambda page: bool(page.values.get(pid))
        return lambda page: page.values.get(pid)

    def _condition_test(self, kind: str, condition: Json, where: str) -> Callable[[Any], bool]:
        """Return a test for one property condition, checking it against the type."""
        if len(condition) != 1:
            raise _schema_error(where, "should have exactly one operator", condition)
        operator, operand = next(iter(condition.items()))
        if operator in ("is_empty", "is_not_empty"):
            if operand is not True:
                raise _schema_error(f"{where}.{operator}", "should be `true`", operand)
            empty = operator == "is_empty"
            return lambda value: (value in (None, "", [])) == empty
        if kind in ("date", "created_time", "last_edited_time"):
            return self._date_test(condition, where)
        if kind in _TEXT_TYPES:
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            needle = operand.casefold()
            tests: dict[str, Callable[[Any], bool]] = {
                "equals": lambda value: value == operand,
                "does_not_equal": lambda value: value != operand,
                "contains": lambda value: needle in (value or "").casefold(),
                "does_not_contain": lambda value: needle not in (value or "").casefold(),
                "starts_with": lambda value: (value or "").casefold().startswith(needle),
                "ends_with": lambda value: (value or "").casefold().endswith(needle),
            }
        elif kind == "number":
            if not isinstance(operand, int | float) or isinstance(operand, bool):
                raise _schema_error(f"{where}.{operator}", "should be a number", operand)
            tests = {
                "equals": lambda value: value is not None and value == operand,
                "does_not_equal": lambda value: value != operand,
                "greater_than": lambda value: value is not None and value > operand,
                "less_than": lambda value: value is not None and value < operand,
                "greater_than_or_equal_to": lambda value: value is not None and value >= operand,
                "less_than_or_equal_to": lambda value: value is not None and value <= operand,
            }
        elif kind in ("select", "status"):
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            tests = {
                "equals": lambda value: value == operand,
                "does_not_equal": lambda value: value != operand,
            }
        elif kind == "checkbox":
            if not isinstance(operand, bool):
                raise _schema_error(f"{where}.{operator}", "should be a boolean", operand)
            tests = {
                "equals": lambda value: value is operand,
                "does_not_equal": lambda value: value is not operand,
            }
        else:  # multi_select, relation, people, created_by, last_edited_by
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            if kind != "multi_select":
                operand = _parse_id(operand, f"{where}.{operator}")

            def as_list(value: Any) -> list[Any]:
                return value if isinstance(value, list) else [value]

            tests = {
                "contains": lambda value: operand in as_list(value),
                "does_not_contain": lambda value: operand not in as_list(value),
            }
        if operator not in tests:
            raise _invalid(
                f"{where}.{operator} is not a {kind} filter the journeybot Notion emulator "
                "supports."
            )
        return tests[operator]

    @staticmethod
    def _date_test(condition: Json, where: str) -> Callable[[Any], bool]:
        """Return a test for a date condition; a bare date compares whole days (UTC)."""
        if len(condition) != 1:
            raise _schema_error(where, "should have exactly one operator", condition)
        operator, operand = next(iter(condition.items()))
        if operator in ("is_empty", "is_not_empty"):
            empty = operator == "is_empty"
            return lambda value: (value is None) == empty
        comparisons: dict[str, Callable[[Any, Any], bool]] = {
            "equals": lambda a, b: a == b,
            "before": lambda a, b: a < b,
            "after": lambda a, b: a > b,
            "on_or_before": lambda a, b: a <= b,
            "on_or_after": lambda a, b: a >= b,
        }
        if operator not in comparisons:
            raise _invalid(
                f"{where}.{operator} is not a date filter the journeybot Notion emulator supports."
            )
        bound = _parse_when(operand, f"{where}.{operator}")
        compare = comparisons[operator]
        whole_days = not isinstance(bound, datetime)

        def test(value: Any) -> bool:
            if value is None:
                return False
            moment = _as_moment(value)
            if whole_days:
                return compare(moment.date(), bound)
            return compare(moment, _as_moment(bound))

        return test

    def _compile_sorts(
        self, source: _DataSource, raw: Any, where: str
    ) -> list[tuple[Callable[[_Page], Any], bool]]:
        """Validate sorts; return (key, descending) pairs, most significant first."""
        keys = []
        for index, item in enumerate(_require_list(raw, where)):
            path = f"{where}[{index}]"
            sort = _require_dict(item, path)
            direction = sort.get("direction", "ascending")
            if direction not in ("ascending", "descending"):
                raise _schema_error(
                    f"{path}.direction", "should be `ascending` or `descending`", direction
                )
            if "timestamp" in sort:
                stamp = sort["timestamp"]
                if stamp not in ("created_time", "last_edited_time"):
                    raise _schema_error(
                        f"{path}.timestamp", "should be `created_time` or `last_edited_time`", stamp
                    )
                keys.append(
                    (lambda page, stamp=stamp: getattr(page, stamp), direction == "descending")
                )
                continue
            prop = _prop_by_key(source.schema, sort.get("property"))
            if prop is None:
                raise _invalid(
                    f"Could not find sort property with name or id: {sort.get('property')}"
                )
            keys.append((self._sort_key(prop), direction == "descending"))
        return keys

    def _sort_key(self, prop: Json) -> Callable[[_Page], Any]:
        """Return a sort key for a property; None means empty (sorted last)."""
        kind, pid = prop["type"], prop["id"]
        if kind in ("select", "status", "multi_select"):
            order = {option["id"]: index for index, option in enumerate(prop[kind]["options"])}

            def option_rank(page: _Page) -> Any:
                stored = page.values.get(pid)
                first = stored[0] if isinstance(stored, list) and stored else stored
                return order.get(first) if first is not None else None

            return option_rank
        if kind in ("title", "rich_text"):
            return lambda page: _plain(page.values.get(pid) or []).casefold() or None
        if kind == "date":
            return lambda page: (
                _as_moment(_parse_when(page.values[pid]["start"], "date"))
                if page.values.get(pid)
                else None
            )
        if kind in ("created_time", "last_edited_time", "created_by", "last_edited_by"):
            return lambda page: getattr(page, kind)
        if kind == "checkbox":
            return lambda page: bool(page.values.get(pid))
        if kind in ("relation", "people"):
            return lambda page: len(page.values.get(pid) or []) or None
        return lambda page: page.values.get(pid)

    # -- endpoints: blocks ---------------------------------------------------------------

    def _get_block(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/blocks/{id} (pages and databases answer as child blocks)."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            return self._render_block(object_id)
        return self._render_block(self._require_container(object_id, "path.block_id").id)

    def _update_block(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/blocks/{id}: new content for the block's type, or trash/restore."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None and not isinstance(trash, bool):
            raise _schema_error("body.in_trash", "should be a boolean", trash)
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            database = self._databases[object_id]
            if trash is not None:
                database.in_trash = trash
            return self._render_block(object_id)
        target = self._require_container(object_id, "path.block_id")
        if target.in_trash and trash is not False:
            raise _invalid(_ARCHIVED_BLOCK)
        if isinstance(target, _Block):
            content = {
                key: value for key, value in body.items() if key not in ("archived", "in_trash")
            }
            if content:
                target.type, target.payload = self._block_payload(content, "body", target)
        if trash is not None:
            target.in_trash = trash
        target.last_edited_time = self._now()
        target.last_edited_by = self.bot_user_id
        return self._render_block(target.id)

    def _delete_block(self, params: Json, query: Json, body: Json) -> Json:
        """DELETE /v1/blocks/{id}: move a block, page or database to the trash."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            database = self._databases[object_id]
            if database.in_trash:
                raise _invalid(_ARCHIVED_BLOCK)
            database.in_trash = True
            return self._render_block(object_id)
        target = self._require_container(object_id, "path.block_id")
        if target.in_trash:
            raise _invalid(_ARCHIVED_BLOCK)
        target.in_trash = True
        target.last_edited_time = self._now()
        target.last_edited_by = self.bot_user_id
        return self._render_block(target.id)

    def _list_children(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/blocks/{id}/children: live children, paginated."""
        container = self._require_container(params["block_id"], "path.block_id")
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        live = [child for child in container.children if not self._is_trashed(child)]
        chunk, cursor = self._paginate(
            f"children:{container.id}",
            live,
            lambda child: child,
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response([self._render_block(child) for child in chunk], cursor, "block")

    def _append_children(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/blocks/{id}/children: append up to 100 blocks, optionally after one."""
        container = self._require_container(params["block_id"], "path.block_id")
        if container.in_trash:
            raise _invalid(_ARCHIVED_BLOCK)
        trees = self._parse_blocks(body.get("children", _UNDEFINED), "body.children", 1, [0])
        after = body.get("after")
        position_raw = body.get("position")
        if isinstance(position_raw, dict):
            kind = position_raw.get("type")
            if kind == "start":
                position: int | None = 0
            elif kind == "after_block":
                after = _require_dict(
                    position_raw.get("after_block", _UNDEFINED), "body.position.after_block"
                ).get("id", _UNDEFINED)
                position = None
            else:
                position = None
        else:
            position = None
        if after is not None:
            after_id = _parse_id(after, "body.after")
            if after_id not in container.children:
                raise _invalid(f"Block {after_id} is not a child of {container.id}.")
            position = container.children.index(after_id) + 1
        ids = self._insert_blocks(container, trees, position)
        container.last_edited_time = self._now()
        return _list_response([self._render_block(block_id) for block_id in ids], None, "block")

    # -- endpoints: views ---------------------------------------------------------------

    def _create_view(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/views: a view of one data source."""
        source = self._require_data_source(
            body.get("data_source_id", _UNDEFINED), "body.data_source_id"
        )
        if body.get("database_id") is not None:
            database_id = _parse_id(body["database_id"], "body.database_id")
            if database_id != source.database_id:
                raise _invalid(
                    f"Data source {source.id} does not belong to database {database_id}."
                )
        name = body.get("name", _UNDEFINED)
        if not isinstance(name, str):
            raise _schema_error("body.name", "should be a string", name)
        kind = body.get("type", _UNDEFINED)
        if kind not in _VIEW_TYPES:
            raise _schema_error("body.type", f"should be one of {sorted(_VIEW_TYPES)}", kind)
        now = self._now()
        view = _View(
            id=str(uuid.uuid4()),
            database_id=source.database_id,
            data_source_id=source.id,
            name=name,
            type=kind,
            filter=None,
            sorts=None,
            quick_filters=None,
            configuration={"type": kind},
            created_time=now,
            last_edited_time=now,
            created_by=self.bot_user_id,
            last_edited_by=self.bot_user_id,
        )
        self._apply_view_settings(view, source, body)
        self._views[view.id] = view
        return self._render_view(view)

    def _apply_view_settings(self, view: _View, source: _DataSource, body: Json) -> None:
        """Validate a view's name, filter, sorts, quick filters and configuration, then store."""
        changes: Json = {}
        if "name" in body:
            if not isinstance(body["name"], str):
                raise _schema_error("body.name", "should be a string", body["name"])
            changes["name"] = body["name"]
        if "filter" in body:
            if body["filter"] is not None:
                self._compile_filter(source, body["filter"], "body.filter", 0)
            changes["filter"] = copy.deepcopy(body["filter"])
        if "sorts" in body:
            if body["sorts"]:
                self._compile_sorts(source, body["sorts"], "body.sorts")
            changes["sorts"] = copy.deepcopy(body["sorts"]) or None
        if "quick_filters" in body:
            quick = body["quick_filters"]
            changes["quick_filters"] = (
                None if quick is None else copy.deepcopy(_require_dict(quick, "body.quick_filters"))
            )
        if "configuration" in body or (
            view.type == "board" and "group_by" not in view.configuration
        ):
            changes["configuration"] = self._view_configuration(
                view.type, body.get("configuration"), source, "body.configuration"
            )
        for name, value in changes.items():
            setattr(view, name, value)

    def _view_configuration(self, kind: str, raw: Any, source: _DataSource, where: str) -> Json:
        """Return a view configuration; a board groups by a select-like property."""
        given = _require_dict(raw if raw is not None else {}, where)
        if given.get("type", kind) != kind:
            raise _invalid(f"{where}.type `{given['type']}` does not match the view type `{kind}`.")
        out: Json = {"type": kind}
        for key, value in given.items():
            if key == "type":
                continue
            if key in ("group_by", "sub_group_by"):
                out[key] = self._group_by(value, source, f"{where}.{key}")
            elif key == "properties":
                out[key] = [
                    self._view_property(item, source, f"{where}.properties[{index}]")
                    for index, item in enumerate(_require_list(value, f"{where}.properties"))
                ]
            else:  # layout settings the emulator stores as given
                out[key] = copy.deepcopy(value)
        if kind == "board" and "group_by" not in out:
            prop = next(
                (
                    prop
                    for prop in source.schema.values()
                    if prop["type"] in ("status", "select", "multi_select")
                ),
                None,
            )
            if prop is None:
                raise _invalid(
                    f"{where}.group_by should be defined: a board needs a select or status "
                    "property."
                )
            out["group_by"] = self._group_by(
                {"property_id": prop["id"]}, source, f"{where}.group_by"
            )
        return out

    @staticmethod
    def _group_by(raw: Any, source: _DataSource, where: str) -> Json:
        """Return a group_by configuration bound to a property of the data source."""
        given = _require_dict(raw, where)
        key = given.get("property_id", given.get("property_name"))
        prop = _prop_by_key(source.schema, key)
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {key}")
        expected = _GROUP_TYPES.get(prop["type"])
        kind = given.get("type", expected)
        if expected is None or kind != expected:
            raise _invalid(
                f"{where}.type `{kind}` cannot group {prop['name']}, a {prop['type']} property."
            )
        out: Json = {
            "type": kind,
            "property_id": prop["id"],
            "property_name": prop["name"],
            "sort": copy.deepcopy(given.get("sort", {"type": "manual"})),
        }
        if kind == "status":
            out["group_by"] = given.get("group_by", "group")
        elif kind in ("text", "title", "url", "email", "phone_number"):
            out["group_by"] = given.get("group_by", "exact")
        elif kind in ("date", "created_time", "last_edited_time"):
            out["group_by"] = given.get("group_by", "relative")
        if "hide_empty_groups" in given:
            out["hide_empty_groups"] = bool(given["hide_empty_groups"])
        return out

    @staticmethod
    def _view_property(raw: Any, source: _DataSource, where: str) -> Json:
        """Return a view property setting bound to a property of the data source."""
        given = copy.deepcopy(_require_dict(raw, where))
        key = given.get("property_id", given.get("property_name"))
        prop = _prop_by_key(source.schema, key)
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {key}")
        given.update({"property_id": prop["id"], "property_name": prop["name"]})
        return given

    def _list_views(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/views?database_id=… or ?data_source_id=…: view references."""
        database_raw = _query_param(query, "database_id")
        source_raw = _query_param(query, "data_source_id")
        if database_raw is not None:
            scope = self._require_database(database_raw, "query.database_id").id
            views = [view for view in self._views.values() if view.database_id == scope]
        elif source_raw is not None:
            scope = self._require_data_source(source_raw, "query.data_source_id").id
            views = [view for view in self._views.values() if view.data_source_id == scope]
        else:
            raise _schema_error(
                "query", "should define query.database_id or query.data_source_id", {}
            )
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        chunk, cursor = self._paginate(
            f"views:{scope}",
            views,
            lambda view: view.id,
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response([{"object": "view", "id": view.id} for view in chunk], cursor, "view")

    def _get_view(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/views/{id}."""
        return self._render_view(self._require_view(params["view_id"], "path.view_id"))

    def _update_view(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/views/{id}: name, filter, sorts, quick filters, configuration."""
        view = self._require_view(params["view_id"], "path.view_id")
        self._apply_view_settings(view, self._data_sources[view.data_source_id], body)
        view.last_edited_time = self._now()
        view.last_edited_by = self.bot_user_id
        return self._render_view(view)

    def _delete_view(self, params: Json, query: Json, body: Json) -> Json:
        """DELETE /v1/views/{id}: answers the partial view."""
        view = self._require_view(params["view_id"], "path.view_id")
        del self._views[view.id]
        return {
            "object": "view",
            "id": view.id,
            "parent": {"type": "database_id", "database_id": view.database_id},
            "type": view.type,
        }

    def _create_view_query(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/views/{id}/queries: snapshot the view's rows for paging."""
        view = self._require_view(params["view_id"], "path.view_id")
        size = _page_size(body.get("page_size"), "body.page_size")
        source = self._data_sources[view.data_source_id]
        pages = self._select_pages(source, view.filter, view.sorts, "view")
        snapshot = _ViewQuery(
            id=str(uuid.uuid4()),
            view_id=view.id,
            page_ids=[page.id for page in pages],
            expires_at=self._now() + timedelta(minutes=15),
        )
        self._view_queries[snapshot.id] = snapshot
        chunk, cursor = self._paginate(
            f"view_query:{snapshot.id}", snapshot.page_ids, lambda pid: pid, None, size, "body"
        )
        return {
            "object": "view_query",
            "id": snapshot.id,
            "view_id": view.id,
            "expires_at": _iso_z(snapshot.expires_at),
            "total_count": len(snapshot.page_ids),
            "results": [{"object": "page", "id": page_id} for page_id in chunk],
            "next_cursor": cursor,
            "has_more": cursor is not None,
        }

    def _view_results(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/views/{id}/queries/{query_id}: a page of a view query's rows."""
        snapshot = self._require_view_query(params)
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        chunk, cursor = self._paginate(
            f"view_query:{snapshot.id}",
            snapshot.page_ids,
            lambda pid: pid,
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response(
            [{"object": "page", "id": page_id} for page_id in chunk], cursor, "page"
        )

    def _drop_query(self, params: Json, query: Json, body: Json) -> Json:
        """DELETE /v1/views/{id}/queries/{query_id}."""
        snapshot = self._require_view_query(params)
        del self._view_queries[snapshot.id]
        return {"object": "view_query", "id": snapshot.id, "deleted": True}

    def _require_view_query(self, params: Json) -> _ViewQuery:
        """Return a live view query or raise object_not_found."""
        view = self._require_view(params["view_id"], "path.view_id")
        query_id = _parse_id(params["query_id"], "path.query_id")
        snapshot = self._view_queries.get(query_id)
        if snapshot is None or snapshot.view_id != view.id or snapshot.expires_at < self._now():
            raise _not_found("view query", query_id)
        return snapshot

    # -- endpoints: search --------------------------------------------------------------

    def _search(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/search: shared pages and data sources whose title contains the query."""
        text = body.get("query", "")
        if not isinstance(text, str):
            raise _schema_error("body.query", "should be a string", text)
        wanted = None
        if body.get("filter") is not None:
            flt = _require_dict(body["filter"], "body.filter")
            wanted = flt.get("value")
            if flt.get("property") != "object" or wanted not in ("page", "data_source"):
                raise _schema_error(
                    "body.filter.value", "should be `page` or `data_source`", wanted
                )
        direction = "descending"
        if body.get("sort") is not None:
            direction = _require_dict(body["sort"], "body.sort").get("direction", "descending")
        size = _page_size(body.get("page_size"), "body.page_size")
        needle = text.casefold()
        found: list[tuple[datetime, str, Json]] = []
        if wanted in (None, "page"):
            for page in self._pages.values():
                if page.in_trash or not self._visible_page(page):
                    continue
                if needle in self._title_of(page).casefold():
                    found.append((page.last_edited_time, page.id, {"page": page}))
        if wanted in (None, "data_source"):
            for source in self._data_sources.values():
                shared = self._shared({"type": "database_id", "database_id": source.database_id})
                if source.in_trash or not shared:
                    continue
                if needle in _plain(source.title).casefold():
                    found.append((source.last_edited_time, source.id, {"source": source}))
        found.sort(key=lambda item: item[0], reverse=direction == "descending")
        chunk, cursor = self._paginate(
            "search",
            found,
            lambda item: item[1],
            body.get("start_cursor"),
            size,
            "body.start_cursor",
        )
        results = [
            self._render_page(item["page"])
            if "page" in item
            else self._render_data_source(item["source"])
            for _, _, item in chunk
        ]
        return _list_response(results, cursor, "page_or_data_source")
