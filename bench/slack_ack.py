"""Benchmark: how fast `journeybot run` acks `/pain`, over HTTP and over Socket Mode.

    .venv/bin/python bench/slack_ack.py                  # 500 requests, 20 in flight
    .venv/bin/python bench/slack_ack.py --requests 2000 --concurrency 50

Starts four processes: a local Slack emulator (the Web API the bots call, and Slack's end
of the Socket Mode link), `journeybot run` in HTTP mode (real config, real SQLite file,
every listener), `journeybot run` in Socket Mode (the same, connected with an app-level
token through Bolt's built-in SocketModeHandler), and a bare Bolt app with one `/pain`
listener that only acks, served by the same HTTP server and with the same Bolt options.
All three get the same `/pain` commands, in interleaved rounds, `--concurrency` at a
time; in each round the Socket Mode bot goes first and finishes its after-the-ack work
before the two HTTP apps take their turns, so the HTTP comparison runs as it would without
it. Over HTTP, time-to-ack is measured by this process, from sending the signed request
to reading the response; over Socket Mode, by the emulator, from sending the envelope to
reading the ack (the emulator is Slack there, and only Slack sees both ends). Each bot's
after-the-ack work (storing the pain point, the similarity search, the ephemeral answer)
runs meanwhile, as it would in production.

Target: journeybot's HTTP p99 within 1.5x of the bare app's and under 300 ms; Socket Mode
is printed beside it (same commands, same machine, same run).
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
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.sandbox.slack import signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
HTTP, SOCKET, BARE = "journeybot HTTP", "journeybot Socket Mode", "bare Bolt HTTP"
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

    from bot.slack.http_server import serve_http

    client = WebClient(base_url=api_url, token=token)
    # The same options as journeybot's app, so only the listeners differ.
    app = App(client=client, signing_secret=SECRET, process_before_response=True)

    @app.command("/pain")
    def pain(ack: Ack) -> None:
        ack()

    serve_http(app, signing_secret=SECRET, host="127.0.0.1", port=port)
    while True:
        time.sleep(3600)


def command_fields(user: str, text: str, response_url: str) -> dict[str, str]:
    """The fields Slack sends with a `/pain` command, over HTTP as over Socket Mode."""
    return {
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


def serve_emulator(urls: int) -> None:
    """Run the Slack emulator: print its URLs, tokens and response_urls, then obey stdin.

    Each stdin line is a JSON order: `{"op": "wait_connected"}` answers once a Socket Mode
    link is open; `{"op": "send", "n", "concurrency", "offset", "hook"}` sends that many
    `/pain` envelopes over the link and answers each one's time-to-ack. EOF stops it.
    """
    from bot.sandbox.slack import SlackEmulator

    with SlackEmulator() as slack:
        hooks = [slack.new_response_url(channel="C0ROADMAP", user="U0BEN") for _ in range(urls)]
        info = {
            "api_url": slack.api_url,
            "token": slack.token,
            "app_token": slack.app_token,
            "hooks": hooks,
        }
        print(json.dumps(info), flush=True)
        for line in sys.stdin:
            order = json.loads(line)
            if order["op"] == "wait_connected":
                answer: Any = slack.socket_mode.wait_for_connections(1, timeout=30)
            else:
                answer = send_over_socket(slack, hooks, **order)
            print(json.dumps(answer), flush=True)


def send_over_socket(
    slack: Any, hooks: list[str], *, op: str, n: int, concurrency: int, offset: int, hook: int
) -> list[float]:
    """Send `n` /pain envelopes, `concurrency` at a time; return each time-to-ack (s)."""

    def one(i: int) -> float:
        user, text = user_and_text(offset, i)
        fields = command_fields(user, text, hooks[hook + i])
        start = time.perf_counter()
        ack = slack.socket_mode.deliver("slash_commands", fields, accepts_response_payload=True)
        elapsed = time.perf_counter() - start
        if ack is None:
            raise SystemExit("/pain was not acked over Socket Mode")
        return elapsed

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(n)))


def user_and_text(offset: int, i: int) -> tuple[str, str]:
    return f"U{(offset + i) % 97:04d}", f"{TEXTS[i % len(TEXTS)]} (report {offset + i})"


@dataclass
class Emulator:
    process: subprocess.Popen[str]
    api_url: str
    token: str
    app_token: str
    hooks: list[str]

    def ask(self, **order: Any) -> Any:
        """Send the emulator process an order; return its answer."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(order) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


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
    return Emulator(process, info["api_url"], info["token"], info["app_token"], info["hooks"])


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


