"""Benchmark: what serving many installed workspaces costs a slash command's ack.

    .venv/bin/python bench/install_ack.py                       # 50 workspaces, 400 requests
    .venv/bin/python bench/install_ack.py --workspaces 100 --requests 1000 --concurrency 20

Runs, in this process, a local Slack emulator and two journeybot apps served over HTTP by
the bot's own server: one with a single bot token (the baseline), one installed through
Slack's install flow in `--workspaces` workspaces (each installed the way a person does:
install page, Slack's authorize page, the redirect back). Both get the same `/pain`
commands, `--concurrency` at a time, in interleaved rounds; those sent to the installed
app are spread over all its workspaces, so each one costs the installation-store lookups
(the guard's and Bolt's authorize) that pick its bot token. Time-to-ack is measured from
sending the signed request to reading the response; after-the-ack work runs meanwhile and
is drained between rounds.

Target: the installed app's p99 within 1.5x of the single-token app's. This is not a test:
it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import logging
import platform
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import AppConfig, Settings, SlackConfig  # noqa: E402
from bot.doctor import manifest_scopes  # noqa: E402
from bot.sandbox.slack import SlackEmulator, Workspace  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.slack.app import build_app  # noqa: E402
from bot.slack.http_server import serve_http  # noqa: E402
from bot.slack.install import INSTALL_PATH, REDIRECT_PATH  # noqa: E402
from bot.slack.runtime import Runtime  # noqa: E402
from storage.store import Store  # noqa: E402

SECRET = "bench-signing-secret"
SINGLE, INSTALLED = "single token", "installed"
TEXTS = (
    "Checkout page times out when paying by card",
    "Invoices are emailed as blurry scans",
    "New users say the password reset email never arrives",
    "Admins cannot find the SSO settings page",
)


class Bot:
    """One journeybot app on its own HTTP port, and the people who talk to it."""

    def __init__(self, settings: Settings, workdir: Path, name: str) -> None:
        self.store = Store.open(workdir / f"{name}.db")
        config = AppConfig(slack=SlackConfig(roadmap_channel="C0ROADMAP", admins=["U0ADA"]))
        self.services = Services(self.store, config.journey, admins=frozenset({"U0ADA"}))
        self.runtime = Runtime()
        self.app = build_app(settings, config, self.services, runtime=self.runtime)
        self.server, self.url = serve_http(self.app, signing_secret=SECRET)
        self.people: list[tuple[Workspace, str, str]] = []
        """(people of a workspace, one of them, their channel), taken in turn."""

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.runtime.close(timeout=10)
        self.store.close()


def _get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode(), response.headers.get("Set-Cookie", "")


def install(slack: SlackEmulator, bot: Bot, team_id: str, user: str) -> None:
    """Install as a person does: the install page, Slack's authorize page, the redirect."""
    base = bot.url.removesuffix("/slack/events")
    _, page, cookie = _get(base + INSTALL_PATH)
    found = re.search(r'href="([^"]+oauth/v2/authorize[^"]*)"', page)
    assert found, "no Add to Slack link"
    location = slack.authorize(unescape(found[1]), team_id=team_id, user=user)
    status, _, _ = _get(location, cookie.split(";")[0])
    assert status == 200, f"installing {team_id} answered {status}"


def send(bot: Bot, n: int, concurrency: int, offset: int) -> list[float]:
    def one(i: int) -> float:
        people, user, channel = bot.people[(offset + i) % len(bot.people)]
        text = f"{TEXTS[i % len(TEXTS)]} ({offset + i})"
        started = time.perf_counter()
        reply = people.slash(user, "/pain", text, channel=channel)
        elapsed = time.perf_counter() - started
        assert reply.status == 200, reply
        return elapsed

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(n)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    scopes = sorted(manifest_scopes())
    with tempfile.TemporaryDirectory() as tmp, SlackEmulator(scopes=scopes) as slack:
        workdir = Path(tmp)
        single = Bot(
            Settings(
                _env_file=None,
                slack_bot_token=slack.token,
                slack_signing_secret=SECRET,
                slack_api_url=slack.api_url,
                journeybot_db=workdir / "single.db",
            ),
            workdir,
            "single",
        )
        single.people = [(Workspace(slack, single.url, SECRET), "U0BEN", "C0ROADMAP")]
        installed = Bot(
            Settings(
                _env_file=None,
                slack_client_id=slack.client_id,
                slack_client_secret=slack.client_secret,
                slack_state_secret="bench-state-secret",
                slack_signing_secret=SECRET,
                slack_api_url=slack.api_url,
                journeybot_db=workdir / "installed.db",
            ),
            workdir,
            "installed",
        )
        slack.redirect_url = installed.url.removesuffix("/slack/events") + REDIRECT_PATH
        started = time.perf_counter()
        for n in range(args.workspaces):
            team_id, user, channel = f"T{n:05d}", f"U{n:05d}", f"C{n:05d}"
            emulated = slack.add_workspace(
                team_id, users={user: {"name": f"person{n}"}}, channels={channel: "roadmap"}
            )
            install(slack, installed, team_id, user)
            installed.people.append((Workspace(emulated, installed.url, SECRET), user, channel))
        install_s = time.perf_counter() - started

        times: dict[str, list[float]] = {SINGLE: [], INSTALLED: []}
        per_round = max(1, args.requests // args.rounds)
        for r in range(args.rounds):
            for name, bot in ((SINGLE, single), (INSTALLED, installed)):
                times[name] += send(bot, per_round, args.concurrency, r * per_round)
                assert bot.runtime.drain(120), f"{name}: after-the-ack work did not finish"
        report(args, times, install_s)
        single.close()
        installed.close()


def report(args: Any, times: dict[str, list[float]], install_s: float) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(
        f"{args.workspaces} workspaces installed through the install flow in {install_s:.1f} s"
        f" ({install_s / max(1, args.workspaces) * 1000:.0f} ms each)"
    )
    print(f"{args.requests} /pain commands per app, {args.concurrency} in flight")
    print(f"{'':14} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, values in times.items():
        ms = [v * 1000 for v in values]
        print(
            f"{name:14} {statistics.median(ms):8.1f} {percentile(ms, 0.99):8.1f}"
            f" {statistics.fmean(ms):8.1f}"
        )
    ratio = percentile(times[INSTALLED], 0.99) / percentile(times[SINGLE], 0.99)
    verdict = "within" if ratio <= 1.5 else "OVER"
    print(f"installed p99 / single-token p99 = {ratio:.2f} ({verdict} the 1.5x target)")


if __name__ == "__main__":
    main()
