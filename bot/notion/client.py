"""A thin wrapper around `notion_client.Client` that keeps journeybot inside Notion's limits.

- A client-side limiter spaces requests so their average stays at or under
  `requests_per_second` (Notion allows three on average).
- 429 answers are retried after their Retry-After, always: Notion did nothing.
- 409, 5xx and dropped connections are retried with backoff only for requests that are
  safe to repeat (reads, and writes that set a value). For the others, a create or an
  append, `OutcomeUnknown` is raised so the caller can look before it tries again.
- Every HTTP request sent is counted, retries included.
- Request bodies are fitted to Notion's limits on the way out (rich text split at 2000
  characters, select names without commas) and appends are chunked at 100 blocks.

notion-client's own retries are turned off, so every attempt goes through the limiter.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import notion_client
from notion_client.errors import HTTPResponseError, RequestTimeoutError
from notion_client.helpers import iterate_paginated_api

from ..config import Settings
from .render import MAX_ARRAY, MAX_TEXT, split_text
from .schema import option_name

__all__ = [
    "NotionClient",
    "NotionError",
    "OutcomeUnknown",
    "RateLimiter",
    "RequestStats",
    "explain",
    "fit_limits",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
Json = dict[str, Any]

_RETRYABLE = frozenset({409, 500, 502, 503, 504})


class NotionError(Exception):
    """Notion refused a request or could not be reached; `code` is Notion's error code."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class OutcomeUnknown(NotionError):
    """A request that is not safe to repeat may or may not have been performed."""


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart, so the average never exceeds it.

    No bursts: Notion's limit is an average, and spacing keeps us clear of it without
    ever being told to slow down. `pause()` holds every request after a 429.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may start."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Let no request start for `seconds` from now."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


@dataclass
class RequestStats:
    """What the client sent: every HTTP attempt, and how many were answered 429."""

    sent: int = 0
    rate_limited: int = 0
    first_at: float | None = None
    last_at: float | None = None

    def rate(self) -> float:
        """Return the achieved requests per second between the first and the last request."""
        if self.sent < 2 or self.first_at is None or self.last_at is None:
            return 0.0
        span = self.last_at - self.first_at
        return (self.sent - 1) / span if span > 0 else 0.0


def fit_limits(value: Any) -> Any:
    """Return a request body with over-long rich text split and commas out of select names.

    A defence for every caller: `render` already produces fitting payloads, so for them
    this changes nothing (and their fingerprints stay valid).
    """
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if _is_long_text(item):
                out.extend(
                    {**item, "text": {**item["text"], "content": piece}}
                    for piece in split_text(item["text"]["content"])
                )
            else:
                out.append(fit_limits(item))
        return out
    if isinstance(value, dict):
        fitted = {k: fit_limits(v) for k, v in value.items()}
        for key in ("select", "status"):
            option = fitted.get(key)
            if isinstance(option, dict) and isinstance(option.get("name"), str):
                fitted[key] = {**option, "name": option_name(option["name"])}
        if isinstance(fitted.get("multi_select"), list):
            fitted["multi_select"] = [
                {**o, "name": option_name(o["name"])} if isinstance(o.get("name"), str) else o
                for o in fitted["multi_select"]
            ]
        return fitted
    return value


def _is_long_text(item: Any) -> bool:
    if not isinstance(item, dict) or not isinstance(item.get("text"), dict):
        return False
    content = item["text"].get("content")
    return isinstance(content, str) and len(content.encode("utf-16-le")) // 2 > MAX_TEXT


def _retry_after(error: HTTPResponseError) -> float:
    raw = error.headers.get("retry-after") if error.headers else None
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except ValueError:
        return 1.0


