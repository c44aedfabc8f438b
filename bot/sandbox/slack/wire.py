"""What travels over HTTP: parameters in, Slack's JSON (or text) answers out."""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import re
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

TS_RE = re.compile(r"^\d+\.\d+$")
# Parameters Slack accepts as JSON-encoded strings in form bodies.
JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")


@dataclass(frozen=True)
class Call:
    """One Web API call the emulator received; ``params`` exclude the token."""

    method: str
    params: dict[str, Any]
    at: float
    error: str | None = None


class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, data: Mapping[str, Any], **headers: str) -> Reply:
    return Reply(status, json.dumps(data).encode("utf-8"), headers=dict(headers))


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, text.encode("utf-8"), content_type="text/plain; charset=utf-8")


def param(params: Mapping[str, Any], key: str) -> str | None:
    """Return a parameter as a non-empty string, or None: JSON bodies may carry numbers."""
    value = params.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def flag(params: Mapping[str, Any], key: str) -> bool:
    return params.get(key) in (True, 1, "1", "true", "True")


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a multipart/form-data body: file parts as bytes, the others as text."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if isinstance(name, str):
            fields[name] = payload if part.get_filename() else payload.decode("utf-8")
    return fields


def decode_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Merge query and body parameters as Slack does; JSON-encoded fields become objects."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if raw:
        if kind == "application/json":
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ApiError("invalid_json") from exc
            if not isinstance(body, dict):
                raise ApiError("invalid_json")
            params.update(body)
        elif kind == "multipart/form-data":
            params.update(parse_multipart(raw, content_type))
        else:
            try:
                params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError as exc:
                raise ApiError("invalid_form_data") from exc
    for key in JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Left as a string when malformed, so the method can answer with its own error.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def rich_text(text: str) -> list[dict[str, Any]]:
    """The rich_text block Slack's clients attach to a message a person types."""
    return [
        {
            "type": "rich_text",
            "block_id": secrets.token_hex(3),
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(zoneinfo.ZoneInfo(tz)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0
