"""`journeybot run` as a real process against the Slack emulator: health, SIGTERM, logs, and
the one-line refusals to start."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.slack import SlackEmulator, Workspace
from storage.store import Store

SECRET = "run-test-signing-secret-4f1d"
NOTION_SECRET = "secret_runtestnotiontoken123"
JOURNEYBOT = Path(sys.executable).with_name("journeybot")


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(users={"U0BEN": {"name": "ben"}}) as emulator:
        yield emulator


def _env(slack: SlackEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NOTION_"))}
    env.pop("JOURNEYBOT_CONFIG", None)
    env.update(
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.api_url,
        JOURNEYBOT_DB=str(tmp_path / "journeybot.db"),
    )
    env.update(extra)
    return env


class Running:
    """A `journeybot run` process and what it printed."""

    def __init__(self, process: subprocess.Popen[str], lines: list[dict[str, Any]]) -> None:
        self.process = process
        self.lines = lines

    @property
    def url(self) -> str:
        for line in self.lines:
            if line["message"].startswith("journeybot: HTTP on "):
                return "http://" + line["message"].removeprefix("journeybot: HTTP on ")
        raise AssertionError(f"no HTTP line in {self.lines}")

    def health(self, base: str | None = None) -> tuple[int, dict[str, Any]]:
        base = base or self.url.removesuffix("/slack/events")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Send `sig`; return the exit code, stdout and stderr (fails after 30 s)."""
        self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, "".join(json.dumps(x) + "\n" for x in self.lines) + out, err


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """start(env, *args) runs `journeybot run --port 0 ...` until it is listening."""
    started: list[subprocess.Popen[str]] = []

    def run(env: dict[str, str], *args: str, ready: str = "journeybot: HTTP on ") -> Running:
        process = subprocess.Popen(
            [str(JOURNEYBOT), "run", "--host", "127.0.0.1", "--port", "0", *args],
            env=env,
            cwd=tmp_path,  # no .env file here
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        lines: list[dict[str, Any]] = []
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            raw = process.stdout.readline()
            if not raw:
                pytest.fail(f"journeybot run exited: {process.wait()} {process.stderr.read()}")
            lines.append(json.loads(raw))  # not a terminal: JSON lines
            if lines[-1]["message"].startswith(ready):
                return Running(process, lines)
        pytest.fail(f"journeybot run did not start: {lines}")

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_sigterm_finishes_the_work_already_acked_and_exits_0(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    bot = start(_env(slack, tmp_path))
    people = Workspace(slack, bot.url, SECRET)
    reply = people.slash("U0BEN", "/pain", "Checkout times out on the last step")
    assert reply.status == 200
    # At once: the answer to the person is still queued when the signal arrives.
    code, out, err = bot.stop(signal.SIGTERM)
    assert code == 0, err
    assert err == ""
    messages = [json.loads(line)["message"] for line in out.splitlines()]
    assert "journeybot: stopping" in messages
    assert messages[-1] == "journeybot: stopped"
    assert any("Logged pain point #1" in r.get("text", "") for r in slack.responses())
    store = Store.open(tmp_path / "journeybot.db")
    try:
        assert [p.text for p in store.pains.all(slack.workspace_id)] == [
            "Checkout times out on the last step"
        ]
    finally:
        store.close()


def test_ctrl_c_stops_it_the_same_way(slack: SlackEmulator, tmp_path: Path, start: Any) -> None:
    bot = start(_env(slack, tmp_path))
    code, out, err = bot.stop(signal.SIGINT)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].endswith('"message": "journeybot: stopped"}')


def test_a_sync_stuck_on_notion_does_not_hold_the_stop_past_its_bound(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    # A Notion that takes the connection and never answers: the first sync hangs (for the
    # client's 30 s timeout) in the scheduler's worker thread.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = _env(
            slack,
            tmp_path,
            NOTION_TOKEN=NOTION_SECRET,
            NOTION_PARENT_PAGE_ID="0" * 32,
            NOTION_API_URL=f"http://127.0.0.1:{silent.getsockname()[1]}",
        )
        # A workspace to sync, so that the first sync (at start) asks Notion at once.
        (tmp_path / "pains.csv").write_text("text\nCheckout is slow\n", encoding="utf-8")
        subprocess.run(
            [str(JOURNEYBOT), "import", "pains.csv", "--workspace", slack.workspace_id],
            env=env,
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        bot = start(env, "--shutdown-timeout", "1")
        time.sleep(1)
        stopping = time.monotonic()
        code, out, err = bot.stop()
        took = time.monotonic() - stopping
    assert (code, err) == (0, "")
    assert "not waiting for" in out, out.splitlines()
    assert took < 10, took


def test_healthz_reports_each_check_and_503_while_the_database_cannot_take_writes(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    bot = start(_env(slack, tmp_path))
    status, body = bot.health()
    assert status == 200
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"] == {"ok": True, "writable": True}
    assert checks["outbox"]["ok"] is True
    assert checks["outbox"]["backlog"] == 0
    assert checks["scheduler"] == {"ok": True, "running": True}
    assert checks["notion_sync"] == {"ok": True, "enabled": False}
    # Another process holds the write lock: no write could land now.
    holder = sqlite3.connect(tmp_path / "journeybot.db", isolation_level=None)
    holder.execute("begin immediate")
    try:
        status, body = bot.health()
    finally:
        holder.execute("rollback")
        holder.close()
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["ok"] is False
    assert "locked" in body["checks"]["database"]["error"]
    assert bot.health()[0] == 200
    assert bot.stop()[0] == 0


def test_a_separate_health_port_answers_too(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    bot = start(_env(slack, tmp_path), "--health-port", "0", ready="journeybot: /healthz on ")
    health_line = bot.lines[-1]["message"].removeprefix("journeybot: /healthz on ")
    status, body = bot.health("http://" + health_line)
    assert status == 200
    assert set(body["checks"]) >= {"database", "outbox"}
    code, _, err = bot.stop()
    assert (code, err) == (0, "")


def test_no_secret_reaches_the_logs_of_a_run(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    env = _env(
        slack,
        tmp_path,
        NOTION_TOKEN=NOTION_SECRET,
        NOTION_PARENT_PAGE_ID="0" * 32,
        # Nothing listens there: every sync fails and is logged.
        NOTION_API_URL="http://127.0.0.1:9",
    )
    bot = start(env, "--log-format", "json")
    people = Workspace(slack, bot.url, SECRET)
    assert people.slash("U0BEN", "/pain", "Invoices arrive twice").status == 200
    forged = people.send_raw("command=/pain&text=x", signature="v0=" + "0" * 64)
    assert forged.status == 401
    time.sleep(1)  # let the first sync fail and say so
    code, out, err = bot.stop()
    assert code == 0
    logs = out + err
    assert "Notion sync of" in logs  # the failing sync was logged...
    for secret in (SECRET, slack.token, NOTION_SECRET):
        assert secret not in logs  # ...and no secret with it


def test_a_rejected_bot_token_is_one_line_and_exit_2(slack: SlackEmulator, tmp_path: Path) -> None:
    env = _env(slack, tmp_path, SLACK_BOT_TOKEN="xoxb-revoked-0000")
    result = _run_once(env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: SLACK_BOT_TOKEN is rejected by Slack (invalid_auth)"
    ]
    assert "xoxb-revoked-0000" not in result.stdout


def test_a_revoked_bot_token_is_one_line_and_exit_2(slack: SlackEmulator, tmp_path: Path) -> None:
    slack.revoke_token()
    result = _run_once(_env(slack, tmp_path), tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: SLACK_BOT_TOKEN is rejected by Slack (token_revoked)"
    ]
    assert "Traceback" not in result.stdout


def test_a_bad_app_token_is_one_line_and_a_non_zero_exit(
    slack: SlackEmulator, tmp_path: Path
) -> None:
    env = _env(slack, tmp_path, SLACK_APP_TOKEN="xapp-1-not-a-real-token")
    result = _run_once(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines == ["error: SLACK_APP_TOKEN is rejected by Slack (invalid_auth)"]
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize(
    ("read_only", "says"),
    [("file", "is not writable: attempt to write a readonly database"), ("folder", "cannot open")],
)
def test_a_read_only_database_is_one_line_and_exit_2(
    slack: SlackEmulator, tmp_path: Path, read_only: str, says: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "journeybot.db"
    Store.open(db).close()
    env = _env(slack, tmp_path, JOURNEYBOT_DB=str(db))
    result = _run_once(env, tmp_path, read_only=db if read_only == "file" else folder)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: JOURNEYBOT_DB")
    assert str(db) in lines[0]
    assert says in lines[0]


def _run_once(
    env: dict[str, str], cwd: Path, *, read_only: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `journeybot run` expecting it to refuse to start; `read_only` mounts a folder so."""
    command = [str(JOURNEYBOT), "run", "--host", "127.0.0.1", "--port", "0"]
    if read_only is not None:
        if os.geteuid() != 0:
            read_only.chmod(0o555 if read_only.is_dir() else 0o444)
        else:
            # File permissions do not bind root; a read-only bind mount does, in a mount
            # namespace of the child's own so nothing outside it changes.
            unshare = shutil.which("unshare")
            probe = subprocess.run([unshare or "unshare", "--mount", "true"], capture_output=True)
            if unshare is None or probe.returncode != 0:
                pytest.skip("as root, a read-only database needs a mount namespace")
            script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
            command = [unshare, "--mount", "sh", "-c", script, str(read_only), *command]
    try:
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    finally:
        if read_only is not None and os.geteuid() != 0:
            read_only.chmod(0o755 if read_only.is_dir() else 0o644)


def _installing_env(slack: SlackEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = _env(
        slack,
        tmp_path,
        SLACK_CLIENT_ID=slack.client_id,
        SLACK_CLIENT_SECRET=slack.client_secret,
        SLACK_STATE_SECRET="state-secret",
        **extra,
    )
    env.pop("SLACK_BOT_TOKEN")
    return env


def _install_page(base: str) -> tuple[int, str]:
    with urllib.request.urlopen(base + "/slack/install", timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_installing_through_slack_serves_the_install_page_beside_the_events(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    bot = start(_installing_env(slack, tmp_path))
    status, page = _install_page(bot.url.removesuffix("/slack/events"))
    assert status == 200 and "Add to Slack" in page
    code, _, err = bot.stop()
    assert (code, err) == (0, "")


def test_in_socket_mode_the_install_page_gets_its_own_http_port(
    slack: SlackEmulator, tmp_path: Path, start: Any
) -> None:
    env = _installing_env(slack, tmp_path, SLACK_APP_TOKEN=slack.app_token)
    env.pop("SLACK_SIGNING_SECRET")
    bot = start(env, ready="journeybot: /slack/install and /healthz on ")
    base = "http://" + bot.lines[-1]["message"].rpartition(" on ")[2]
    status, page = _install_page(base)
    assert status == 200 and "Add to Slack" in page
    assert bot.health(base)[0] == 200
    code, _, err = bot.stop()
    assert (code, err) == (0, "")
