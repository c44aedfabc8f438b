"""Benchmark: many workspaces in one process, each with its own Notion integration.

Builds W workspaces of N ideas each (default 100 x 1,000) in one database, connects each
to its own integration of the Notion emulator (its own token, page and rate limit), and
brings every Notion copy up to date once (setup: unthrottled, not measured). Then, at
Notion's real limit of 3 requests a second per integration, it times one scheduled round
(a vote in every workspace, then the sync job and the digest job) three ways in the same
run:

1. one workspace alone (the baseline: what a single-workspace bot's round costs);
2. every workspace, synced side by side (`Jobs.sync_workers`, the default);
3. with `--one-after-another`, every workspace one sync after another (workers = 1), as
   before workspaces ran apart (the side-by-side round also prints its syncs' summed time);

and the peak memory of a process that serves all of them, next to one that serves one.

    .venv/bin/python bench/workspaces.py                          # 100 x 1,000
    .venv/bin/python bench/workspaces.py --workspaces 10 --ideas 200   # a quick look
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet

from bot.config import AppConfig, Settings
from bot.jobs import SYNC_WORKERS, Jobs
from bot.sandbox.notion import NotionEmulator
from bot.services import Services
from bot.workspace_settings import WorkspaceDefaults
from prioritize.config import DEFAULT_STAGES, DEFAULT_TEAMS, JourneyConfig
from storage.store import Store

__all__ = ["main"]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USERS = [f"U{n:04d}" for n in range(40)]
VOTED = 7
"""The idea (by position) that gets the round's vote in each workspace."""
LIMIT = 3.0
"""Notion's average limit, per integration."""


def team(n: int) -> str:
    return f"T{n:06d}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB: VmHWM, which (unlike ru_maxrss) starts
    afresh in a process started by this one, so the one-workspace run is measured alone."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(path: Path, *, workspaces: int, ideas: int, seed: int = 11) -> None:
    """Fill a fresh database: per workspace `ideas` ideas with 3 estimates, a pain point
    per 20 ideas, a third of the ideas linked to one."""
    rnd = random.Random(seed)
    store = Store.open(path)
    conn = store.db.conn
    at = NOW.isoformat()
    with store.transaction():
        for w in range(workspaces):
            t = team(w)
            conn.executemany(
                "insert into pain_points (team_id, reporter, text, stage, severity, source,"
                " status, created_at) values (?, ?, ?, ?, ?, 'internal', 'Open', ?)",
                [
                    (t, rnd.choice(USERS), f"Pain {n} of {t}", rnd.choice(DEFAULT_STAGES),
                     rnd.randint(1, 5), at)
                    for n in range(max(1, ideas // 20))
                ],
            )  # fmt: skip
            pains = [
                r[0] for r in conn.execute("select id from pain_points where team_id = ?", [t])
            ]
            conn.executemany(
                "insert into ideas (team_id, title, description, proposer, status,"
                " created_at, updated_at) values (?, ?, '', ?, 'Proposed', ?, ?)",
                [(t, f"Idea {n} of {t}", rnd.choice(USERS), at, at) for n in range(ideas)],
            )
            ids = [r[0] for r in conn.execute("select id from ideas where team_id = ?", [t])]
            conn.executemany(
                "insert into estimates (idea_id, voter, team_id, team, impact, complexity,"
                " weeks, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (i, voter, t, rnd.choice(DEFAULT_TEAMS), rnd.randint(1, 5),
                     rnd.randint(1, 5), rnd.choice([0.5, 1, 2, 3, 6]), at)
                    for i in ids
                    for voter in rnd.sample(USERS, 3)
                ],
            )  # fmt: skip
            conn.executemany(
                "insert into idea_pain_points (idea_id, pain_point_id) values (?, ?)",
                [(i, rnd.choice(pains)) for i in ids if rnd.random() < 0.3],
            )
        # Stats and ranks are derived: dropping their version makes the next open rebuild them.
        conn.execute("delete from meta where key in ('stats.version', 'ranks.fingerprint')")
    store.close()


