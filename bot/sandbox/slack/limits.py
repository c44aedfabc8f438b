"""Scopes, rate-limit tiers and injected failures: the reasons Slack refuses a call."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from .state import Failure, WorkspaceState
from .wire import Reply, json_reply

__all__ = ["METHOD_SCOPES", "SLACK_TIERS", "RateLimits"]

# Scope each method needs (any one of them), from each method's reference page.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

SLACK_TIERS: dict[str, int] = {
    "auth.test": 100,
    "chat.postMessage": 60,  # "special": about one per second per channel
    "chat.postEphemeral": 100,
    "chat.update": 50,
    "chat.getPermalink": 100,
    "views.open": 100,
    "views.update": 100,
    "views.publish": 100,
    "reactions.add": 50,
    "reactions.remove": 20,
    "conversations.info": 100,
    "users.info": 100,
    "files.getUploadURLExternal": 100,
    "files.completeUploadExternal": 100,
}
"""Calls per minute of Slack's rate-limit tiers; pass as ``rate_limits=`` to enforce them."""


class RateLimits(WorkspaceState):
    """Injected failures and per-minute limits, checked before a method runs."""

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        By default they get HTTP 429 ``ratelimited`` with ``Retry-After: retry_after``;
        with ``error`` alone, HTTP 200 ``{"ok": false, "error": error}``; with another
        ``status``, that status and ``error`` (``internal_error`` by default).
        """
        if status is None:
            status = 200 if error else 429
        if status == 429:
            error = error or "ratelimited"
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.append(Failure(status, error or "internal_error", retry_after, times))

    def set_rate_limit(self, method: str, per_minute: int | None) -> None:
        """Answer 429 once ``method`` is called more than ``per_minute`` times in 60 seconds."""
        with self._lock:
            if per_minute is None:
                self.rate_limits.pop(method, None)
            else:
                self.rate_limits[method] = per_minute

    def _take_failure(self, method: str) -> Reply | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        headers = {}
        if failure.status == 429 and failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        return json_reply(failure.status, {"ok": False, "error": failure.error}, **headers)

    def _rate_limited(self, method: str, params: Mapping[str, Any]) -> Reply | None:
        per_minute = self.rate_limits.get(method)
        if not per_minute:
            return None
        # chat.postMessage is limited per channel; the other methods per workspace.
        key = f"{method}:{params.get('channel')}" if method == "chat.postMessage" else method
        now = time.monotonic()
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] >= 60:
            recent.popleft()
        if len(recent) >= per_minute:
            wait = max(1, math.ceil(60 - (now - recent[0])))
            return json_reply(
                429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": str(wait)}
            )
        recent.append(now)
        return None
