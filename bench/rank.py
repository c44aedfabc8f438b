"""Benchmark: what a vote, /roadmap, App Home and the whole roadmap cost as ideas grow.

    .venv/bin/python bench/rank.py                      # 1,000, 10,000 and 100,000 ideas
    .venv/bin/python bench/rank.py --sizes 1000 10000   # a quicker look

For each size it builds a database in a temporary folder (ten estimates per idea: one
million at 100,000 ideas), then measures, each in a fresh process so that one
measurement's memory does not inflate another's peak, the new path next to the old
full-ranking path, in the same run:

1. a vote and its card redraw: `Services.record_estimate` + `Services.entry` + the card
   builder `idea_card`; the old path found the idea's entry by ranking the workspace;
2. `/roadmap`: the top 10 from the ranking index (`Services.top`), with the heat's weakest
   stage and the message built, next to ranking everything (`Services.roadmap`);
3. App Home (`Services.home`), next to the old one built from the whole roadmap;
4. `journeybot roadmap` for every idea (`Services.roadmap`): time and peak memory;
5. what a scoring config change costs once, at the next start (`Store.use_scoring`
   rebuilds the ranking index), and rebuilding every aggregate too (`store.stats.rebuild`).

This is not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import common  # first: it puts the project on sys.path
from common import NOW, TEAM_ID, USERS

from bot.services import Home, Services
from bot.slack.blocks.idea import idea_card
from bot.slack.blocks.reports import TOP, roadmap_message
from prioritize.config import DEFAULT_STAGES, JourneyConfig, ScoringConfig, Strategy
from prioritize.scoring import RoadmapEntry
from storage.store import Store

STATUSES = ["Proposed"] * 85 + ["Planned"] * 8 + ["In progress"] * 3 + ["Done"] * 3 + ["Won't do"]
PER_IDEA = 10


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
                yield common.estimate_row(rnd, first_id + n, voter, created)

    def link_rows(first_idea: int, first_pain: int) -> Iterator[tuple[int, int]]:
        for n in range(ideas):
            if rnd.random() < 0.3:
                for p in rnd.sample(range(n_pains), rnd.randint(1, 2)):
                    yield (first_idea + n, first_pain + p)

    with store.transaction():
        first_pain = common.insert_first(
            conn,
            "pain_points",
            "team_id, reporter, text, stage, severity, source, status, created_at",
            pain_rows(),
        )
        first_idea = common.insert_first(
            conn,
            "ideas",
            "team_id, title, description, proposer, status, pinned_bucket, created_at, updated_at",
            idea_rows(),
        )
        common.insert(
            conn, "idea_pain_points", "idea_id, pain_point_id", link_rows(first_idea, first_pain)
        )
        common.insert(
            conn,
            "supports",
            common.SUPPORT_COLUMNS,
            common.support_rows(rnd, first_idea, ideas, created),
        )
        common.insert(
            conn,
            "estimates",
            common.ESTIMATE_COLUMNS,
            estimate_rows(first_idea),
        )
    counts = {
        table: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("ideas", "estimates", "supports", "pain_points", "idea_pain_points")
    }
    store.close()
    return counts


# ---------------------------------------------------------------- the old paths


def old_entry(services: Services, team_id: str, idea_id: int) -> RoadmapEntry:
    """One idea's entry as it was found before the index: by ranking every idea."""
    for item in services.ranking(team_id):
        if item.score.idea_id == idea_id:
            idea = services.store.ideas.get(team_id, idea_id)
            return RoadmapEntry(idea, item, scoring=services.journey.scoring)
    raise LookupError(idea_id)


def old_roadmap(services: Services, team_id: str) -> list[RoadmapEntry]:
    """The whole roadmap as it was read before: ranking, then every Idea model on its own."""
    scoring = services.journey.scoring
    items = services.ranking(team_id)
    ideas = {i.id: i for i in services.store.ideas.all(team_id)}
    return [
        RoadmapEntry(ideas[item.score.idea_id], item, scoring=scoring)
        for item in items
        if item.score.idea_id in ideas
    ]