class NotionClient:
    """The Notion endpoints journeybot uses, rate-limited, retried where safe, counted.

    Build it once per process (the limiter must be shared by every sync)::

        client = NotionClient("secret", base_url="http://127.0.0.1:8123")
        me = client.me()
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://api.notion.com",
        requests_per_second: float = 3.0,
        http_client: httpx.Client | None = None,
        timeout_seconds: float = 30.0,
        max_rate_limited: int = 20,
        max_retries: int = 4,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = notion_client.Client(
            auth=token,
            base_url=base_url,
            timeout_ms=int(timeout_seconds * 1000),
            retry=False,  # retries are ours, so each attempt is limited and counted
            client=http_client,
            # Failures are reported by this wrapper, once, with what it does about them.
            logger=logging.getLogger("notion_client"),
            log_level=logging.ERROR,
        )
        self.base_url = base_url
        self.limiter = RateLimiter(requests_per_second, sleep=sleep)
        self.stats = RequestStats()
        self.max_rate_limited = max_rate_limited
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings, *, requests_per_second: float = 3.0) -> NotionClient:
        """Return a client for NOTION_TOKEN at NOTION_API_URL; raises ConfigError if unset."""
        return cls(
            settings.secret("NOTION_TOKEN"),
            base_url=settings.notion_api_url,
            requests_per_second=requests_per_second,
        )

    def close(self) -> None:
        self._client.close()

    # ---------------------------------------------------------------- the request loop

    def _call(self, what: str, send: Callable[[], T], *, safe: bool) -> T:
        """Send one request through the limiter; retry as its safety allows."""
        limited = failed = 0
        while True:
            self.limiter.wait()
            now = time.monotonic()
            self.stats.sent += 1
            self.stats.first_at = self.stats.first_at or now
            self.stats.last_at = now
            try:
                return send()
            except HTTPResponseError as error:  # APIResponseError, or a non-JSON error page
                code = _code(error)
                if error.status == 429:
                    self.stats.rate_limited += 1
                    limited += 1
                    if limited > self.max_rate_limited:
                        raise NotionError(
                            f"{what}: still rate limited after {limited} tries",
                            status=429,
                            code=code,
                        ) from error
                    delay = _retry_after(error)
                    log.info("%s: rate limited, retrying in %.0f s", what, delay)
                    self.limiter.pause(delay)
                    continue
                if error.status not in _RETRYABLE:
                    raise NotionError(
                        f"{what}: {explain(error, self.base_url)}", status=error.status, code=code
                    ) from error
                cause: Exception = error
                status: int | None = error.status
            except (httpx.TransportError, RequestTimeoutError) as error:
                cause, status = error, None
            if not safe:
                raise OutcomeUnknown(
                    f"{what}: no reliable answer ({explain(cause, self.base_url)})", status=status
                ) from cause
            failed += 1
            if failed > self.max_retries:
                raise NotionError(
                    f"{what}: {explain(cause, self.base_url)} (tried {failed} times)",
                    status=status,
                ) from cause
            delay = min(8.0, self.backoff_seconds * 2 ** (failed - 1)) * (0.5 + random.random())
            log.info("%s: %s, retrying in %.1f s", what, explain(cause, self.base_url), delay)
            self._sleep(delay)

    # ---------------------------------------------------------------- users

    def me(self) -> Json:
        """Return the integration's bot user. https://developers.notion.com/reference/get-self"""
        return self._call("users.me", lambda: self._client.users.me(), safe=True)

    def retrieve_user(self, user_id: str) -> Json:
        """Return a user. https://developers.notion.com/reference/get-user"""
        return self._call("users.retrieve", lambda: self._client.users.retrieve(user_id), safe=True)

    # ---------------------------------------------------------------- pages

    def retrieve_page(self, page_id: str) -> Json:
        """Return a page's properties. https://developers.notion.com/reference/retrieve-a-page"""
        return self._call(
            "pages.retrieve", lambda: self._client.pages.retrieve(page_id=page_id), safe=True
        )

    # ---------------------------------------------------------------- databases

    def create_database(
        self,
        parent_page_id: str,
        title: str,
        properties: Mapping[str, Any],
        *,
        icon: str | None = None,
    ) -> Json:
        """Create a database with one data source under a page.

        https://developers.notion.com/reference/create-a-database
        """
        body: Json = {
            "parent": {"type": "page_id", "page_id": parent_page_id},
            "title": [{"type": "text", "text": {"content": title}}],
            "initial_data_source": {"properties": dict(properties)},
        }
        if icon:
            body["icon"] = {"type": "emoji", "emoji": icon}
        return self._call(
            "databases.create", lambda: self._client.databases.create(**body), safe=False
        )

    def retrieve_database(self, database_id: str) -> Json:
        """Return a database. https://developers.notion.com/reference/database-retrieve"""
        return self._call(
            "databases.retrieve", lambda: self._client.databases.retrieve(database_id), safe=True
        )

    def retrieve_data_source(self, data_source_id: str) -> Json:
        """Return a data source with its properties.

        https://developers.notion.com/reference/retrieve-a-data-source
        """
        return self._call(
            "data_sources.retrieve",
            lambda: self._client.data_sources.retrieve(data_source_id),
            safe=True,
        )

    def update_data_source(self, data_source_id: str, properties: Mapping[str, Any]) -> Json:
        """Add, rename or retype properties of a data source (setting a schema repeats safely).

        https://developers.notion.com/reference/update-a-data-source
        """
        body = {"properties": fit_limits(dict(properties))}
        return self._call(
            "data_sources.update",
            lambda: self._client.data_sources.update(data_source_id, **body),
            safe=True,
        )

    def query_data_source(
        self,
        data_source_id: str,
        *,
        filter: Mapping[str, Any] | None = None,
        sorts: Sequence[Mapping[str, Any]] | None = None,
        page_size: int = MAX_ARRAY,
    ) -> Iterator[Json]:
        """Yield every page matching `filter`, following cursors (one request per 100).

        https://developers.notion.com/reference/query-a-data-source
        """
        body: Json = {"page_size": min(page_size, MAX_ARRAY)}
        if filter is not None:
            body["filter"] = dict(filter)
        if sorts:
            body["sorts"] = list(sorts)
        yield from self._paginate(
            "data_sources.query",
            self._client.data_sources.query,
            data_source_id=data_source_id,
            **body,
        )

    def _paginate(self, what: str, send: Callable[..., Json], **body: Any) -> Iterator[Json]:
        """Yield the results of a list endpoint, page after page, each page one `_call`."""

        def one_page(**kwargs: Any) -> Json:
            return self._call(what, lambda: send(**kwargs), safe=True)

        yield from iterate_paginated_api(one_page, **body)

    # ---------------------------------------------------------------- pages

    def create_page(
        self,
        parent: Mapping[str, Any],
        properties: Mapping[str, Any],
        children: Sequence[Mapping[str, Any]] = (),
    ) -> Json:
        """Create a page with at most 100 blocks of body (append the rest with append_blocks).

        Not safe to repeat: on OutcomeUnknown, look the page up before creating it again.
        https://developers.notion.com/reference/post-page
        """
        if len(children) > MAX_ARRAY:
            raise ValueError(f"a page is created with at most {MAX_ARRAY} blocks")
        body: Json = {"parent": dict(parent), "properties": fit_limits(dict(properties))}
        if children:
            body["children"] = fit_limits(list(children))
        return self._call("pages.create", lambda: self._client.pages.create(**body), safe=False)

    def update_page(
        self,
        page_id: str,
        *,
        properties: Mapping[str, Any] | None = None,
        in_trash: bool | None = None,
        erase_content: bool = False,
    ) -> Json:
        """Set property values, trash or restore a page, or erase its body (all repeatable).

        https://developers.notion.com/reference/patch-page
        """
        body: Json = {}
        if properties:
            body["properties"] = fit_limits(dict(properties))
        if in_trash is not None:
            body["in_trash"] = in_trash
        if erase_content:
            body["erase_content"] = True
        return self._call(
            "pages.update", lambda: self._client.pages.update(page_id, **body), safe=True
        )

    # ---------------------------------------------------------------- blocks

    def append_blocks(self, block_id: str, children: Sequence[Mapping[str, Any]]) -> list[Json]:
        """Append blocks in chunks of 100; return the created top-level blocks.

        Not safe to repeat (it would append twice): a failure raises OutcomeUnknown.
        https://developers.notion.com/reference/patch-block-children
        """
        created: list[Json] = []
        blocks = fit_limits(list(children))
        for start in range(0, len(blocks), MAX_ARRAY):
            chunk = blocks[start : start + MAX_ARRAY]
            answer = self._call(
                "blocks.children.append",
                lambda chunk=chunk: self._client.blocks.children.append(block_id, children=chunk),
                safe=False,
            )
            created.extend(answer.get("results", []))
        return created

    def list_children(self, block_id: str) -> list[Json]:
        """Return every child block of a page or block, following cursors.

        https://developers.notion.com/reference/get-block-children
        """
        return list(
            self._paginate(
                "blocks.children.list",
                self._client.blocks.children.list,
                block_id=block_id,
                page_size=MAX_ARRAY,
            )
        )

    def update_block(self, block_id: str, block: Mapping[str, Any]) -> Json:
        """Replace a block's content with `block`'s (same type).

        https://developers.notion.com/reference/update-a-block
        """
        kind = block["type"]
        content = {k: v for k, v in block[kind].items() if k != "children"}
        body = fit_limits({kind: content})
        return self._call(
            "blocks.update", lambda: self._client.blocks.update(block_id, **body), safe=True
        )

    # ---------------------------------------------------------------- views

    def create_view(self, body: Mapping[str, Any]) -> Json:
        """Create a database view (board, table, ...). Not safe to repeat.

        https://developers.notion.com/reference/create-view
        """
        payload = dict(body)
        return self._call("views.create", lambda: self._client.views.create(**payload), safe=False)

    def retrieve_view(self, view_id: str) -> Json:
        """Return a view. https://developers.notion.com/reference/retrieve-a-view"""
        return self._call("views.retrieve", lambda: self._client.views.retrieve(view_id), safe=True)

    def update_view(self, view_id: str, body: Mapping[str, Any]) -> Json:
        """Set a view's name, sorts, filter or configuration (repeatable).

        https://developers.notion.com/reference/update-a-view
        """
        allowed = ("name", "filter", "sorts", "quick_filters", "configuration")
        payload = {k: v for k, v in body.items() if k in allowed}
        return self._call(
            "views.update", lambda: self._client.views.update(view_id, **payload), safe=True
        )

    def list_views(self, database_id: str) -> list[str]:
        """Return the ids of a database's views. https://developers.notion.com/reference/list-views"""
        views = self._paginate(
            "views.list", self._client.views.list, database_id=database_id, page_size=MAX_ARRAY
        )
        return [view["id"] for view in views]


