"""The HTTP front door: signatures, replays, the url_verification handshake, odd bodies."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_helpers import SECRET, TEAM, Bot
from typer.testing import CliRunner

from bot import cli
from bot.config import ConfigError, Settings
from bot.sandbox.slack import sign
from bot.slack.app import build_app
from bot.slack.run import bolt_request, run_bot


def test_a_forged_signature_gets_401_and_nothing_is_stored(bot: Bot) -> None:
    fields = {"command": "/pain", "text": "forged", "team_id": TEAM, "user_id": "U0BEN"}
    reply = bot.people.post_form(fields, signature="v0=" + "0" * 64)
    assert reply.status == 401
    bot.settle()
    assert bot.store.pain_points(TEAM) == []


def test_a_request_signed_with_another_secret_gets_401(bot: Bot) -> None:
    body = urlencode({"command": "/pain", "text": "x"})
    ts = int(time.time())
    reply = bot.people.send_raw(body, timestamp=ts, signature=sign("not-the-secret", body, ts))
    assert reply.status == 401


def test_a_six_minute_old_request_gets_401_even_when_signed_correctly(bot: Bot) -> None:
    fields = {"command": "/pain", "text": "replayed", "team_id": TEAM, "user_id": "U0BEN"}
    reply = bot.people.post_form(fields, timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401
    bot.settle()
    assert bot.store.pain_points(TEAM) == []


def test_url_verification_echoes_the_challenge(bot: Bot) -> None:
    reply = bot.people.url_verification("abc123")
    assert reply.status == 200
    assert reply.json()["challenge"] == "abc123"


def test_a_slash_command_whose_text_says_payload_still_works(bot: Bot) -> None:
    reply = bot.people.slash("U0BEN", "/pain", "The payload of the webhook is rejected")
    assert reply.status == 200
    bot.settle()
    stored = bot.store.pain_points(TEAM)
    assert [p.text for p in stored] == ["The payload of the webhook is rejected"]
    assert "Logged pain point #1" in bot.slack.responses()[-1]["text"]


def test_bolt_request_reads_a_form_that_mentions_payload_as_a_form() -> None:
    raw = urlencode({"command": "/pain", "text": "payload", "team_id": "T1", "user_id": "U1"})
    request = bolt_request(raw, {"Content-Type": "application/x-www-form-urlencoded"})
    assert request.body["text"] == "payload"
    assert request.context.team_id == "T1"
    assert request.context.user_id == "U1"


def test_unknown_paths_and_oversized_bodies_are_refused(bot: Bot) -> None:
    base = bot.url.removesuffix("/slack/events")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(urllib.request.Request(base + "/other", data=b"x"), timeout=5)
    assert missing.value.code == 404
    big = b"text=" + b"x" * 1_100_000
    with pytest.raises(urllib.error.HTTPError) as large:
        urllib.request.urlopen(urllib.request.Request(bot.url, data=big), timeout=5)
    assert large.value.code == 413
    with urllib.request.urlopen(base + "/healthz", timeout=5) as health:
        assert health.status == 200


def test_without_a_signing_secret_the_http_app_is_not_built(bot: Bot) -> None:
    settings = Settings(slack_bot_token="xoxb-test", slack_api_url=bot.slack.api_url)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is not set"):
        build_app(settings, bot.config, bot.services)


def test_run_bot_names_the_missing_token_in_one_line(bot: Bot) -> None:
    settings = Settings(slack_bot_token=None, slack_signing_secret=SECRET)
    with pytest.raises(ConfigError) as error:
        run_bot(settings, bot.config, bot.services, port=0)
    assert str(error.value) == "SLACK_BOT_TOKEN is not set"


def test_socket_mode_needs_no_signing_secret(bot: Bot) -> None:
    settings = Settings(slack_bot_token=bot.slack.token, slack_api_url=bot.slack.api_url)
    app = build_app(settings, bot.config, bot.services, socket_mode=True)
    assert app.client.base_url == bot.slack.api_url


def test_journeybot_run_without_a_token_prints_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "JOURNEYBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("JOURNEYBOT_DB", str(tmp_path / "j.db"))
    monkeypatch.chdir(tmp_path)  # no .env here
    result = CliRunner().invoke(cli.app, ["run", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["error: SLACK_BOT_TOKEN is not set"]