def old_home(services: Services, team_id: str, user: str) -> Home:
    """App Home as it was built before the index: from the whole roadmap."""
    store = services.store
    entries = services.roadmap(team_id)
    active = [e for e in entries if e.idea.status.is_active]
    estimated = store.votes.estimated_by(team_id, user)
    return Home(
        team=store.people.team_of(team_id, user),
        teams=tuple(services.journey.teams),
        notify=store.people.wants_dms(team_id, user),
        pain_points=list(reversed(store.pains.all(team_id, reporter=user))),
        ideas=[e for e in reversed(entries) if e.idea.proposer == user],
        waiting=[e for e in active if e.idea.id not in estimated],
        top=active[:5],
    )


# ---------------------------------------------------------------- measurements


def open_services(path: Path) -> Services:
    return Services(Store.open(path), JourneyConfig(), clock=Clock())


def measure_rebuild(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    seconds, n = common.timed(lambda: store.stats.rebuild(TEAM_ID))
    # A scoring config changed between two runs: only the index is rebuilt, then back.
    changed, _ = common.timed(lambda: store.use_scoring(ScoringConfig(strategy=Strategy.RICE)))
    store.use_scoring(ScoringConfig())
    store.close()
    return {"ideas": n, "seconds": seconds, "changed": changed, "peak_rss_mb": common.peak_rss_mb()}


def measure_vote(path: Path, *, votes: int = 200, old_votes: int = 5) -> dict[str, Any]:
    rnd = random.Random(11)
    services = open_services(path)
    clock = services.clock
    assert isinstance(clock, Clock)
    min_estimates = services.journey.scoring.min_estimates
    ids = [
        i for (i,) in services.store.db.execute("select id from ideas where team_id = ?", [TEAM_ID])
    ]

    def vote(n: int, entry_of: Callable[[Services, str, int], RoadmapEntry]) -> float:
        idea_id = rnd.choice(ids)
        voter = rnd.choice(USERS) if n % 2 else f"UNEW{n:04d}"  # half re-votes, half new
        clock.tick()
        started = time.perf_counter()
        services.record_estimate(
            TEAM_ID, idea_id, voter, impact=rnd.randint(1, 5), complexity=rnd.randint(1, 5)
        )
        entry = entry_of(services, TEAM_ID, idea_id)
        idea_card(entry.idea, entry.score, entry.item.bucket, min_estimates=min_estimates)
        return time.perf_counter() - started

    new = sorted(vote(n, Services.entry) for n in range(votes))
    old = sorted(vote(votes + n, old_entry) for n in range(old_votes))
    services.store.close()
    return {
        "votes": votes,
        "median_ms": 1000 * statistics.median(new),
        "p95_ms": 1000 * new[int(0.95 * (len(new) - 1))],
        "old_votes": old_votes,
        "old_median_ms": 1000 * statistics.median(old),
    }


def measure_reads(path: Path, *, runs: int = 20, old_runs: int = 3) -> dict[str, Any]:
    services = open_services(path)
    user = USERS[7]

    def new_roadmap() -> dict[str, Any]:
        return roadmap_message(
            services.top(TEAM_ID, TOP),
            weakest=services.weakest_stage(TEAM_ID),
            notion_url=services.notion_url(TEAM_ID),
            total=services.on_roadmap(TEAM_ID),
        )

    def old_roadmap() -> dict[str, Any]:
        return roadmap_message(
            services.roadmap(TEAM_ID),
            weakest=services.heat(TEAM_ID).weakest,
            notion_url=services.notion_url(TEAM_ID),
        )

    assert new_roadmap()["blocks"] == old_roadmap()["blocks"], "the two paths disagree"

    def median_ms(fn: Callable[[], Any], n: int) -> float:
        return 1000 * statistics.median(common.timed(fn)[0] for _ in range(n))

    result = {
        "roadmap_ms": median_ms(new_roadmap, runs),
        "old_roadmap_ms": median_ms(old_roadmap, old_runs),
        "heat_ms": median_ms(lambda: services.weakest_stage(TEAM_ID), runs),
        "home_ms": median_ms(lambda: services.home(TEAM_ID, user), runs),
        "old_home_ms": median_ms(lambda: old_home(services, TEAM_ID, user), old_runs),
    }
    services.store.close()
    return result


def measure_full(path: Path) -> dict[str, Any]:
    services = open_services(path)
    cpu = time.process_time()
    seconds, entries = common.timed(lambda: services.roadmap(TEAM_ID))
    # Processor time too: on a shared machine the wall clock counts the others' work.
    cpu = time.process_time() - cpu
    rss = common.peak_rss_mb()
    n = len(entries)
    entries = []
    again, _ = common.timed(lambda: services.roadmap(TEAM_ID))
    services.store.close()
    return {"entries": n, "seconds": seconds, "cpu": cpu, "again": again, "peak_rss_mb": rss}


def measure_old_full(path: Path) -> dict[str, Any]:
    services = open_services(path)
    seconds, _ = common.timed(lambda: old_roadmap(services, TEAM_ID))
    services.store.close()
    return {"seconds": seconds, "peak_rss_mb": common.peak_rss_mb()}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


MEASURES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "rebuild": measure_rebuild,
    "vote": measure_vote,
    "reads": measure_reads,
    "full": measure_full,
    "old_full": measure_old_full,
}


