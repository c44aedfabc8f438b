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

TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
"""Slack refuses the bot token: nothing can be delivered until a person fixes it, and then
everything can, so effects wait (retried slowly) instead of failing."""

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
        self.last_error: str | None = None

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
            if self._inflight:
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

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                free = self.workers - self._inflight
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

    def _failed(self, effect: Effect, error: str, retry_after: float | None) -> None:
        now = datetime.now(UTC)
        self.last_error = error
        too_old = effect.created_at is not None and now - effect.created_at > GIVE_UP_AFTER
        if error in TOKEN_ERRORS and not too_old:
            log.error(
                "Slack rejects the bot token (%s): Slack updates wait until SLACK_BOT_TOKEN"
                " is fixed (journeybot doctor checks it)",
                error,
            )
            self._mark(self.outbox.retry, effect, error=error, wait=MAX_BACKOFF)
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
    ) -> None:
        """Record how an effect went, retrying while the database is busy (never raises).

        An effect whose outcome cannot be recorded stays taken; the next start gives it
        back, so it is delivered again rather than lost.
        """
        for attempt in range(10):
            now = datetime.now(UTC)
            try:
                if how == self.outbox.retry:
                    how(effect.id, at=now + timedelta(seconds=wait), error=error or "")
                elif how == self.outbox.fail:
                    how(effect.id, error=error or "", now=now)
                else:
                    how(effect.id, now=now)
                return
            except NotSaved:
                time.sleep(min(2.0, 0.2 * (attempt + 1)))
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("recording how %s went failed", effect.key)
                return
        log.error("could not record how %s went; the next start delivers it again", effect.key)


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
