"""Benchmark: how fast `journeybot run` acks `/pain`, next to a bare Bolt app that only acks.

    .venv/bin/python bench/slack_ack.py                  # 500 requests, 20 in flight
    .venv/bin/python bench/slack_ack.py --requests 2000 --concurrency 50

Starts three processes: a local Slack Web API emulator (where the bot's Web API calls and
ephemeral answers go, kept out of the measuring process so its work does not slow the
clock), and two servers: `journeybot run` in HTTP mode (real config, real SQLite file,
every listener), and a bare Bolt app with one `/pain` listener that only acks, served by
the same HTTP server and with the same Bolt options. Both get the same signed `/pain`
requests, in interleaved rounds, from a pool of `--concurrency` threads; time-to-ack is
measured at the client, from sending the request to reading the response. journeybot's
after-the-ack work (storing the pain point, the similarity search, the ephemeral answer)
runs meanwhile, as it would in production.

Target: journeybot's p99 within 1.5x of the bare app's and under 300 ms.
This is not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.sandbox.slack import signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
TEXTS = (
    "Checkout page times out when paying by card",
    "Invoices are emailed as blurry scans",
    "New users say the password reset email never arrives",
    "Admins cannot find the SSO settings page",
    "CSV export drops accents in customer names",
)


def serve_bare(port: int, api_url: str, token: str) -> None:
    """Run the bare Bolt app (one /pain listener that acks) until killed."""
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.slack.run import serve_http

    client = WebClient(base_url=api_url, token=token)
    # The same options as journeybot's app, so only the listeners differ.
    app = App(client=client, signing_secret=SECRET, process_before_response=True)

    @app.command("/pain")
    def pain(ack: Ack) -> None:
        ack()

    serve_http(app, host="127.0.0.1", port=port)
    while True:
        time.sleep(3600)


def serve_emulator(urls: int) -> None:
    """Run the Slack emulator; print its API URL, token and fresh response_urls, then wait."""
    from bot.sandbox.slack import SlackEmulator

    with SlackEmulator() as slack:
        hooks = [slack.new_response_url(channel="C0ROADMAP", user="U0BEN") for _ in range(urls)]
        print(json.dumps({"api_url": slack.api_url, "token": slack.token, "hooks": hooks}))
        sys.stdout.flush()
        sys.stdin.read()  # until the bench closes our stdin


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    api_url: str
    token: str
    hooks: list[str]


def start_emulator(urls: int) -> Emulator:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-emulator", str(urls)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    info = json.loads(process.stdout.readline())
    return Emulator(process, info["api_url"], info["token"], info["hooks"])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    health = url.removesuffix("/slack/events") + "/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(health, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def start_journeybot(slack: Emulator, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "JOURNEYBOT_DB": str(workdir / "journeybot.db"),
    }
    env.pop("SLACK_APP_TOKEN", None)  # HTTP mode
    code = "import sys; from bot.cli import main; sys.argv[0] = 'journeybot'; main()"
    log = (workdir / "journeybot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", code, "run", "--port", str(port)],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    wait_ready(url, process)
    return process, url


def start_bare(slack: Emulator, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (workdir / "bare.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", str(port), slack.api_url, slack.token],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    wait_ready(url, process)
    return process, url


class Client:
    """Sends signed /pain commands to one bot, as Slack would, each with its response_url."""

    def __init__(self, url: str, hooks: list[str]) -> None:
        self.url = url
        self.hooks = iter(hooks)
        self._lock = threading.Lock()

    def pain(self, user: str, text: str) -> float:
        """POST one /pain; return the seconds until the ack arrived."""
        with self._lock:
            response_url = next(self.hooks)
        body = urlencode(
            {
                "token": "verification-token",
                "team_id": "T0001",
                "team_domain": "sandbox",
                "channel_id": "C0ROADMAP",
                "channel_name": "roadmap",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/pain",
                "text": text,
                "api_app_id": "A0001",
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": f"{time.time_ns()}.bench",
            }
        ).encode()
        headers = signed_headers(SECRET, body)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"/pain answered {response.status}")
        return elapsed


def send(client: Client, n: int, concurrency: int, offset: int) -> list[float]:
    """Send `n` signed /pain commands, `concurrency` at a time; return each time-to-ack (s)."""

    def one(i: int) -> float:
        user = f"U{(offset + i) % 97:04d}"
        return client.pain(user, f"{TEXTS[i % len(TEXTS)]} (report {offset + i})")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(n)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per app")
    parser.add_argument("--serve-bare", nargs=3, metavar=("PORT", "API_URL", "TOKEN"))
    parser.add_argument("--serve-emulator", type=int, metavar="RESPONSE_URLS")
    args = parser.parse_args()
    if args.serve_bare:
        port, api_url, token = args.serve_bare
        serve_bare(int(port), api_url, token)
        return
    if args.serve_emulator:
        serve_emulator(args.serve_emulator)
        return

    warmup = 2 * args.concurrency
    per_round = max(1, args.requests // args.rounds)
    sent = warmup + per_round * args.rounds
    slack = start_emulator(2 * sent)
    with tempfile.TemporaryDirectory(prefix="journeybot-bench-") as tmp:
        workdir = Path(tmp)
        bot, bot_url = start_journeybot(slack, workdir)
        bare, bare_url = start_bare(slack, workdir)
        try:
            targets = {
                "journeybot": Client(bot_url, slack.hooks[:sent]),
                "bare Bolt": Client(bare_url, slack.hooks[sent:]),
            }
            for client in targets.values():  # warm-up: imports, first connections
                send(client, warmup, args.concurrency, 10_000)
            times: dict[str, list[float]] = {name: [] for name in targets}
            for r in range(args.rounds):
                # Alternate who goes first so neither always meets a busier machine.
                order = list(targets.items())
                for name, client in order if r % 2 == 0 else reversed(order):
                    times[name] += send(client, per_round, args.concurrency, r * per_round)
            last_ack = time.perf_counter()
            stored = wait_stored(workdir / "journeybot.db", sent)
            backlog = time.perf_counter() - last_ack
        finally:
            for process in (bot, bare):
                process.terminate()
                process.wait(timeout=10)
            slack.process.communicate("", timeout=10)

    report(args, times, stored, sent, backlog)


def report(
    args: argparse.Namespace,
    times: dict[str, list[float]],
    stored: int,
    sent: int,
    backlog: float,
) -> None:
    print(f"time-to-ack of signed /pain over HTTP, {args.concurrency} in flight")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"{'':12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in times.items():
        print(
            f"{name:12} {len(values):>8} {1000 * statistics.median(values):>8.1f}"
            f" {1000 * percentile(values, 99):>8.1f} {1000 * max(values):>8.1f}"
        )
    bot, bare = times["journeybot"], times["bare Bolt"]
    p50_ratio = statistics.median(bot) / statistics.median(bare)
    ratio = percentile(bot, 99) / percentile(bare, 99)
    print(f"p50 ratio journeybot/bare: {p50_ratio:.2f}")
    print(f"p99 ratio journeybot/bare: {ratio:.2f}  (target <= 1.5)")
    print(f"journeybot p99: {1000 * percentile(bot, 99):.1f} ms  (target < 300 ms)")
    print(
        f"pain points stored: {stored} of {sent} (warm-up included),"
        f" the last {backlog:.1f} s after the last ack"
    )
    met = ratio <= 1.5 and percentile(bot, 99) < 0.3
    print(f"target {'met' if met else 'NOT met'}")


def wait_stored(path: Path, expected: int, timeout: float = 60.0) -> int:
    """Wait for the bot's after-the-ack work to store every pain point; return how many."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(path) as conn:
            count = conn.execute("select count(*) from pain_points").fetchone()[0]
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


if __name__ == "__main__":
    main()