class Emulator:
    """The Notion emulator in a process of its own, so that the memory and the CPU
    measured are the bot's alone; driven through a pipe."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.base_url = str(self._conn.recv())

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        return self._conn.recv()

    def close(self) -> None:
        self._conn.send(("stop", (), {}))
        self._process.join(10)


def _serve(conn: Any) -> None:
    with NotionEmulator(rate_limit=None) as notion:
        conn.send(notion.base_url)
        while True:
            name, args, kwargs = conn.recv()
            if name == "stop":
                return
            conn.send(getattr(notion, name)(*args, **kwargs))


def open_services(path: Path, settings: Settings) -> Services:
    return Services(
        Store.open(path),
        JourneyConfig(),
        admins=frozenset({"U0ADMIN"}),
        clock=lambda: NOW,
        workspace_defaults=WorkspaceDefaults.from_settings(settings, AppConfig()),
    )


def round_of(jobs: Jobs, services: Services, teams: list[str], n: int) -> dict[str, Any]:
    """A vote in each workspace, then the sync and the digest jobs; return the timings."""
    for t in teams:
        idea = services.store.ideas.all(t)[VOTED]
        services.record_estimate(t, idea.id or 0, f"UV{n:03d}", impact=5, complexity=1, weeks=1)
    began, cpu = time.perf_counter(), cpu_seconds()
    reports = jobs.sync_now(teams)
    synced = time.perf_counter()
    # A digest a week apart each round: a digest is remembered by its moment.
    digests = jobs.post_digest(now=NOW + timedelta(weeks=n), teams=teams)
    done = time.perf_counter()
    return {
        "sync_s": synced - began,
        "digest_s": done - synced,
        "round_s": done - began,
        "cpu_s": cpu_seconds() - cpu,
        "synced": len(reports),
        "digests": len(digests),
        "requests": sum(r.requests for r in reports.values()),
        "sync_s_summed": sum(r.seconds for r in reports.values()),
        "rate_limited": sum(r.rate_limited for r in reports.values()),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    notion = Emulator()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journeybot.db"
        began = time.perf_counter()
        build(path, workspaces=args.workspaces, ideas=args.ideas)
        out["build_s"] = time.perf_counter() - began
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            notion_api_url=notion.base_url,
            journeybot_secret_key=Fernet.generate_key().decode(),
        )
        began = time.perf_counter()
        services = open_services(path, settings)
        out["open_s"] = time.perf_counter() - began
        teams = [team(w) for w in range(args.workspaces)]
        for t in teams:
            token = f"secret_{t}_{'0' * 30}"
            page = notion.call("add_integration", token, page_title=f"Roadmap of {t}")
            services.workspace.connect_notion(t, token=token, parent_page_id=page, by="U0ADMIN")
        # Setup: every workspace's first sync, unthrottled (not what is measured).
        limited = AppConfig.model_validate({"sync": {"requests_per_second": LIMIT}})
        unthrottled = limited.model_copy(
            update={"sync": limited.sync.model_copy(update={"requests_per_second": 10_000.0})}
        )
        jobs = Jobs(settings, unthrottled, services)
        jobs.sync_workers = args.setup_workers
        began = time.perf_counter()
        first = jobs.sync_now(teams)
        out["setup_s"] = time.perf_counter() - began
        out["setup_synced"] = len(first)
        out["setup_requests"] = sum(r.requests for r in first.values())
        # Measured: Notion's limit for every integration, and each client keeping to it.
        notion.call("configure_rate_limit", LIMIT, burst=3)
        jobs.config = limited
        jobs.sync_workers = 1
        # The same vote each time, in workspaces that have not had it yet: the baseline
        # round is the last workspace alone, the others are rounds over the rest.
        last, rest = teams[-1:], teams[:-1] or teams
        out["one"] = round_of(jobs, services, last, 1)
        jobs.sync_workers = args.workers
        out["side_by_side"] = round_of(jobs, services, rest, 2)
        if args.one_after_another:
            jobs.sync_workers = 1
            out["one_after_another"] = round_of(jobs, services, rest, 3)
        out["peak_rss_mb"] = peak_rss_mb()
        services.store.close()
    notion.close()
    return out


def memory_of_one(args: argparse.Namespace) -> float:
    """Peak memory of a process with the same workload for one workspace."""
    command = [
        sys.executable,
        __file__,
        "--workspaces",
        "1",
        "--ideas",
        str(args.ideas),
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout)["peak_rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--ideas", type=int, default=1000, help="ideas per workspace")
    parser.add_argument("--workers", type=int, default=SYNC_WORKERS)
    parser.add_argument("--setup-workers", type=int, default=8)
    parser.add_argument(
        "--one-after-another",
        action="store_true",
        help="also time the round with one sync at a time (about workspaces x 8 s)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    one_mb = memory_of_one(args)
    w, n = args.workspaces, args.ideas
    print(f"{w} workspaces x {n:,} ideas ({w * n:,} ideas), each with its own Notion integration")
    print(
        f"setup: built in {result['build_s']:.1f} s, opened (ranks rebuilt) in"
        f" {result['open_s']:.1f} s, first syncs {result['setup_requests']:,} requests"
        f" in {result['setup_s']:.0f} s (unthrottled, not measured)"
    )
    print(
        f"\none scheduled round (a vote per workspace, sync job, digest job), {LIMIT:g} req/s each:"
    )
    print(f"{'':28}{'sync':>9}{'digests':>10}{'round':>9}{'CPU':>8}{'requests':>10}{'429s':>6}")
    rows = [("one workspace (baseline)", result["one"]),
            (f"{max(1, w - 1)} side by side ({args.workers})", result["side_by_side"])]  # fmt: skip
    if "one_after_another" in result:
        rows.append((f"{max(1, w - 1)} one after another", result["one_after_another"]))
    for label, r in rows:
        print(
            f"{label:28}{r['sync_s']:>8.1f}s{r['digest_s']:>9.1f}s{r['round_s']:>8.1f}s"
            f"{r['cpu_s']:>7.1f}s{r['requests']:>10}{r['rate_limited']:>6}"
        )
    summed = result["side_by_side"]["sync_s_summed"]
    print(f"(the {max(1, w - 1)} syncs of the side-by-side round took {summed:.0f} s added up:"
          f" what one after another would cost)")  # fmt: skip
    print(f"\npeak memory: {result['peak_rss_mb']:.0f} MB for {w} workspaces,"
          f" {one_mb:.0f} MB for one")  # fmt: skip


if __name__ == "__main__":
    main()
