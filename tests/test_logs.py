"""Logs of a running journeybot: request ids on Slack and Notion errors, no secrets, quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from notion_client import APIResponseError, Client
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.logs import LOUD_LIBRARIES, installed_logging, setup_logging
from bot.notion.client import NotionError
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator

log = logging.getLogger("bot.test")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Logs as `journeybot run` writes them (JSON lines: a StringIO is not a terminal)."""
    stream = io.StringIO()
    handler = setup_logging(secrets=["s3cr3t-signing", "xoxb-real-bot-token"], stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_slack_error_is_logged_with_slacks_request_id(captured: io.StringIO) -> None:
    with SlackEmulator() as slack:
        client = WebClient(token=slack.token, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as error:
            client.chat_postMessage(channel="C0NOWHERE", text="hi")
    log.warning("could not post (%s)", error.value)
    (line,) = _lines(captured)
    assert line["level"] == "WARNING"
    assert line["request_id"] == error.value.response.headers["x-slack-req-id"]


def test_a_notion_error_is_logged_with_notions_request_id_even_when_wrapped(
    captured: io.StringIO,
) -> None:
    with NotionEmulator() as notion:
        # As bot/notion/client.py builds it: failures are reported by journeybot, once.
        client = Client(
            auth=notion.token,
            base_url=notion.base_url,
            client=httpx.Client(),
            retry=False,
            log_level=logging.ERROR,
        )
        with pytest.raises(APIResponseError) as error:
            client.pages.retrieve(page_id="0" * 32)
    assert error.value.request_id
    try:
        raise NotionError("pages.retrieve: not found", status=404) from error.value
    except NotionError:
        log.exception("sync failed")
    (line,) = _lines(captured)
    assert line["request_id"] == error.value.request_id
    assert "Traceback" in str(line["error"])


def test_secrets_and_token_shaped_text_are_redacted_everywhere(captured: io.StringIO) -> None:
    log.info("settings: %s and %s", "s3cr3t-signing", "xoxb-real-bot-token")
    log.info("a user token xoxp-1234567890-abcdef and a Notion one ntn_abcdefghijklmn")
    try:
        raise RuntimeError("token xapp-1-A0001-secretpart leaked into an error")
    except RuntimeError:
        log.exception("failed")
    text = captured.getvalue()
    for secret in ("s3cr3t-signing", "xoxb-real", "xoxp-1234", "ntn_abcdef", "xapp-1-A0001"):
        assert secret not in text
    assert "[redacted]" in text


def test_the_libraries_say_nothing_below_warning(captured: io.StringIO) -> None:
    for name in ("httpx", "urllib3.connectionpool", "apscheduler.scheduler", "slack_bolt.App"):
        logging.getLogger(name).info("request sent")
        logging.getLogger(name).debug("request sent")
    logging.getLogger("slack_bolt.App").error("a listener failed")
    assert [line["message"] for line in _lines(captured)] == ["a listener failed"]


def test_on_a_terminal_logs_are_text_lines() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    handler = setup_logging(stream=stream)
    try:
        log.info("hello")
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue().endswith(" INFO bot.test: hello\n")


def test_setting_up_twice_keeps_one_handler() -> None:
    first = setup_logging(stream=io.StringIO())
    second = setup_logging(stream=io.StringIO())
    try:
        assert first not in logging.getLogger().handlers
        assert second in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(second)


def test_installed_logging_leaves_the_handlers_and_levels_it_found() -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = [logging.getLogger(name).level for name in ("", *LOUD_LIBRARIES)]
    stream = io.StringIO()
    with installed_logging(stream=stream, level=logging.DEBUG) as handler:
        assert handler in root.handlers
        logging.getLogger("bot.test").info("inside")
    logging.getLogger("bot.test").info("after")
    assert root.handlers == handlers
    assert [logging.getLogger(name).level for name in ("", *LOUD_LIBRARIES)] == levels
    assert "inside" in stream.getvalue()
    assert "after" not in stream.getvalue()
