"""Benchmark: rank 100,000 ideas with 1,000,000 estimates from SQLite.

    .venv/bin/python bench/rank.py              # the figures the issue asks for
    .venv/bin/python bench/rank.py --ideas 10000 --estimates 100000   # a quick look

Builds a database in a temporary folder, then measures, each in a fresh process so that
one measurement's memory does not inflate another's peak:

1. ranking every idea from SQLite (`Store.facts` + `prioritize.roadmap`; the CLI's
   `Services.roadmap`, which also loads the ideas, is shown too; breakdowns are written when read),
2. recomputing every idea's aggregates from all the estimates (`Store.rebuild_stats`),
3. one idea's score after a new vote (`Services.record_estimate` + `Services.score_of`).

This is not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import Services  # noqa: E402
from prioritize.config import DEFAULT_STAGES, DEFAULT_TEAMS, JourneyConfig  # noqa: E402
from prioritize.scoring import roadmap  # noqa: E402
from storage.store import Store  # noqa: E402

TEAM_ID = "TBENCH"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
BATCH = 50_000
USERS = [f"U{n:05d}" for n in range(400)]
STATUSES = ["Proposed"] * 85 + ["Planned"] * 8 + ["In progress"] * 3 + ["Done"] * 3 + ["Won't do"]
WEEKS = [0.5, 1.0, 3.0, 6.0, 12.0, 2.0, 4.0]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---------------------------------------------------------------- building the data


def build(path: Path, *, ideas: int, estimates: int, seed: int = 7) -> dict[str, Any]:
    """Fill a fresh database with `ideas` ideas and `estimates` estimates; return counts."""
    rnd = random.Random(seed)
    store = Store.open(path)
    conn = store.db.conn
    per_idea, extra = divmod(estimates, ideas)
    if per_idea >= len(USERS):
        raise SystemExit(f"at most {len(USERS) - 1} estimates per idea")
    created = NOW.isoformat()
    n_pains = max(10, ideas // 50)

    def pain_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(n_pains):
            yield (
                TEAM_ID,
                rnd.choice(USERS),
                f"Pain point {n} at checkout step {n % 7}",
                rnd.choice(DEFAULT_STAGES),
                rnd.randint(1, 5),
                "internal",
                "Open",
                created,
            )

    def idea_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            status = rnd.choice(STATUSES)
            pinned = rnd.choice(["Now", "Next", "Later"]) if rnd.random() < 0.01 else None
            yield (
                TEAM_ID,
                f"Idea {n}: improve step {n % 97}",
                "",
                rnd.choice(USERS),
                status,
                pinned,
                created,
                created,
            )

    def estimate_rows(first_id: int) -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            count = per_idea + (1 if n < extra else 0)
            for voter in rnd.sample(USERS, count):
                yield (
                    first_id + n,
                    voter,
                    TEAM_ID,
                    rnd.choice(DEFAULT_TEAMS),
                    rnd.randint(1, 5) if rnd.random() < 0.95 else None,
                    rnd.randint(1, 5) if rnd.random() < 0.9 else None,
                    rnd.choice(WEEKS),
                    created,
                )

    def support_rows(first_id: int) -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            for user in rnd.sample(USERS, rnd.randint(0, 4)):
                yield (first_id + n, user, TEAM_ID, rnd.choice(DEFAULT_TEAMS), created)

    def link_rows(first_idea: int, first_pain: int) -> Iterator[tuple[int, int]]:
        for n in range(ideas):
            if rnd.random() < 0.3:
                for p in rnd.sample(range(n_pains), rnd.randint(1, 2)):
                    yield (first_idea + n, first_pain + p)

    with store.transaction():
        many(
            conn,
            "insert into pain_points (team_id, reporter, text, stage, severity, source,"
            " status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            pain_rows(),
        )
        many(
            conn,
            "insert into ideas (team_id, title, description, proposer, status,"
            " pinned_bucket, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            idea_rows(),
        )
        first_pain = conn.execute("select min(id) from pain_points").fetchone()[0]
        first_idea = conn.execute("select min(id) from ideas").fetchone()[0]
        many(
            conn,
            "insert into idea_pain_points (idea_id, pain_point_id) values (?, ?)",
            link_rows(first_idea, first_pain),
        )
        many(
            conn,
            "insert into supports (idea_id, user, team_id, team, created_at)"
            " values (?, ?, ?, ?, ?)",
            support_rows(first_idea),
        )
        many(
            conn,
            "insert into estimates (idea_id, voter, team_id, team, impact, complexity,"
            " weeks, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            estimate_rows(first_idea),
        )
    counts = {
        table: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("ideas", "estimates", "supports", "pain_points", "idea_pain_points")
    }
    store.close()
    return counts


def many(conn: sqlite3.Connection, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)


# ---------------------------------------------------------------- measurements


def measure_rebuild(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    started = time.perf_counter()
    n = store.rebuild_stats(TEAM_ID)
    seconds = time.perf_counter() - started
    store.close()
    return {"ideas": n, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def measure_rank(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    services = Services(store, JourneyConfig(), clock=lambda: NOW)
    scoring = services.journey.scoring

    def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
        started = time.perf_counter()
        result = fn()
        return time.perf_counter() - started, result

    first, items = timed(lambda: services.ranking(TEAM_ID))
    rss_after_first = peak_rss_mb()
    ranked, items = len(items), []
    runs = sorted([first, timed(lambda: services.ranking(TEAM_ID))[0],
                   timed(lambda: services.ranking(TEAM_ID))[0]])  # fmt: skip
    # Where the time goes, with the collector paused as Services.ranking does.
    gc.disable()
    read, facts = timed(lambda: store.facts(TEAM_ID))
    scored, _ = timed(lambda: roadmap(facts, scoring))
    gc.enable()
    facts = []  # let them go before the next measurement
    unpaused, _ = timed(lambda: roadmap(store.facts(TEAM_ID), scoring))

    tracemalloc.start()
    services.ranking(TEAM_ID)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    services_seconds, entries = timed(lambda: services.roadmap(TEAM_ID))
    store.close()
    return {
        "ideas": ranked,
        "first": first,
        "median": runs[1],
        "read": read,
        "score": scored,
        "unpaused": unpaused,
        "peak_rss_mb": rss_after_first,
        "traced_peak_mb": traced_peak / 2**20,
        "services_seconds": services_seconds,
        "services_entries": len(entries),
        "services_peak_rss_mb": peak_rss_mb(),
    }


def measure_vote(path: Path, *, votes: int = 200, seed: int = 11) -> dict[str, Any]:
    rnd = random.Random(seed)
    store = Store.open(path)
    clock = Clock()
    services = Services(store, JourneyConfig(), clock=clock)
    ids = [i for (i,) in store.db.execute("select id from ideas where team_id = ?", [TEAM_ID])]
    timings = []
    for n in range(votes):
        idea_id = rnd.choice(ids)
        voter = rnd.choice(USERS) if n % 2 else f"UNEW{n:04d}"  # half re-votes, half new
        clock.tick()
        started = time.perf_counter()
        services.record_estimate(
            TEAM_ID, idea_id, voter, impact=rnd.randint(1, 5), complexity=rnd.randint(1, 5)
        )
        services.score_of(TEAM_ID, idea_id)
        timings.append(time.perf_counter() - started)
    store.close()
    timings.sort()
    return {
        "votes": votes,
        "median_ms": 1000 * statistics.median(timings),
        "p95_ms": 1000 * timings[int(0.95 * (len(timings) - 1))],
        "max_ms": 1000 * timings[-1],
    }


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


Row = tuple[str, str, str, str]
MEASURES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "rebuild": measure_rebuild,
    "rank": measure_rank,
    "vote": measure_vote,
}


def in_fresh_process(name: str, path: Path) -> dict[str, Any]:
    """Run one measurement in a new interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


