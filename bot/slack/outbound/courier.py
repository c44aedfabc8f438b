"""Delivers the outbox to Slack: at least once, retried with backoff, refused for good
when Slack says it will never work.

The courier runs in the process that runs the bot. It takes due effects a few at a time,
on threads of its own (so rate-limited card updates never hold up the modals that must
open within Slack's three seconds), and wakes when this process records an effect or, for
effects recorded by another process (`journeybot sync`, `import`), every `poll` seconds.
Each effect carries an idempotency key and is marked done as soon as Slack took it, so a
restart delivers what was left. Delivery is at least once: an effect in flight when its
process died, or whose answer from Slack was lost on the way, is sent again (harmless for
a card redraw or a reaction; a notice could then show twice).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackRequestError

from prioritize.errors import NotSaved
from storage.outbox import Effect, Outbox

__all__ = [
    "INSTALL_REVOKED",
    "NOT_INSTALLED",
    "PERMANENT",
    "Courier",
    "Handler",
    "Undeliverable",
]

log = logging.getLogger(__name__)

Handler = Callable[[Effect], None]


class Undeliverable(Exception):
    """An effect that cannot be delivered until a person acts (the message says what)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


NOT_INSTALLED = "not_installed"
"""Installed in many workspaces: the effect's workspace has no installation (no token)."""
INSTALL_REVOKED = "install_revoked"
"""Installed in many workspaces: Slack refused the workspace's token (uninstalled, revoked)."""

PERMANENT = frozenset(
    {
        NOT_INSTALLED,
        INSTALL_REVOKED,
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "missing_scope",
        "no_roadmap_channel",
    }
)
"""Slack errors that will not heal by trying again: recorded on the effect and reported."""

OUTAGES = {
    "invalid_auth": "Slack rejects the bot token",
    "token_revoked": "the bot token was revoked",
    "token_expired": "the bot token expired",
    "account_inactive": "the bot token's app or workspace is inactive",
    "not_authed": "no bot token reached Slack",
    "ratelimited": "Slack is rate limiting journeybot",
}
"""Errors about Slack and journeybot as a whole, not about one effect: every effect waits
(none is used up or given up) and one line says so, until it heals or a person fixes it."""

AUTH_RETRY = 10.0
"""Seconds between tries while Slack rejects the token (a new one takes a restart or a
person in Slack's app settings; trying often would only fill the logs)."""

OUTAGE_REPEAT = 600.0
"""Seconds after which an outage still going on is said again."""

GIVE_UP_AFTER = timedelta(hours=24)
"""An effect still failing for other reasons a day after it was recorded is given up."""
MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Seconds to wait before try number `attempts + 1`: 1, 2, 4 ... up to five minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempts - 1))


