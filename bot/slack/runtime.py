"""Work that must not delay an ack: a bounded thread pool.

Listeners store what a person did, ack, then hand slow work (Web API calls, search,
Block Kit) to `later`. What Slack must hear because of a change is not here: it is in
the outbox, delivered by the courier (see `bot/slack/outbound/`), which `watch` ties in
so that `drain` waits for both.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


class Runtime:
    """A thread pool for after-the-ack work."""

    def __init__(self, *, workers: int = 4, name: str = "journeybot") -> None:
        # Few workers on purpose: after-the-ack work is mostly Python (validation, Block Kit,
        # JSON) and competes with the acks for the interpreter lock; more threads would not
        # finish it sooner but would slow the acks (see bench/slack_ack.py).
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._cond = threading.Condition()
        self._busy = 0
        """Jobs submitted to the pool and not finished yet."""
        self._closed = False
        self._watched: list[Callable[[], bool]] = []
        self._closers: list[Callable[..., None]] = []

    def watch(self, idle: Callable[[], bool]) -> None:
        """Count `idle() is False` as work in progress too (for `idle` and `drain`)."""
        self._watched.append(idle)

    def on_close(self, close: Callable[..., None]) -> None:
        """Call `close(timeout=...)` when the runtime closes, after its own work is done."""
        self._closers.append(close)

    def later(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Run `fn(*args, **kwargs)` on the pool; its exceptions are logged, never raised.

        It runs in a copy of the caller's context, so it knows whose request it serves.
        """
        with self._cond:
            if self._closed:
                log.warning("runtime closed; dropping %s", getattr(fn, "__name__", fn))
                return
            self._busy += 1
        self._pool.submit(contextvars.copy_context().run, self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def idle(self) -> bool:
        """Whether nothing is queued or running (here or in what is watched)."""
        with self._cond:
            if self._busy:
                return False
        return all(idle() for idle in self._watched)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while self._busy:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(min(left, 0.05))
            # Work after the ack may record effects, and delivering them may queue more.
            if all(idle() for idle in self._watched):
                with self._cond:
                    if not self._busy:
                        return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def close(self, *, timeout: float = 10.0) -> None:
        """Finish what is queued (up to `timeout` in all), then stop the threads."""
        deadline = time.monotonic() + timeout
        self.drain(timeout)
        with self._cond:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        for close in self._closers:
            try:
                close(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:
                log.exception("closing %s failed", getattr(close, "__name__", close))