# ---------------------------------------------------------------- report


def report(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="journeybot-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        print(f"Building {args.ideas:,} ideas and {args.estimates:,} estimates in {path} ...")
        started = time.perf_counter()
        counts = build(path, ideas=args.ideas, estimates=args.estimates)
        built = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
        print(
            f"built in {built:.1f} s: "
            + ", ".join(f"{n:,} {table}" for table, n in counts.items())
            + f"; {size_mb:.0f} MB on disk"
        )
        rebuild = in_fresh_process("rebuild", path)
        rank = in_fresh_process("rank", path)
        vote = in_fresh_process("vote", path)

    print()
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
        f" {os.cpu_count()} CPUs, {platform.machine()} {platform.system()}"
    )

    def line(label: str, value: str, target: str = "", ok: bool | None = None) -> Row:
        return (label, value, target, "" if ok is None else "ok" if ok else "OVER")

    n = vote["votes"]
    rows = [
        line("(1) rank all ideas (Services.ranking)", f"{rank['first']:.2f} s", "< 2 s",
             rank["first"] < 2),
        line("    median of 3 runs", f"{rank['median']:.2f} s", "< 2 s", rank["median"] < 2),
        line("    reading facts (Store.facts)", f"{rank['read']:.2f} s"),
        line("    scoring, ranking, buckets (roadmap)", f"{rank['score']:.2f} s"),
        line("    the same without pausing the GC", f"{rank['unpaused']:.2f} s"),
        line("    peak RSS of the ranking process", f"{rank['peak_rss_mb']:.0f} MB", "< 500 MB",
             rank["peak_rss_mb"] < 500),
        line("    peak Python heap (tracemalloc)", f"{rank['traced_peak_mb']:.0f} MB"),
        line("    Services.roadmap (+ the ideas themselves)", f"{rank['services_seconds']:.2f} s"),
        line("    its peak RSS", f"{rank['services_peak_rss_mb']:.0f} MB"),
        line("(2) rebuild all aggregates (Store.rebuild_stats)", f"{rebuild['seconds']:.2f} s",
             "none"),
        line("    peak RSS", f"{rebuild['peak_rss_mb']:.0f} MB"),
        line(f"(3) vote + rescore one idea, median of {n}", f"{vote['median_ms']:.2f} ms",
             "< 5 ms", vote["median_ms"] < 5),
        line("    95th percentile", f"{vote['p95_ms']:.2f} ms"),
        line("    slowest", f"{vote['max_ms']:.2f} ms"),
    ]  # fmt: skip
    print(f"ranked {rank['ideas']:,} active and closed ideas; rebuilt {rebuild['ideas']:,}")
    print()
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    header = ("measure", "result", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths[:3]))
    for row in rows:
        print(
            f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].ljust(widths[2])}"
            f"  {row[3]}".rstrip()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--estimates", type=int, default=1_000_000)
    parser.add_argument("--measure", choices=sorted(MEASURES), help=argparse.SUPPRESS)
    parser.add_argument("database", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(MEASURES[args.measure](args.database)))
    else:
        report(args)


if __name__ == "__main__":
    main()