class Courier:
    """Takes due effects from the outbox and hands each to the handler of its kind.

    `workers` threads deliver; each takes the next effect as soon as it is free, so one
    slow call (a rate-limited card) holds up nothing else.
    """

    def __init__(
        self,
        outbox: Outbox,
        handlers: Mapping[str, Handler],
        *,
        on_failure: Callable[[Effect, str], None] | None = None,
        workers: int = 2,
        poll: float = 1.0,
    ) -> None:
        self.outbox = outbox
        self.handlers = dict(handlers)
        self.on_failure = on_failure
        self.poll = poll
        self.workers = workers
        self._queue: queue.Queue[Effect | None] = queue.Queue()
        self._lock = threading.Lock()
        self._inflight = 0
        """Effects taken from the outbox and not finished yet."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.delivered = 0
        self.auth_retry = AUTH_RETRY
        self.outage: str | None = None
        """The error of an outage in progress (see OUTAGES), said once when it starts."""
        self._outage_lock = threading.Lock()
        self._said: dict[str, float] = {}
        self._unrecorded: list[tuple[Callable[..., None], int, dict[str, object]]] = []

    def start(self) -> Courier:
        """Give back what a stopped process had taken, then start delivering."""
        now = datetime.now(UTC)
        recovered = self.outbox.recover(now=now)
        # What waited after a failure is tried at once: a restart is often the fix (a new
        # token, the bot invited to the channel).
        waiting = self.outbox.retry_now(now=now)
        if recovered or waiting:
            log.info("delivering %d Slack updates left by an earlier run", recovered + waiting)
        # Daemon threads: a stuck Slack call never keeps the process from exiting.
        self._threads = [
            threading.Thread(target=self._loop, name="journeybot-courier", daemon=True),
            *(
                threading.Thread(target=self._work, name=f"journeybot-out-{n}", daemon=True)
                for n in range(self.workers)
            ),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def wake(self) -> None:
        """Look at the outbox now (an effect was just recorded)."""
        self._wake.set()

    def idle(self) -> bool:
        """Whether nothing is waiting or being delivered."""
        with self._lock:
            if self._inflight or self._unrecorded:
                return False
        return self.outbox.backlog(scheduled=False) == 0

    def close(self, *, timeout: float = 10.0) -> None:
        """Stop taking effects and wait up to `timeout` for those in flight.

        What is still waiting stays in the outbox for the next run; an effect in flight
        when the time is up is given back by the next run's `start`.
        """
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for _ in range(self.workers):
            self._queue.put(None)
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        # Outcomes the database could not take yet: a last try, so that what was delivered
        # is not delivered again by the next start.
        with contextlib.suppress(Exception):
            self._record_later()

    def _record(self, outcome: Callable[..., None], effect_id: int, **kwargs: object) -> None:
        """Record how an effect went; kept in memory while the database cannot take it.

        A full disk or another process's long lock must not leave a delivered effect
        "sending" until a restart (it would be delivered again): it is recorded later.
        """
        try:
            outcome(effect_id, **kwargs)
        except NotSaved as e:
            with self._outage_lock:
                first = not self._unrecorded
                self._unrecorded.append((outcome, effect_id, kwargs))
            if first:
                log.warning("the outbox cannot be updated (%s); trying again shortly", e)

    def _record_later(self) -> None:
        with self._outage_lock:
            waiting, self._unrecorded = self._unrecorded, []
        for outcome, effect_id, kwargs in waiting:
            try:
                outcome(effect_id, **kwargs)
            except NotSaved:
                with self._outage_lock:
                    self._unrecorded.append((outcome, effect_id, kwargs))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._record_later()
            except Exception:
                if self._stop.is_set():
                    return
            with self._lock:
                # While outcomes wait to be recorded the database takes no writes: take
                # nothing more until it does.
                free = 0 if self._unrecorded else self.workers - self._inflight
            taken: list[Effect] = []
            if free > 0:
                try:
                    taken = self.outbox.take(now=datetime.now(UTC), limit=free)
                except Exception as e:
                    if self._stop.is_set() or isinstance(e, sqlite3.ProgrammingError):
                        return  # the database was closed: this process is shutting down
                    log.warning("the outbox could not be read (%s); trying again shortly", e)
            if taken:
                with self._lock:
                    self._inflight += len(taken)
                for effect in taken:
                    self._queue.put(effect)
                continue
            self._wake.wait(self._sleep() if free > 0 else self.poll)
            self._wake.clear()

    def _work(self) -> None:
        while True:
            effect = self._queue.get()
            if effect is None:
                return
            try:
                self.deliver(effect)
            finally:
                with self._lock:
                    self._inflight -= 1
                self._wake.set()

    def _sleep(self) -> float:
        if self._unrecorded:
            return self.poll
        try:
            due = self.outbox.next_due()
        except Exception:
            return self.poll
        if due is None:
            return self.poll
        return max(0.0, min(self.poll, (due - datetime.now(UTC)).total_seconds()))

    def deliver(self, effect: Effect) -> None:
        """Deliver one effect and record how it went (never raises)."""
        handler = self.handlers.get(effect.kind)
        if handler is None:
            self._mark(self.outbox.fail, effect, error=f"no handler for {effect.kind!r}")
            return
        try:
            handler(effect)
        except Undeliverable as e:
            self._failed(effect, e.code, None)
            return
        except SlackApiError as e:
            self._failed(effect, e.response.get("error") or str(e), _retry_after(e))
            return
        except (SlackRequestError, URLError, TimeoutError, OSError) as e:
            self._failed(effect, f"cannot reach Slack ({e})", None)
            return
        except Exception as e:
            log.exception("delivering %s %s failed", effect.kind, effect.key)
            self._failed(effect, f"{type(e).__name__}: {e}", None)
            return
        self._mark(self.outbox.done, effect)
        self.delivered += 1
        if self.outage is not None:
            with self._outage_lock:
                ended, self.outage = self.outage, None
            if ended is not None:
                log.info(
                    "Slack takes journeybot's updates again (after %s); %d waiting",
                    ended,
                    self.outbox.backlog(),
                )

    def _failed(self, effect: Effect, error: str, retry_after: float | None) -> None:
        now = datetime.now(UTC)
        if error in OUTAGES:
            with self._outage_lock:
                # Said once per outage; a rate limit on one method while others go through
                # is still the same outage until it has been quiet for a while.
                last = self._said.get(error)
                starts = last is None or time.monotonic() - last > OUTAGE_REPEAT
                if starts or self.outage != error:
                    self._said[error] = time.monotonic()
                self.outage = error
            wait_s = retry_after if retry_after is not None else self.auth_retry
            if starts:
                log.warning(
                    "%s (%s); Slack updates wait in the outbox and go out when it allows%s",
                    OUTAGES[error],
                    error,
                    "" if error == "ratelimited" else " (replace SLACK_BOT_TOKEN and restart)",
                )
            self._mark(self.outbox.retry, effect, error=error, wait=wait_s, counts=False)
            return
        too_old = effect.created_at is not None and now - effect.created_at > GIVE_UP_AFTER
        if error in (NOT_INSTALLED, INSTALL_REVOKED):
            log.warning(
                "%s for workspace %s is dropped: journeybot is not installed there (%s;"
                " see journeybot doctor)",
                _what(effect),
                effect.team_id,
                error,
            )
            self._mark(self.outbox.fail, effect, error=error)
            return
        if error in PERMANENT or too_old:
            log.warning(
                "Slack refused %s for good (%s); recorded, not retried (see journeybot doctor)",
                _what(effect),
                error,
            )
            self._mark(self.outbox.fail, effect, error=error)
            if self.on_failure is not None:
                try:
                    self.on_failure(effect, error)
                except Exception:
                    log.exception("reporting the failure of %s failed", effect.key)
            return
        wait_s = retry_after if retry_after is not None else backoff(effect.attempts)
        log.info("%s failed (%s); trying again in %.0f s", _what(effect), error, wait_s)
        self._mark(self.outbox.retry, effect, error=error, wait=wait_s)

    def _mark(
        self,
        how: Callable[..., None],
        effect: Effect,
        *,
        error: str | None = None,
        wait: float = 0.0,
        counts: bool = True,
    ) -> None:
        """Record how an effect went (never raises); see `_record` for a busy database."""
        now = datetime.now(UTC)
        kwargs: dict[str, object]
        if how == self.outbox.retry:
            kwargs = {"at": now + timedelta(seconds=wait), "error": error or "", "counts": counts}
        elif how == self.outbox.fail:
            kwargs = {"error": error or "", "now": now}
        else:
            kwargs = {"now": now}
        try:
            self._record(how, effect.id, **kwargs)
        except Exception:
            if not self._stop.is_set():
                log.exception("recording how %s went failed", effect.key)


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError):
                return None
    return None


def _what(effect: Effect) -> str:
    subject = effect.payload.get("idea_id")
    about = f" about idea #{subject}" if subject is not None else ""
    return f"the {effect.kind.replace('_', ' ')}{about}"
