"""Socket Mode itself: startup failures in one line, reconnects that lose nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import wait_for
from slack_helpers import SECRET, TEAM, Bot
from typer.testing import CliRunner

from bot import cli
from bot.config import ConfigError, Settings
from bot.sandbox.slack import SlackEmulator, Workspace
from bot.slack.run import run_bot


def socket_settings(slack: SlackEmulator, app_token: str) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=slack.token,
        slack_app_token=app_token,
        slack_api_url=slack.api_url,
    )


def run_error(bot: Bot, settings: Settings) -> str:
    # The bot's own database: `run` checks that it can write there before anything else.
    settings = settings.model_copy(update={"journeybot_db": Path(bot.store.path or "")})
    with pytest.raises(ConfigError) as error:
        run_bot(settings, bot.config, bot.services)
    return str(error.value)


def test_a_bad_app_token_stops_run_with_one_line(bot: Bot) -> None:
    settings = socket_settings(bot.slack, "xapp-1-not-the-token")
    assert run_error(bot, settings) == "SLACK_APP_TOKEN is rejected by Slack (invalid_auth)"


def test_the_bot_token_in_place_of_the_app_token_is_named(bot: Bot) -> None:
    settings = socket_settings(bot.slack, bot.slack.token)
    assert run_error(bot, settings) == (
        "SLACK_APP_TOKEN is rejected by Slack (not_allowed_token_type)"
    )


def test_a_revoked_app_token_stops_run_with_one_line(bot: Bot) -> None:
    bot.slack.revoke_app_token()
    settings = socket_settings(bot.slack, bot.slack.app_token)
    assert run_error(bot, settings) == "SLACK_APP_TOKEN is rejected by Slack (invalid_auth)"


def test_a_websocket_that_cannot_open_stops_run_with_one_line(bot: Bot) -> None:
    bot.slack.socket_mode.accepting = False
    settings = socket_settings(bot.slack, bot.slack.app_token)
    assert run_error(bot, settings) == (
        "Socket Mode: cannot open the WebSocket to Slack (the handshake was answered with HTTP 503)"
    )


def test_journeybot_run_with_a_bad_app_token_prints_one_line_and_exits_2(
    bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", bot.slack.token)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-revoked")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", bot.slack.api_url)
    monkeypatch.setenv("JOURNEYBOT_DB", str(tmp_path / "j.db"))
    monkeypatch.delenv("JOURNEYBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(cli.app, ["run"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: SLACK_APP_TOKEN is rejected by Slack (invalid_auth)"
    ]


def test_a_dropped_link_and_a_refresh_mid_stream_lose_no_command(bot: Bot) -> None:
    hub = bot.slack.socket_mode
    texts = [f"Step {i} of the signup form forgets the answers" for i in range(12)]
    for i, text in enumerate(texts):
        if i == 4:
            hub.drop()  # Slack goes away: close frame 1001, then the TCP connection
        if i == 8:
            hub.disconnect("refresh_requested")
        reply = bot.slash("U0BEN", "/pain", text)
        assert reply.status == 200, (i, reply)

    assert hub.connections_opened == 3
    stored = [p.text for p in bot.store.pains.all(TEAM)]
    assert sorted(stored) == sorted(texts)
    acked = [a.payload["text"] for a in hub.acks if a.type == "slash_commands"]
    assert sorted(acked) == sorted(texts)


def test_commands_sent_while_the_link_drops_all_arrive_once_acked(bot: Bot) -> None:
    hub = bot.slack.socket_mode
    hub.ack_window = 1.0  # Slack's 3 s, shortened: envelopes the drop orphaned come sooner
    texts = [f"Export {i} to CSV times out" for i in range(16)]
    replies: dict[str, int] = {}

    def send(batch: list[str]) -> None:
        for text in batch:
            replies[text] = bot.people.slash("U0CHLOE", "/pain", text).status

    senders = [threading.Thread(target=send, args=(texts[i::4],)) for i in range(4)]
    for sender in senders:
        sender.start()
    hub.drop()
    hub.disconnect("warning")
    for sender in senders:
        sender.join(timeout=30)
    bot.settle()

    assert replies == dict.fromkeys(texts, 200)
    stored = {p.text for p in bot.store.pains.all(TEAM)}
    # Every acked envelope was handled; one whose ack the drop swallowed may come twice.
    assert stored == set(texts)
    assert hub.unacked == 0


def test_a_warning_disconnect_gets_a_new_link_and_work_goes_on(bot: Bot) -> None:
    hub = bot.slack.socket_mode
    hub.disconnect("warning")
    assert hub.wait_for_connections(2)
    bot.slash("U0BEN", "/pain", "The invoice PDF is blank")
    assert [p.text for p in bot.store.pains.all(TEAM)] == ["The invoice PDF is blank"]


def test_journeybot_run_answers_over_socket_mode_and_stops_on_ctrl_c(
    bot: Bot, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "JOURNEYBOT_"))},
        "SLACK_BOT_TOKEN": bot.slack.token,
        "SLACK_APP_TOKEN": bot.slack.app_token,
        "SLACK_API_URL": bot.slack.api_url,
        "JOURNEYBOT_DB": str(tmp_path / "run.db"),
    }
    code = "import sys; from bot.cli import main; sys.argv[0] = 'journeybot'; main()"
    hub = bot.slack.socket_mode
    opened = hub.connections_opened
    # The fixture's bot is connected too; only the new link (the newest) gets envelopes.
    run = subprocess.Popen(
        [sys.executable, "-c", code, "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert hub.wait_for_connections(opened + 1, timeout=30), "journeybot did not connect"
        reply = Workspace.over_socket_mode(bot.slack).slash("U0BEN", "/pain", "Refunds take weeks")
        assert reply.status == 200
        wait_for(lambda: pain_texts(tmp_path / "run.db") == ["Refunds take weeks"], timeout=10)
    finally:
        run.send_signal(signal.SIGINT)
        try:
            output, _ = run.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate()
            raise AssertionError(output) from None
    assert run.returncode == 0, output
    assert "Traceback" not in output


def pain_texts(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("select text from pain_points")]