def start_journeybot(
    slack: Emulator, workdir: Path, *, socket_mode: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `journeybot run` with its own database in `workdir`; return it and its URL."""
    workdir.mkdir(exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "JOURNEYBOT_DB": str(workdir / "journeybot.db"),
    }
    env.pop("SLACK_APP_TOKEN", None)
    if socket_mode:
        env["SLACK_APP_TOKEN"] = slack.app_token
    code = "import sys; from bot.cli import main; sys.argv[0] = 'journeybot'; main()"
    log = (workdir / "journeybot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", code, "run", "--port", str(port)],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    if socket_mode:
        if not slack.ask(op="wait_connected"):
            raise SystemExit("journeybot did not connect over Socket Mode; see its log")
        return process, ""
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
        body = urlencode(command_fields(user, text, response_url)).encode()
        headers = signed_headers(SECRET, body)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            elapsed = time.perf_counter() - start
            if response.status != 200:
                raise SystemExit(f"/pain answered {response.status}")
        return elapsed


class SocketClient:
    """Has the emulator send /pain envelopes to the Socket Mode bot, each with its hook."""

    def __init__(self, slack: Emulator, first_hook: int) -> None:
        self.slack = slack
        self.next_hook = first_hook

    def send(self, n: int, concurrency: int, offset: int) -> list[float]:
        times = self.slack.ask(
            op="send", n=n, concurrency=concurrency, offset=offset, hook=self.next_hook
        )
        self.next_hook += n
        return list(times)


def send(client: Client | SocketClient, n: int, concurrency: int, offset: int) -> list[float]:
    """Send `n` /pain commands, `concurrency` at a time; return each time-to-ack (s)."""
    if isinstance(client, SocketClient):
        return client.send(n, concurrency, offset)

    def one(i: int) -> float:
        return client.pain(*user_and_text(offset, i))

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
    slack = start_emulator(3 * sent)
    with tempfile.TemporaryDirectory(prefix="journeybot-bench-") as tmp:
        workdir = Path(tmp)
        bot, bot_url = start_journeybot(slack, workdir / "http")
        socket_bot, _ = start_journeybot(slack, workdir / "socket", socket_mode=True)
        bare, bare_url = start_bare(slack, workdir)
        try:
            targets: dict[str, Client | SocketClient] = {
                HTTP: Client(bot_url, slack.hooks[:sent]),
                SOCKET: SocketClient(slack, 2 * sent),
                BARE: Client(bare_url, slack.hooks[sent : 2 * sent]),
            }
            socket_db = workdir / "socket" / "journeybot.db"
            for client in targets.values():  # warm-up: imports, first connections
                send(client, warmup, args.concurrency, 10_000)
            wait_stored(socket_db, warmup)
            times: dict[str, list[float]] = {name: [] for name in targets}
            http_targets = [(n, c) for n, c in targets.items() if n != SOCKET]
            for r in range(args.rounds):
                # Socket Mode first, and its after-the-ack work done before the HTTP round,
                # so that the HTTP comparison runs as it would without this extra process.
                times[SOCKET] += send(targets[SOCKET], per_round, args.concurrency, r * per_round)
                wait_stored(socket_db, warmup + (r + 1) * per_round)
                # Alternate who goes first so neither always meets a busier machine.
                for name, client in http_targets if r % 2 == 0 else reversed(http_targets):
                    times[name] += send(client, per_round, args.concurrency, r * per_round)
            last_ack = time.perf_counter()
            stored = wait_stored(workdir / "http" / "journeybot.db", sent)
            backlog = time.perf_counter() - last_ack
            stored_socket = wait_stored(socket_db, sent)
        finally:
            for process in (bot, socket_bot, bare):
                process.terminate()
                process.wait(timeout=10)
            slack.process.communicate("", timeout=10)

    report(args, times, stored, stored_socket, sent, backlog)


def report(
    args: argparse.Namespace,
    times: dict[str, list[float]],
    stored: int,
    stored_socket: int,
    sent: int,
    backlog: float,
) -> None:
    print(
        f"time-to-ack of /pain, {args.concurrency} in flight:"
        " signed HTTP requests, and envelopes over Socket Mode"
    )
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"{'':22} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in times.items():
        print(
            f"{name:22} {len(values):>8} {1000 * statistics.median(values):>8.1f}"
            f" {1000 * percentile(values, 99):>8.1f} {1000 * max(values):>8.1f}"
        )
    bot, bare = times[HTTP], times[BARE]
    p50_ratio = statistics.median(bot) / statistics.median(bare)
    ratio = percentile(bot, 99) / percentile(bare, 99)
    print(f"p50 ratio journeybot/bare: {p50_ratio:.2f}")
    print(f"p99 ratio journeybot/bare: {ratio:.2f}  (target <= 1.5)")
    print(f"journeybot p99: {1000 * percentile(bot, 99):.1f} ms  (target < 300 ms)")
    print(
        f"pain points stored: {stored} of {sent} (warm-up included),"
        f" the last {backlog:.1f} s after the last ack"
    )
    socket = times[SOCKET]
    p50_socket = statistics.median(socket) / statistics.median(bot)
    p99_socket = percentile(socket, 99) / percentile(bot, 99)
    print(f"journeybot Socket Mode/HTTP: p50 {p50_socket:.2f}, p99 {p99_socket:.2f}")
    print(f"pain points stored over Socket Mode: {stored_socket} of {sent}")
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
