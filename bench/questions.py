"""Benchmark: answer the five journey questions for 100,000 pain points and 10,000 ideas.

    .venv/bin/python bench/questions.py                 # the figures the issue asks for
    .venv/bin/python bench/questions.py --pains 10000 --ideas 1000   # a quick look

Builds a database in a temporary folder (pain points over a year, every evidence type
including none, ideas in every status with estimates, support, links and status
changes), then measures, each in a fresh process so one peak does not inflate another:

1. ranking alone (`Services.ranking`), the baseline,
2. all five answers with the outcomes of Done ideas: `store.stats.facts`, `journey_facts`
   (one query per table) and `prioritize.questions.answer`, with the garbage collector
   paused as the use case pauses it,
3. the use case `Services.questions`, what `/journey questions`, App Home, the digest and
   `journeybot questions` call: the same, plus the "Is this better now?" answers (three
   people asked per Done idea).

This is not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import common  # first: it puts the project on sys.path
from common import NOW, TEAM_ID, USERS

from bot.services import Services
from bot.services.core import _gc_paused
from prioritize.config import DEFAULT_STAGES, DEFAULT_TOUCHPOINTS, JourneyConfig
from prioritize.questions import answer
from storage.journey_facts import journey_facts
from storage.store import Store

SOURCES = ["customer said"] * 4 + ["observed behaviour"] * 3 + ["internal"] * 2 + [None]
PAIN_STATUSES = ["Open"] * 7 + ["Addressed"] * 2 + ["Closed"]
IDEA_STATUSES = (
    ["Proposed"] * 70 + ["Planned"] * 12 + ["In progress"] * 8 + ["Done"] * 8 + ["Won't do"] * 2
)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


# ---------------------------------------------------------------- building the data


def build(path: Path, *, pains: int, ideas: int, seed: int = 7) -> dict[str, int]:
    """Fill a fresh database with `pains` pain points and `ideas` ideas; return counts."""
    rnd = random.Random(seed)
    store = Store.open(path)
    conn = store.db.conn

    def ago(max_days: float) -> datetime:
        return NOW - timedelta(days=rnd.uniform(0, max_days))

    def pain_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(pains):
            yield (
                TEAM_ID,
                rnd.choice(USERS),
                f"Pain point {n} at step {n % 7}",
                rnd.choice(DEFAULT_STAGES),
                rnd.choice(DEFAULT_TOUCHPOINTS) if rnd.random() < 0.9 else None,
                rnd.randint(1, 5),
                rnd.choice(SOURCES),
                rnd.choice(PAIN_STATUSES),
                iso(ago(365)),
            )

    statuses = [rnd.choice(IDEA_STATUSES) for _ in range(ideas)]
    created = [ago(365) for _ in range(ideas)]

    def idea_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            yield (
                TEAM_ID,
                f"Idea {n}: improve step {n % 97}",
                "",
                rnd.choice(USERS),
                statuses[n],
                iso(created[n]),
                iso(created[n]),
            )

    def estimate_rows(first: int) -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            for voter in rnd.sample(USERS, rnd.randint(0, 20)):
                yield common.estimate_row(rnd, first + n, voter, iso(NOW))

    def link_rows(first_idea: int, first_pain: int) -> Iterator[tuple[int, int]]:
        for n in range(ideas):
            for p in rnd.sample(range(pains), rnd.randint(0, 6)):
                yield (first_idea + n, first_pain + p)

    def survey_rows(first: int) -> Iterator[tuple[Any, ...]]:
        answers = ["yes", "not yet", "worse", None]
        for n in range(ideas):
            if statuses[n] == "Done":
                for user in rnd.sample(USERS, 3):
                    said = rnd.choice(answers)
                    yield (TEAM_ID, first + n, user, iso(NOW), said, iso(NOW) if said else None)

    def change_rows(first: int) -> Iterator[tuple[Any, ...]]:
        for n in range(ideas):
            if statuses[n] != "Proposed":
                moved = created[n] + (NOW - created[n]) * rnd.random()
                yield (first + n, "Proposed", statuses[n], "U00001", "slack", iso(moved))

    with store.transaction():
        first_pain = common.insert_first(
            conn,
            "pain_points",
            "team_id, reporter, text, stage, touchpoint, severity, source, status, created_at",
            pain_rows(),
        )
        first_idea = common.insert_first(
            conn,
            "ideas",
            "team_id, title, description, proposer, status, created_at, updated_at",
            idea_rows(),
        )
        common.insert(
            conn,
            "idea_pain_points",
            "idea_id, pain_point_id",
            link_rows(first_idea, first_pain),
            ignore=True,
        )
        common.insert(
            conn,
            "supports",
            common.SUPPORT_COLUMNS,
            common.support_rows(rnd, first_idea, ideas, iso(NOW)),
        )
        common.insert(
            conn,
            "estimates",
            common.ESTIMATE_COLUMNS,
            estimate_rows(first_idea),
        )
        common.insert(
            conn, "status_changes", "idea_id, old, new, by, source, at", change_rows(first_idea)
        )
        common.insert(
            conn,
            "surveys",
            "team_id, idea_id, user_id, asked_at, answer, answered_at",
            survey_rows(first_idea),
        )
    store.stats.rebuild(TEAM_ID)
    counts = {
        table: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for table in (
            "pain_points",
            "ideas",
            "estimates",
            "supports",
            "idea_pain_points",
            "status_changes",
            "surveys",
        )
    }
    store.close()
    return counts


# ---------------------------------------------------------------- measurements


def measure_rank(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    services = Services(store, JourneyConfig(), clock=lambda: NOW)
    figures, items = common.measured(lambda: services.ranking(TEAM_ID))
    store.close()
    return {"ideas": len(items), **figures}


def measure_questions(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    config = JourneyConfig()

    def all_five() -> tuple[float, float, Any]:
        # With the collector paused, as `Services.questions` (every caller) runs them.
        with _gc_paused():
            read, facts = common.timed(
                lambda: journey_facts(store.db, TEAM_ID, facts=store.stats.facts(TEAM_ID))
            )
            computed, answers = common.timed(
                lambda: answer(facts.pains, facts.ideas, config, now=NOW)
            )
        return read, computed, answers

    read, computed, answers = all_five()
    rss = common.peak_rss_mb()
    runs = sorted([read + computed, *(sum(all_five()[:2]) for _ in range(2))])
    store.close()
    verdicts: dict[str, int] = {}
    for o in answers.stages.outcomes:
        verdicts[o.verdict.value] = verdicts.get(o.verdict.value, 0) + 1
    return {
        "first": read + computed,
        "median": runs[1],
        "read": read,
        "compute": computed,
        "peak_rss_mb": rss,
        "ranked": len(answers.impact.rows),
        "touchpoints": len(answers.obstacles.rows),
        "outcomes": verdicts,
        "gaps": len(answers.say_do.gaps),
    }


def measure_use_case(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    services = Services(store, JourneyConfig(), clock=lambda: NOW)
    figures, _ = common.measured(lambda: services.questions(TEAM_ID))
    store.close()
    return figures


MEASURES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "rank": measure_rank,
    "questions": measure_questions,
    "use_case": measure_use_case,
}


# ---------------------------------------------------------------- report


def report(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="journeybot-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        print(f"Building {args.pains:,} pain points and {args.ideas:,} ideas in {path} ...")
        started = time.perf_counter()
        counts = build(path, pains=args.pains, ideas=args.ideas)
        built = time.perf_counter() - started
        print(f"built in {built:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
        rank = common.in_fresh_process(__file__, "rank", path)
        questions = common.in_fresh_process(__file__, "questions", path)
        use_case = common.in_fresh_process(__file__, "use_case", path)

    print()
    print(common.machine())
    print(
        f"answers: {questions['ranked']:,} ideas ranked by impact × reach,"
        f" {questions['touchpoints']} touchpoints, {questions['gaps']} say-versus-do gaps,"
        f" outcomes {questions['outcomes']}"
    )
    print()
    q, r, u = questions, rank, use_case
    rows = [
        ("baseline: rank all ideas (Services.ranking)", f"{r['first']:.2f} s", "", ""),
        ("    median of 3 runs", f"{r['median']:.2f} s", "", ""),
        ("    peak RSS", f"{r['peak_rss_mb']:.0f} MB", "", ""),
        ("all five answers, with outcomes", f"{q['first']:.2f} s", "< 2 s",
         "ok" if q["first"] < 2 else "OVER"),
        ("    median of 3 runs", f"{q['median']:.2f} s", "< 2 s",
         "ok" if q["median"] < 2 else "OVER"),
        ("    reading (stats.facts + journey_facts)", f"{q['read']:.2f} s", "", ""),
        ("    answering (prioritize.questions.answer)", f"{q['compute']:.2f} s", "", ""),
        ("    against ranking alone", f"{q['median'] / r['median']:.1f}×", "", ""),
        ("    peak RSS", f"{q['peak_rss_mb']:.0f} MB", "< 500 MB",
         "ok" if q["peak_rss_mb"] < 500 else "OVER"),
        ("the use case, with survey answers (Services.questions)", f"{u['first']:.2f} s",
         "< 2 s", "ok" if u["first"] < 2 else "OVER"),
        ("    median of 3 runs", f"{u['median']:.2f} s", "< 2 s",
         "ok" if u["median"] < 2 else "OVER"),
        ("    peak RSS", f"{u['peak_rss_mb']:.0f} MB", "< 500 MB",
         "ok" if u["peak_rss_mb"] < 500 else "OVER"),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("measure", "result", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(
            f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].ljust(widths[2])}"
            f"  {row[3]}".rstrip()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pains", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=10_000)
    common.measure_or_report(parser, MEASURES, report)


if __name__ == "__main__":
    main()
