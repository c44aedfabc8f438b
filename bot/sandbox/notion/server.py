"""A local Notion API emulator: an in-memory HTTP server speaking API version 2025-09-03.

Point the real ``notion_client.Client`` at it and read its state back::

    from notion_client import Client
    from bot.sandbox.notion import NotionEmulator

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
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from .blocks import BlocksMixin
from .databases import DatabasesMixin
from .model import (
    RecordedRequest,
    _Block,
    _Cursor,
    _Database,
    _DataSource,
    _Failure,
    _Page,
    _TokenBucket,
    _View,
)
from .pages import PagesMixin
from .query import QueryMixin
from .users import UsersMixin
from .validation import (
    _FAILURES,
    MAX_BODY_BYTES,
    Json,
    _ApiError,
    _DropConnection,
    _invalid,
    _rich_text,
    _schema_error,
)
from .views import ViewsMixin


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


class NotionEmulator(PagesMixin, DatabasesMixin, QueryMixin, BlocksMixin, ViewsMixin, UsersMixin):
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
        self._limit: tuple[float | None, int] = (rate_limit, burst)
        # Other integrations' secrets: Notion rate-limits each integration on its own.
        self._integrations: dict[str, _TokenBucket | None] = {}
        self.configure_rate_limit(rate_limit, burst=burst)
        self._storm_until = 0.0
        self.down = False
        """While True every request answers 503 service_unavailable (see `set_down`)."""
        self._failures: list[_Failure] = []
        self._drops_after_create = 0
        self._slow_creates: list[float] = []
        self._log: list[RecordedRequest] = []
        self._last_time = datetime(2000, 1, 1, tzinfo=UTC)
        self._pages: dict[str, _Page] = {}
        self._blocks: dict[str, _Block] = {}
        self._databases: dict[str, _Database] = {}
        self._data_sources: dict[str, _DataSource] = {}
        self._views: dict[str, _View] = {}
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
                **self._stamp(now, self.person_user_id),
                shared=shared,
            )
            self._pages[page.id] = page
            return page.id

    def configure_rate_limit(self, rate_limit: float | None, *, burst: int = 5) -> None:
        """Set the average requests per second (None disables) and the burst size."""
        with self._lock:
            self._limit = (rate_limit, burst)
            self._bucket = None if rate_limit is None else _TokenBucket(rate_limit, burst)
            for token in self._integrations:
                self._integrations[token] = self._new_bucket()

    def _new_bucket(self) -> _TokenBucket | None:
        rate_limit, burst = self._limit
        return None if rate_limit is None else _TokenBucket(rate_limit, burst)

    def add_integration(self, token: str, *, page_title: str = "Another roadmap") -> str:
        """Accept `token` as another integration's secret, with a rate limit of its own;
        return the id of a new top-level page for it (every page is visible to every
        integration here, unlike Notion, where each sees only the pages shared with it)."""
        with self._lock:
            self._integrations[token] = self._new_bucket()
        return self.add_page(page_title)

    def revoke(self, token: str) -> None:
        """Answer 401 unauthorized to `token` from now on (an integration removed)."""
        with self._lock:
            self._integrations.pop(token, None)
            if token == self.token:
                self.token = f"revoked-{uuid.uuid4().hex}"

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

    def slow_create(self, seconds: float, n: int = 1) -> None:
        """Hold the next ``n`` page creates ``seconds`` before performing them.

        As Notion does under load, the create is performed even when the client has given
        up waiting (a client timeout): its page appears late.
        """
        with self._lock:
            self._slow_creates.extend([seconds] * n)

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
            auth = handler.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ")
            if not auth.startswith("Bearer ") or (
                token != self.token and token not in self._integrations
            ):
                raise _ApiError(401, "unauthorized", "API token is invalid.")
            with self._lock:
                if self.down:
                    code, message = _FAILURES[503]
                    raise _ApiError(503, code, message)
                self._check_rate_limit(token)
                self._check_injected_failure(method, path)
            if len(raw) > MAX_BODY_BYTES:
                raise _invalid(
                    f"Request body too large: {len(raw)} bytes, the limit is {MAX_BODY_BYTES}."
                )
            if isinstance(body, bytes):
                raise _ApiError(400, "invalid_json", "Error parsing JSON body.")
            if body is not None and not isinstance(body, dict):
                raise _schema_error("body", "should be an object", body)
            if method == "POST" and endpoint == "_create_page":
                with self._lock:
                    delay = self._slow_creates.pop(0) if self._slow_creates else 0.0
                time.sleep(delay)  # outside the lock: other requests go on meanwhile
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

    def _check_rate_limit(self, token: str) -> None:
        """Raise rate_limited during a storm or when the integration's bucket is empty."""
        bucket = self._bucket if token == self.token else self._integrations.get(token)
        storm_left = self._storm_until - time.monotonic()
        wait = storm_left if storm_left > 0 else (bucket.take() if bucket else 0.0)
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
