"""Who may change an idea's status, pin it or merge it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from . import clients

__all__ = ["Admins"]

log = logging.getLogger(__name__)


class Admins:
    """Admins are the users named in config plus Slack workspace admins and owners.

    Workspace roles come from `users.info` and are remembered for `ttl` seconds, so a
    busy admin does not cost one Web API call per click.
    """

    def __init__(
        self,
        client: WebClient,
        configured: Iterable[str],
        *,
        ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.configured = frozenset(configured)
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> WebClient:
        """The client of the workspace being served: it asks that workspace about `user`."""
        return clients.current(self._client)

    def is_admin(self, user: str) -> bool:
        """Whether `user` may take admin actions (one `users.info` call when not cached)."""
        if user in self.configured:
            return True
        now = self._clock()
        # Remembered per workspace token: an owner of one workspace is nobody in another.
        key = (self.client.token or "", user)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            info = self.client.users_info(user=user)["user"]
        except SlackApiError as e:
            # Refusing is the safe answer when Slack cannot tell us; it is not remembered.
            log.warning("users.info failed for %s: %s", user, e.response.get("error"))
            return False
        except (SlackRequestError, OSError) as e:
            # Asked inside the admin modal's ack: a network error must refuse, not raise.
            log.warning("users.info failed for %s: %s", user, e)
            return False
        allowed = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        with self._lock:
            self._cache[key] = (now, allowed)
        return allowed

    def named(self) -> list[str]:
        """Return the admins named in config, to tell people whom to ask."""
        return sorted(self.configured)