# ---------------------------------------------------------------- report


def measure_size(ideas: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="journeybot-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        counts = build(path, ideas=ideas, estimates=ideas * PER_IDEA)
        built = time.perf_counter() - started
        print(
            f"  {ideas:,} ideas: built in {built:.1f} s ("
            + ", ".join(f"{n:,} {table}" for table, n in counts.items())
            + ")",
            flush=True,
        )
        return {name: common.in_fresh_process(__file__, name, path) for name in MEASURES}


def report(args: argparse.Namespace) -> None:
    print(common.machine())
    print(f"Building and measuring {', '.join(f'{n:,}' for n in args.sizes)} ideas ...")
    results = {n: measure_size(n) for n in args.sizes}

    def row(label: str, target: str, cell: Callable[[dict[str, Any]], str]) -> list[str]:
        return [label, *(cell(results[n]) for n in args.sizes), target]

    def unit(digits: str, name: str) -> Callable[..., str]:
        def cell(value: float, limit: float | None = None) -> str:
            return common.flagged(f"{value:{digits}} {name}", value, limit)

        return cell

    ms, sec, mb = unit(",.1f", "ms"), unit(",.2f", "s"), unit(",.0f", "MB")

    rows = [
        row("vote + card redraw, median", "< 20 ms", lambda r: ms(r["vote"]["median_ms"], 20)),
        row("  95th percentile", "", lambda r: ms(r["vote"]["p95_ms"])),
        row("  old: entry by ranking all", "", lambda r: ms(r["vote"]["old_median_ms"])),
        row("/roadmap top 10, median", "< 100 ms", lambda r: ms(r["reads"]["roadmap_ms"], 100)),
        row("  of which the weakest stage", "", lambda r: ms(r["reads"]["heat_ms"])),
        row("  old: from the whole roadmap", "", lambda r: ms(r["reads"]["old_roadmap_ms"])),
        row("App Home, median", "", lambda r: ms(r["reads"]["home_ms"])),
        row("  old: from the whole roadmap", "", lambda r: ms(r["reads"]["old_home_ms"])),
        row("journeybot roadmap, all ideas", "< 2 s", lambda r: sec(r["full"]["seconds"], 2)),
        row("  of which on the processor", "", lambda r: sec(r["full"]["cpu"])),
        row("  second run", "", lambda r: sec(r["full"]["again"])),
        row("  peak RSS", "< 500 MB", lambda r: mb(r["full"]["peak_rss_mb"], 500)),
        row("  old: ranking, then each Idea", "", lambda r: sec(r["old_full"]["seconds"])),
        row("  its peak RSS", "", lambda r: mb(r["old_full"]["peak_rss_mb"])),
        row("config change: rebuild the index", "once", lambda r: sec(r["rebuild"]["changed"])),
        row("rebuild stats and index", "once", lambda r: sec(r["rebuild"]["seconds"])),
        row("  peak RSS", "", lambda r: mb(r["rebuild"]["peak_rss_mb"])),
    ]
    header = ["ideas", *(f"{n:,}" for n in args.sizes), "target"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    print(
        "  ".join(
            h.rjust(w) if i else h.ljust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        ).rstrip()
    )
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(
            "  ".join(
                c.rjust(w) if 0 < i < len(r) - 1 else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    votes = results[args.sizes[0]]["vote"]
    print()
    print(
        f"vote: median of {votes['votes']} votes (old path: {votes['old_votes']});"
        " /roadmap and App Home: median of 20 runs (old: 3)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    common.measure_or_report(parser, MEASURES, report)


if __name__ == "__main__":
    main()
