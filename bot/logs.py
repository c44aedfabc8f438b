"""Logging of a running journeybot: quiet, JSON lines for machines, no secret ever written.

    setup_logging(log_format="auto", secrets=settings.secret_values())

or, for a block that leaves logging as it found it (`journeybot run` in a test's process):

    with installed_logging(log_format="auto", secrets=...):
        ...

- Quiet: journeybot's own INFO lines; the libraries (httpx, urllib3, APScheduler, Bolt,
  the Slack and Notion SDKs) only from WARNING, so no line per request or per job run.
- `auto` writes JSON lines when the stream is not a terminal (Docker, systemd), readable
  text when it is; `json` and `text` force one.
- A record about a Slack or Notion error carries the service's request id
  (`x-slack-req-id`, Notion's `request_id`), so a support ticket can name the request.
- Every line, tracebacks included, has the given secrets and anything shaped like a Slack
  or Notion token replaced by `[redacted]`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = [
    "LOUD_LIBRARIES",
    "JsonFormatter",
    "TextFormatter",
    "installed_logging",
    "request_id",
    "setup_logging",
]

LogFormat = Literal["auto", "text", "json"]

LOUD_LIBRARIES = (
    "apscheduler",
    "httpcore",
    "httpx",
    "notion_client",
    "slack_bolt",
    "slack_sdk",
    "urllib3",
    "websocket",
)
"""Libraries that log every request or job run at INFO or DEBUG."""

TOKEN = re.compile(r"\b(?:xox[abposre]-|xapp-|secret_|ntn_)[A-Za-z0-9-_]{6,}")
"""Shapes of Slack tokens (bot, user, app) and Notion integration secrets."""
REDACTED = "[redacted]"
_HANDLER_NAME = "journeybot"


def request_id(record: logging.LogRecord) -> str | None:
    """Return the Slack or Notion request id of an error the record carries, if any."""
    candidates: list[Any] = []
    if record.exc_info and record.exc_info[1] is not None:
        candidates.append(record.exc_info[1])
    args = record.args if isinstance(record.args, tuple) else ()
    candidates.extend(a for a in args if isinstance(a, BaseException))
    for error in candidates:
        found = _error_request_id(error)
        if found:
            return found
    return None


def _error_request_id(error: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # Notion's APIResponseError has it as an attribute; so may our own errors.
        found = getattr(current, "request_id", None)
        if isinstance(found, str) and found:
            return found
        response = getattr(current, "response", None)  # slack_sdk's SlackApiError
        headers = getattr(response, "headers", None)
        if isinstance(headers, dict):
            for name, value in headers.items():
                if name.lower() == "x-slack-req-id":
                    return str(value[0] if isinstance(value, list) else value)
        current = current.__cause__ or current.__context__
    return None


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is hidden whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN.sub(REDACTED, text)


class TextFormatter(_Redacting):
    """`2026-03-03 09:00:00 WARNING bot.jobs: message [slack request id X]` plus traceback."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        line = f"{when} {record.levelname} {record.name}: {record.getMessage()}"
        rid = request_id(record)
        if rid:
            line += f" [request id {rid}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return self.redact(line)


class JsonFormatter(_Redacting):
    """One JSON object per line: time, level, logger, message, request_id, error."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id(record)
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False))


def setup_logging(
    *,
    log_format: LogFormat = "auto",
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send log records to `stream` (stdout) as text or JSON lines; return the handler.

    Calling it again replaces the handler it installed before.
    """
    stream = stream or sys.stdout
    if log_format == "auto":
        log_format = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    handler.setFormatter(formatter(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler.addFilter(_quiet_libraries)
    root.addHandler(handler)
    root.setLevel(level)
    for name in LOUD_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler


@contextmanager
def installed_logging(
    *,
    log_format: LogFormat = "auto",
    level: int = logging.INFO,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> Iterator[logging.Handler]:
    """Log as `setup_logging` does inside the block; after it, the handlers and levels found.

    The handler holds the stream it was given: left behind, it would write into whatever
    stream that was (a finished command's captured output) and keep INFO on for all.
    """
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in ("", *LOUD_LIBRARIES)}
    handler = setup_logging(log_format=log_format, level=level, secrets=secrets, stream=stream)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for old in handlers:
            if old not in root.handlers:
                root.addHandler(old)
        for name, found in levels.items():
            logging.getLogger(name).setLevel(found)


QUIET_LOGGERS = ("journeybot.socket_mode",)
"""Our loggers that libraries write through (Socket Mode's client): quiet below WARNING."""

NOISE = ("As you gave `client` as well, `token` will be unused.",)
"""Library warnings about how journeybot builds them, which say nothing to whoever runs it
(Bolt reads SLACK_BOT_TOKEN from the environment itself, beside the client we give it)."""


def _quiet_libraries(record: logging.LogRecord) -> bool:
    # Levels on the libraries' top loggers are not enough: Bolt gives its app logger a
    # level of its own, which wins over its parent's.
    if record.getMessage() in NOISE:
        return False
    if record.levelno >= logging.WARNING:
        return True
    top = record.name.partition(".")[0]
    return top not in LOUD_LIBRARIES and not record.name.startswith(QUIET_LOGGERS)
