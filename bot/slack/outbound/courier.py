"""Delivers the outbox to Slack: at least once, retried with backoff, refused for good
when Slack says it will never work.

The courier runs in the process that runs the bot. It takes due effects a few at a time,
on threads of its own (so rate-limited card updates never hold up the modals that must
open within Slack's three seconds), and wakes when this process records an effect or, for
effects recorded by another process (`journeybot sync`, `import`), every `poll` seconds.
Each effect carries an idempotency key; a notice is marked done as soon as Slack took it,
so a restart delivers what was left, and nothing twice but an effect that was in flight at
the very moment the process died.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackRequestError

from prioritize.errors import NotSaved
from storage.outbox import Effect, Outbox

__all__ = ["PERMANENT", "Courier", "Handler", "Undeliverable"]

log = logging.getLogger(__name__)

Handler = Callable[[Effect], None]


class Undeliverable(Exception):
    """An effect that cannot be delivered until a person acts (the message says what)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


PERMANENT = frozenset(
    {
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

MAX_ATTEMPTS = 12
"""An effect that keeps failing for other reasons gives up after this many tries."""
MAX_BACKOFF = 300.0


def backoff(attempts: int) -> float:
    """Seconds to wait before try number `attempts + 1`: 1, 2, 4 ... up to five minutes."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempts - 1))


class Courier:
    """Takes due effects from the outbox and hands each to the handler of its kind."""

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
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="journeybot-out")
        self._batch = workers * 4
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._busy = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.last_error: str | None = None
        self.auth_retry = AUTH_RETRY
        self.outage: str | None = None
        """The error of an outage in progress (see OUTAGES), said once when it starts."""
        self._outage_lock = threading.Lock()
        self._said: dict[str, float] = {}
        self._unrecorded: list[tuple[Callable[..., None], int, dict[str, object]]] = []

    def start(self) -> Courier:
        """Give back what a stopped process had taken, then start delivering."""
        recovered = self.outbox.recover()
        if recovered:
            log.info("delivering %d Slack updates left by an earlier run", recovered)
        self._thread = threading.Thread(target=self._loop, name="journeybot-courier", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look at the outbox now (an effect was just recorded)."""
        self._wake.set()

    def idle(self) -> bool:
        """Whether nothing is waiting or being delivered."""
        return not self._busy.is_set() and not self._unrecorded and self.outbox.backlog() == 0

    def close(self, *, timeout: float = 10.0) -> None:
        """Stop taking effects and wait up to `timeout` for those in flight.

        What is still waiting stays in the outbox for the next run.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

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
        said: str | None = None  # the last error logged, so that an outage is one line
        while not self._stop.is_set():
            try:
                self._busy.set()
                self._record_later()
                # While outcomes wait to be recorded the database takes no writes: take
                # nothing more until it does.
                effects = (
                    []
                    if self._unrecorded
                    else self.outbox.take(now=datetime.now(UTC), limit=self._batch)
                )
                said = None
                if effects:
                    wait([self._pool.submit(self.deliver, e) for e in effects])
                    continue
            except Exception as e:
                if self._stop.is_set() or isinstance(e, sqlite3.ProgrammingError):
                    return  # the database was closed: this process is shutting down
                if str(e) != said:
                    log.warning("the outbox could not be read (%s); trying again shortly", e)
                    said = str(e)
            finally:
                self._busy.clear()
            self._wake.wait(self._sleep())
            self._wake.clear()

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
        now = datetime.now(UTC)
        if handler is None:
            self._record(
                self.outbox.fail, effect.id, error=f"no handler for {effect.kind!r}", now=now
            )
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
        self._record(self.outbox.done, effect.id, now=datetime.now(UTC))
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
        self.last_error = error
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
            at = now + timedelta(seconds=wait_s)
            self._record(self.outbox.retry, effect.id, at=at, error=error, counts=False)
            return
        if error in PERMANENT or effect.attempts >= MAX_ATTEMPTS:
            log.warning(
                "Slack refused %s for good (%s); recorded, not retried (see journeybot doctor)",
                _what(effect),
                error,
            )
            self._record(self.outbox.fail, effect.id, error=error, now=now)
            if self.on_failure is not None:
                try:
                    self.on_failure(effect, error)
                except Exception:
                    log.exception("reporting the failure of %s failed", effect.key)
            return
        wait_s = retry_after if retry_after is not None else backoff(effect.attempts)
        log.info("%s failed (%s); trying again in %.0f s", _what(effect), error, wait_s)
        at = now + timedelta(seconds=wait_s)
        self._record(self.outbox.retry, effect.id, at=at, error=error)


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


def wait_idle(courier: Courier, timeout: float) -> bool:
    """Wait until the courier has nothing left to do; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if courier.idle():
            return True
        time.sleep(0.02)
    return courier.idle()
