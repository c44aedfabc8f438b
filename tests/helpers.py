"""Small helpers shared by the test packages: waiting for a condition, a free port."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["all_at_once", "database_locked", "free_port", "wait_for"]


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, *, every: float = 0.01) -> Any:
    """Poll until `predicate()` is truthy; return its value (fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout:g} s")


def free_port() -> int:
    """Return a TCP port nothing listens on right now, for a process started by a test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database_locked(path: Path) -> Iterator[None]:
    """Hold the database's write lock, as another process in the middle of a write would."""
    holder = sqlite3.connect(str(path), timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def all_at_once(work: Callable[[int], object], threads: int) -> list[BaseException]:
    """Run `work(0)` ... `work(threads - 1)`, each on its own thread, released together.

    Returns what they raised, so a test can assert that nothing was.
    """
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as e:
            errors.append(e)

    running = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return errors