def _code(error: HTTPResponseError) -> str:
    return str(getattr(error.code, "value", error.code))


_WORDS = {
    "unauthorized": "the Notion token is not valid (check NOTION_TOKEN)",
    "restricted_resource": "the integration may not do this (check its capabilities,"
    " and that the page is shared with it)",
    "object_not_found": "not found, or not shared with the integration",
    "rate_limited": "Notion is rate limiting the integration",
    "invalid_json": "Notion could not read the request",
    "invalid_request_url": "Notion does not know this address (check NOTION_API_URL)",
    "invalid_request": "Notion does not support this request",
    "validation_error": "Notion refused the request as invalid",
    "missing_version": "Notion wants a Notion-Version header",
    "conflict_error": "another edit conflicted with this one",
    "internal_server_error": "Notion had an internal error",
    "service_unavailable": "Notion is unavailable for now",
    "gateway_timeout": "Notion took too long to answer",
}


def explain(error: BaseException, base_url: str) -> str:
    """Return what went wrong in words: Notion's refusal, or why it could not be reached."""
    if isinstance(error, HTTPResponseError):
        code = _code(error)
        words = _WORDS.get(code, f"Notion answered HTTP {error.status}")
        detail = str(error).strip()
        if not detail or detail.lower().startswith("request to notion api failed"):
            return words  # a non-JSON error page says nothing more
        return f"{words}: {detail}"
    if isinstance(error, RequestTimeoutError | httpx.TimeoutException):
        return f"Notion at {base_url} did not answer in time"
    if isinstance(error, httpx.TransportError):
        reason = str(error) or type(error).__name__
        return f"cannot reach Notion at {base_url} ({reason})"
    return f"{type(error).__name__}: {error}"
