"""The HTTP front door: signatures, replays, the url_verification handshake, odd bodies."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_helpers import SECRET, TEAM, Bot
from slack_sdk import WebClient
from typer.testing import CliRunner

from bot import cli
from bot.config import ConfigError, Settings
from bot.sandbox.slack import FORM, JSON, SlackEmulator, Workspace, sign, signed_headers
from bot.slack.app import build_app
from bot.slack.http_server import bolt_request, serve_http
from bot.slack.run import run_bot


def test_a_forged_signature_gets_401_and_nothing_is_stored(bot: Bot) -> None:
    fields = {"command": "/pain", "text": "forged", "team_id": TEAM, "user_id": "U0BEN"}
    reply = bot.people.post_form(fields, signature="v0=" + "0" * 64)
    assert reply.status == 401
    bot.settle()
    assert bot.store.pains.all(TEAM) == []


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
    assert bot.store.pains.all(TEAM) == []


def test_url_verification_echoes_the_challenge(bot: Bot) -> None:
    reply = bot.people.url_verification("abc123")
    assert reply.status == 200
    assert reply.json()["challenge"] == "abc123"


def test_a_slash_command_whose_text_says_payload_still_works(bot: Bot) -> None:
    reply = bot.people.slash("U0BEN", "/pain", "The payload of the webhook is rejected")
    assert reply.status == 200
    bot.settle()
    stored = bot.store.pains.all(TEAM)
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


# ---------------------------------------------------------------- hostile requests

MARK = "do-not-log-this-body"
"""Put in every hostile body: a rejected body must never reach the logs."""


def _no_body_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert MARK not in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (urlencode({"payload": "{not json " + MARK}), FORM, "not JSON"),
        (urlencode({"payload": json.dumps([MARK])}), FORM, "not a JSON object"),
        (urlencode({"payload": json.dumps({"team": MARK})}), FORM, "has no type"),
        (urlencode({"payload": json.dumps({"type": 7, "x": MARK})}), FORM, "has no type"),
        (json.dumps([{"type": "event_callback", "x": MARK}]), JSON, "not a JSON object"),
        ('{"type": "event_callback", "x": "' + MARK, JSON, "not JSON"),
        (MARK, "text/plain", "unsupported Content-Type"),
    ],
    ids=[
        "payload-not-json",
        "payload-array",
        "payload-without-type",
        "payload-type-not-a-string",
        "event-array",
        "event-truncated-json",
        "plain-text",
    ],
)
def test_a_signed_body_of_the_wrong_shape_gets_a_4xx_and_is_not_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture, body: str, content_type: str, reason: str
) -> None:
    caplog.set_level(logging.DEBUG)
    reply = bot.people.send_raw(body, content_type)
    assert reply.status in (400, 415)
    assert reason in reply.body
    bot.settle()
    assert bot.store.pains.all(TEAM) == []
    _no_body_logged(caplog)


def _post(url: str, raw: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def _pain_body() -> str:
    return urlencode({"command": "/pain", "text": MARK, "team_id": TEAM, "user_id": "U0BEN"})


def test_an_unsigned_request_gets_401_and_is_not_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, text = _post(bot.url, _pain_body().encode(), {"Content-Type": FORM})
    assert (status, text) == (401, "not signed by Slack")
    assert bot.store.pains.all(TEAM) == []
    _no_body_logged(caplog)


@pytest.mark.parametrize(
    ("timestamp", "status"), [("", 401), ("  ", 401), ("abc", 400), ("1e9", 400), ("-5", 400)]
)
def test_an_empty_or_non_numeric_timestamp_is_refused_before_parsing(
    bot: Bot, caplog: pytest.LogCaptureFixture, timestamp: str, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    raw = _pain_body()
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(SECRET, raw, timestamp),
    }
    assert _post(bot.url, raw.encode(), headers)[0] == status
    assert bot.store.pains.all(TEAM) == []
    _no_body_logged(caplog)


def test_a_body_that_is_not_utf8_gets_400(bot: Bot) -> None:
    raw = b"command=/pain&text=\xff\xfe" + MARK.encode()
    reply = bot.people.send_raw(raw)
    assert reply.status == 400
    assert "not UTF-8" in reply.body


def test_a_body_shorter_than_its_content_length_gets_400(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    raw = _pain_body().encode()
    headers = signed_headers(SECRET, raw)
    host, port = urlsplit(bot.url).hostname, urlsplit(bot.url).port
    with socket.create_connection((host, port), timeout=5) as sock:
        head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(raw) + 50}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode() + raw)
        sock.shutdown(socket.SHUT_WR)  # the client is done: the rest never comes
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.endswith(b"the body is shorter than its Content-Length")
    assert bot.store.pains.all(TEAM) == []
    _no_body_logged(caplog)


def test_a_post_without_content_length_gets_411(bot: Bot) -> None:
    host, port = urlsplit(bot.url).hostname, urlsplit(bot.url).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 411 ")


def _read_all(sock: socket.socket) -> bytes:
    """Read until the server closes the connection (bounded by the socket's timeout)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_failure_inside_the_app_is_a_500_answer_not_a_dropped_connection(
    slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(App):
        def dispatch(self, req: BoltRequest) -> BoltResponse:
            raise RuntimeError("a bug")

    app = Broken(client=WebClient(base_url=slack.api_url, token=slack.token), signing_secret=SECRET)
    server, url = serve_http(app, signing_secret=SECRET)
    try:
        reply = Workspace(slack, url, SECRET).post_form({"command": "/pain", "text": MARK})
    finally:
        server.shutdown()
        server.server_close()
    assert reply.status == 500
    assert "dispatching a request to /slack/events failed" in caplog.text
    assert MARK not in caplog.text


def test_with_one_bot_token_there_is_no_install_page(bot: Bot) -> None:
    base = bot.url.removesuffix("/slack/events")
    for path in ("/slack/install", "/slack/oauth_redirect?code=x&state=y"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + path, timeout=5)
        assert refused.value.code == 404
        refused.value.close()


def test_head_on_healthz_answers_its_status_and_other_methods_get_405() -> None:
    server, events_url = serve_http(None)
    base = events_url.rsplit("/slack/", 1)[0]
    try:
        head = urllib.request.Request(base + "/healthz", method="HEAD")
        with urllib.request.urlopen(head, timeout=5) as answer:
            assert (answer.status, answer.read()) == (200, b"")
        for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
            request = urllib.request.Request(base + "/slack/events", data=b"{}", method=method)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 405, method
    finally:
        server.shutdown()
        server.server_close()
