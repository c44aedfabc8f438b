"""What the database benchmarks share: filling tables fast, timing, memory, fresh processes.

    from common import many, measured, timed

A benchmark script runs each measurement in a new interpreter (`in_fresh_process`), so
that one measurement's memory does not inflate another's peak; the script answers
`--measure NAME DATABASE` with one JSON line (`measure_or_report`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The benchmarks run as scripts (`python bench/rank.py`): the project is the folder above.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prioritize.config import DEFAULT_TEAMS

__all__ = [
    "BATCH",
    "ESTIMATE_COLUMNS",
    "NOW",
    "SUPPORT_COLUMNS",
    "TEAM_ID",
    "USERS",
    "WEEKS",
    "Measures",
    "estimate_row",
    "flagged",
    "in_fresh_process",
    "insert",
    "insert_first",
    "machine",
    "many",
    "measure_or_report",
    "measured",
    "peak_rss_mb",
    "support_rows",
    "timed",
]

TEAM_ID = "TBENCH"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
"""The moment the data was written, so every run reads the same ages."""
USERS = [f"U{n:05d}" for n in range(400)]
WEEKS = [0.5, 1.0, 3.0, 6.0, 12.0, 2.0, 4.0]
"""Times to deliver the estimates choose from."""

BATCH = 50_000
"""Rows per `executemany`: large enough to be fast, small enough to stay lean."""

Measures = dict[str, Callable[[Path], dict[str, Any]]]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def many(conn: sqlite3.Connection, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """Insert `rows` with `sql`, `BATCH` at a time, never holding them all."""
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)


def estimate_row(rnd: random.Random, idea_id: int, voter: str, at: str) -> tuple[Any, ...]:
    """Return an `estimates` row (as `insert` is given it) with random ratings, a few unrated."""
    return (
        idea_id,
        voter,
        TEAM_ID,
        rnd.choice(DEFAULT_TEAMS),
        rnd.randint(1, 5) if rnd.random() < 0.95 else None,
        rnd.randint(1, 5) if rnd.random() < 0.9 else None,
        rnd.choice(WEEKS),
        at,
    )


ESTIMATE_COLUMNS = "idea_id, voter, team_id, team, impact, complexity, weeks, created_at"


def support_rows(rnd: random.Random, first: int, ideas: int, at: str) -> Iterator[tuple[Any, ...]]:
    """Yield `supports` rows: up to four +1s for each of `ideas` ideas from id `first`."""
    for n in range(ideas):
        for user in rnd.sample(USERS, rnd.randint(0, 4)):
            yield (first + n, user, TEAM_ID, rnd.choice(DEFAULT_TEAMS), at)


SUPPORT_COLUMNS = "idea_id, user, team_id, team, created_at"


def insert(
    conn: sqlite3.Connection,
    table: str,
    columns: str,
    rows: Iterator[tuple[Any, ...]],
    *,
    ignore: bool = False,
) -> None:
    """Insert `rows` (values in the order of `columns`, comma-separated) into `table`;
    with `ignore`, skip a row that repeats a unique key."""
    names = [name.strip() for name in columns.split(",")]
    quoted = ", ".join(f'"{name}"' for name in names)  # "by" is an SQL keyword
    marks = ", ".join("?" * len(names))
    verb = "insert or ignore" if ignore else "insert"
    many(conn, f"{verb} into {table} ({quoted}) values ({marks})", rows)


def insert_first(
    conn: sqlite3.Connection, table: str, columns: str, rows: Iterator[tuple[Any, ...]]
) -> int:
    """Insert `rows` into an empty `table` as `insert` does; return the first id it got."""
    insert(conn, table, columns, rows)
    return int(conn.execute(f"select min(id) from {table}").fetchone()[0])


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Return how many seconds `fn()` took, and what it returned."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def measured(fn: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """Run `fn` three times; return its first time, the median, the peak RSS after the
    first run, and what the first run returned."""
    seconds, result = timed(fn)
    rss = peak_rss_mb()
    runs = [seconds, *(timed(fn)[0] for _ in range(2))]
    return {"first": seconds, "median": statistics.median(runs), "peak_rss_mb": rss}, result


def flagged(text: str, value: float, limit: float | None) -> str:
    """Return `text`, followed by `ok` or `OVER` when there is a `limit` to hold."""
    if limit is None:
        return text
    return f"{text}  {'ok' if value < limit else 'OVER'}"


def machine() -> str:
    """One line naming what the figures were measured on."""
    return (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
        f" {os.cpu_count()} CPUs, {platform.machine()} {platform.system()}"
    )


def in_fresh_process(script: str, name: str, path: Path) -> dict[str, Any]:
    """Run measurement `name` of `script` in a new interpreter; return what it printed."""
    done = subprocess.run(
        [sys.executable, script, "--measure", name, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def measure_or_report(
    parser: argparse.ArgumentParser,
    measures: Measures,
    report: Callable[[argparse.Namespace], None],
) -> None:
    """Answer `--measure NAME DATABASE` (a fresh process's one JSON line), else report."""
    parser.add_argument("--measure", choices=sorted(measures), help=argparse.SUPPRESS)
    parser.add_argument("database", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measures[args.measure](args.database)))
    else:
        report(args)
