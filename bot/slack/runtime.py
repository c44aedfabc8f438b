"""Work that must not delay an ack: a bounded thread pool and per-key coalesced timers.

Listeners ack first, then hand slow work (Web API calls, search, scoring) to `later`.
`coalesce` runs a refresh once per burst of changes to the same thing, which is how 30
votes in a second become a couple of `chat.update` calls instead of 30.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


class Runtime:
    """A thread pool for after-the-ack work plus a timer thread for coalesced refreshes."""

    def __init__(self, *, workers: int = 4, name: str = "journeybot") -> None:
        # Few workers on purpose: after-the-ack work is mostly Python (validation, Block Kit,
        # JSON) and competes with the acks for the interpreter lock; more threads would not
        # finish it sooner but would slow the acks (see bench/slack_ack.py).
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._cond = threading.Condition()
        self._busy = 0
        """Jobs submitted to the pool and not finished yet."""
        self._due: list[tuple[float, int, Hashable]] = []
        self._timers: dict[Hashable, Callable[[], None]] = {}
        self._running: set[Hashable] = set()
        self._dirty: dict[Hashable, tuple[Callable[[], None], float]] = {}
        self._seq = itertools.count()
        self._closed = False
        self._watched: list[Callable[[], bool]] = []
        self._closers: list[Callable[..., None]] = []
        self._clock = threading.Thread(target=self._tick, name=f"{name}-timers", daemon=True)
        self._clock.start()

    def watch(self, idle: Callable[[], bool]) -> None:
        """Count `idle() is False` as work in progress too (for `idle` and `drain`)."""
        self._watched.append(idle)

    def on_close(self, close: Callable[..., None]) -> None:
        """Call `close(timeout=...)` when the runtime closes, after its own work is done."""
        self._closers.append(close)

    def later(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Run `fn(*args, **kwargs)` on the pool; its exceptions are logged, never raised."""
        with self._cond:
            if self._closed:
                log.warning("runtime closed; dropping %s", getattr(fn, "__name__", fn))
                return
            self._busy += 1
        self._pool.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def coalesce(self, key: Hashable, fn: Callable[[], None], *, delay: float) -> None:
        """Run `fn` once, `delay` seconds after the first of a burst of calls with `key`.

        Calls while `fn` is already scheduled are absorbed; a call while it runs schedules
        one more run afterwards, so the last change is never lost. Runs for the same key
        never overlap, so a slow, stale refresh cannot overwrite a newer one.
        """
        with self._cond:
            if self._closed:
                return
            if key in self._running:
                self._dirty[key] = (fn, delay)
                return
            if key in self._timers:
                return
            self._timers[key] = fn
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._seq), key))
            self._cond.notify_all()

    def _tick(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._due:
                    self._cond.wait()
                    continue
                at, _, key = self._due[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._due)
                fn = self._timers.pop(key)
                self._running.add(key)
                self._busy += 1
                self._pool.submit(self._run_coalesced, key, fn)

    def _run_coalesced(self, key: Hashable, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            log.exception("coalesced job %r failed", key)
        finally:
            with self._cond:
                self._running.discard(key)
                self._busy -= 1
                again = self._dirty.pop(key, None)
                self._cond.notify_all()
            if again is not None:
                self.coalesce(key, again[0], delay=again[1])

    def _own_idle(self) -> bool:
        return not (self._busy or self._timers or self._running or self._dirty)

    def idle(self) -> bool:
        """Whether nothing is queued, scheduled or running (here or in what is watched)."""
        with self._cond:
            if not self._own_idle():
                return False
        return all(idle() for idle in self._watched)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued, scheduled or running; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                while not self._own_idle():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(min(left, 0.05))
            # Work after the ack may record effects, and delivering them may queue more.
            if all(idle() for idle in self._watched):
                with self._cond:
                    if self._own_idle():
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
            self._cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for close in self._closers:
            try:
                close(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:
                log.exception("closing %s failed", getattr(close, "__name__", close))
