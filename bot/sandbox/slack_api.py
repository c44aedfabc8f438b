"""A local HTTP emulator of the Slack Web API, for the tests and the demo.

Point the real ``slack_sdk.WebClient`` at it and inspect what the bot did::

    with SlackEmulator() as slack:
        client = WebClient(base_url=slack.api_url, token=slack.token)
        client.chat_postMessage(channel="C0ROADMAP", text="Checkout is slow")
        assert slack.messages("C0ROADMAP")[0]["text"] == "Checkout is slow"

Responses, error codes and limits follow https://docs.slack.dev/reference/methods.
Only the standard library is used, so the demo needs nothing beyond the bot's own deps.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import email.policy
import json
import math
import mimetypes
import re
import secrets
import threading
import time
import uuid
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_SCOPES",
    "DEFAULT_USERS",
    "SLACK_TIERS",
    "Call",
    "SlackEmulator",
    "validate_message_blocks",
    "validate_view",
]

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "U0ADA": {"name": "ada", "real_name": "Ada Park", "is_admin": True, "is_owner": True},
    "U0BEN": {"name": "ben", "real_name": "Ben Okafor", "tz": "America/New_York"},
    "U0CHLOE": {"name": "chloe", "real_name": "Chloé Martin"},
}
"""People in the emulated workspace unless ``users=`` is given: id -> partial user fields."""

DEFAULT_CHANNELS: dict[str, str] = {"C0ROADMAP": "roadmap", "C0GENERAL": "general"}
"""Public channels unless ``channels=`` is given: id -> name."""

# Scope each method needs (any one of them), from each method's reference page.
_METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.open": ("im:write", "mpim:write"),
    "users.info": ("users:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}

DEFAULT_SCOPES: tuple[str, ...] = (
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "reactions:read",
    "reactions:write",
    "users:read",
)
"""Bot scopes granted unless ``scopes=`` is given: enough for every emulated method."""

SLACK_TIERS: dict[str, int] = {
    "auth.test": 100,
    "chat.postMessage": 60,  # "special": about one per second per channel
    "chat.postEphemeral": 100,
    "chat.update": 50,
    "chat.delete": 50,
    "chat.getPermalink": 100,
    "views.open": 100,
    "views.update": 100,
    "views.push": 100,
    "views.publish": 100,
    "reactions.add": 50,
    "reactions.remove": 20,
    "conversations.replies": 50,
    "conversations.history": 50,
    "conversations.info": 100,
    "conversations.open": 50,
    "users.info": 100,
    "files.getUploadURLExternal": 100,
    "files.completeUploadExternal": 100,
}
"""Calls per minute of Slack's rate-limit tiers; pass as ``rate_limits=`` to enforce them."""

_MAX_MESSAGE_TEXT = 40_000
_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100
_MAX_VIEW_BYTES = 250_000
_MAX_RESPONSE_URL_POSTS = 5
_MAX_MODAL_STACK = 3
_TS_RE = re.compile(r"^\d+\.\d+$")
# Parameters Slack accepts as JSON-encoded strings in form bodies.
_JSON_PARAMS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")


@dataclass(frozen=True)
class Call:
    """One Web API call the emulator received; ``params`` exclude the token."""

    method: str
    params: dict[str, Any]
    at: float
    error: str | None = None


class _ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


# --------------------------------------------------------------------------------------------
# Block Kit limits
# --------------------------------------------------------------------------------------------

_BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_SELECT_PLACEHOLDER_TYPES = frozenset(
    {
        "channels_select",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_users_select",
        "number_input",
        "timepicker",
        "url_text_input",
        "users_select",
    }
)


class _Checker:
    """Collects Slack-style ``[ERROR] ... [json-pointer:...]`` messages for a payload."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def error(self, message: str, path: str) -> None:
        self.messages.append(f"[ERROR] {message} [json-pointer:{path}]")

    def max_len(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.error(f"must be less than {limit + 1} characters", path)

    def max_items(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.error(f"no more than {limit} items allowed", path)

    def text(
        self,
        parent: Mapping[str, Any],
        key: str,
        path: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = False,
    ) -> None:
        """Check the text object ``parent[key]``, if present (or if required)."""
        obj = parent.get(key)
        if obj is None:
            if required:
                self.error(f"missing required field: {key}", path)
            return
        self.text_object(obj, f"{path}/{key}", limit, plain_only=plain_only)

    def text_object(self, obj: Any, path: str, limit: int, *, plain_only: bool = False) -> None:
        """Check a text object's type and the length of its text."""
        if not isinstance(obj, dict):
            self.error("must be an object", path)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.error(f"must be one of [{', '.join(allowed)}]", f"{path}/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.error("missing required field: text", path)
        elif not value:
            self.error("must be more than 0 characters", f"{path}/text")
        else:
            self.max_len(value, limit, f"{path}/text")

    def blocks(self, blocks: Any, path: str, limit: int) -> None:
        """Check a list of blocks: count, unique block_ids, then each block."""
        if not isinstance(blocks, list):
            self.error("must be an array", path)
            return
        self.max_items(blocks, limit, path)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            where = f"{path}/{i}"
            if not isinstance(block, dict):
                self.error("must be an object", where)
                continue
            block_id = block.get("block_id")
            if isinstance(block_id, str):
                if block_id in seen:
                    self.error(f"duplicate block_id: {block_id}", f"{where}/block_id")
                seen.add(block_id)
            self.block(block, where)

    def block(self, block: Mapping[str, Any], path: str) -> None:
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.error(f"unsupported block type: {kind}", f"{path}/type")
            return
        self.max_len(block.get("block_id"), 255, f"{path}/block_id")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.error("missing required field: text", path)
            self.text(block, "text", path, 3000)
            fields = block.get("fields")
            if fields is not None:
                self.max_items(fields, 10, f"{path}/fields")
                for i, item in enumerate(fields if isinstance(fields, list) else []):
                    self.text_object(item, f"{path}/fields/{i}", 2000)
            if isinstance(block.get("accessory"), dict):
                self.element(block["accessory"], f"{path}/accessory")
        elif kind == "header":
            self.text(block, "text", path, 150, plain_only=True, required=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list):
                self.error("missing required field: elements", path)
                return
            self.max_items(elements, 10, f"{path}/elements")
            for i, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
                    self.text_object(element, f"{path}/elements/{i}", 3000)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list):
                self.error("missing required field: elements", path)
                return
            self.max_items(elements, 25, f"{path}/elements")
            action_ids: set[str] = set()
            for i, element in enumerate(elements):
                if not isinstance(element, dict):
                    continue
                action_id = element.get("action_id")
                if isinstance(action_id, str):
                    if action_id in action_ids:
                        self.error(
                            f"duplicate action_id: {action_id}",
                            f"{path}/elements/{i}/action_id",
                        )
                    action_ids.add(action_id)
                self.element(element, f"{path}/elements/{i}")
        elif kind == "input":
            self.text(block, "label", path, 2000, plain_only=True, required=True)
            self.text(block, "hint", path, 2000, plain_only=True)
            if not isinstance(block.get("element"), dict):
                self.error("missing required field: element", path)
            else:
                self.element(block["element"], f"{path}/element")
        elif kind == "image":
            self.max_len(block.get("image_url"), 3000, f"{path}/image_url")
            self.max_len(block.get("alt_text"), 2000, f"{path}/alt_text")
            self.text(block, "title", path, 2000, plain_only=True)
        elif kind == "markdown":
            self.max_len(block.get("text"), 12000, f"{path}/text")

    def element(self, element: Mapping[str, Any], path: str) -> None:
        kind = element.get("type")
        self.max_len(element.get("action_id"), 255, f"{path}/action_id")
        if isinstance(element.get("confirm"), dict):
            self.confirm(element["confirm"], f"{path}/confirm")
        if kind == "button":
            self.text(element, "text", path, 75, plain_only=True, required=True)
            self.max_len(element.get("value"), 2000, f"{path}/value")
            self.max_len(element.get("url"), 3000, f"{path}/url")
            self.max_len(element.get("accessibility_label"), 75, f"{path}/accessibility_label")
        elif kind in ("static_select", "multi_static_select"):
            self.text(element, "placeholder", path, 150, plain_only=True)
            if "options" not in element and "option_groups" not in element:
                self.error("missing required field: options", path)
            self.options(element.get("options"), f"{path}/options", 100)
            groups = element.get("option_groups")
            self.max_items(groups, 100, f"{path}/option_groups")
            for i, group in enumerate(groups if isinstance(groups, list) else []):
                if isinstance(group, dict):
                    where = f"{path}/option_groups/{i}"
                    self.text(group, "label", where, 75, plain_only=True, required=True)
                    self.options(group.get("options"), f"{where}/options", 100)
        elif kind == "overflow":
            self.options(element.get("options"), f"{path}/options", 5)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(element.get("options"), f"{path}/options", 10)
        elif kind == "plain_text_input":
            self.text(element, "placeholder", path, 150, plain_only=True)
            self.max_len(element.get("initial_value"), 3000, f"{path}/initial_value")
            max_length = element.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.error("must be less than or equal to 3000", f"{path}/max_length")
        elif kind in _SELECT_PLACEHOLDER_TYPES:
            self.text(element, "placeholder", path, 150, plain_only=True)

    def options(self, options: Any, path: str, limit: int) -> None:
        if options is None:
            return
        if not isinstance(options, list):
            self.error("must be an array", path)
            return
        self.max_items(options, limit, path)
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                continue
            where = f"{path}/{i}"
            self.text(option, "text", where, 75, required=True)
            self.max_len(option.get("value"), 150, f"{where}/value")
            self.text(option, "description", where, 75)

    def confirm(self, confirm: Mapping[str, Any], path: str) -> None:
        self.text(confirm, "title", path, 100, plain_only=True, required=True)
        self.text(confirm, "text", path, 300, required=True)
        self.text(confirm, "confirm", path, 30, plain_only=True, required=True)
        self.text(confirm, "deny", path, 30, plain_only=True, required=True)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Return Slack's ``response_metadata.messages`` for message blocks; empty when valid."""
    checker = _Checker()
    checker.blocks(blocks, "/blocks", _MAX_MESSAGE_BLOCKS)
    return checker.messages


def validate_view(view: Any, *, expect: str | None = None) -> list[str]:
    """Return Slack's ``response_metadata.messages`` for a modal or home view; empty when valid."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.error("must be an object", "/view")
        return checker.messages
    kind = view.get("type")
    allowed = (expect,) if expect else ("modal", "home")
    if kind not in allowed:
        checker.error(f"must be one of [{', '.join(allowed)}]", "/view/type")
        return checker.messages
    if kind == "modal":
        checker.text(view, "title", "/view", 24, plain_only=True, required=True)
        checker.text(view, "submit", "/view", 24, plain_only=True)
        checker.text(view, "close", "/view", 24, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            checker.error("must provide a submit property when using input blocks", "/view")
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.max_len(view.get("callback_id"), 255, "/view/callback_id")
    checker.max_len(view.get("external_id"), 255, "/view/external_id")
    if "blocks" not in view:
        checker.error("missing required field: blocks", "/view")
    else:
        checker.blocks(view["blocks"], "/view/blocks", _MAX_VIEW_BLOCKS)
    return checker.messages


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


@dataclass
class _Trigger:
    user: str | None
    expires_at: float
    used: bool = False


@dataclass
class _Hook:
    channel: str | None
    user: str | None
    message_ts: str | None
    posts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    remaining: int


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(status: int, data: Mapping[str, Any], **headers: str) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), headers=dict(headers))


def _text_reply(status: int, text: str) -> _Reply:
    return _Reply(status, text.encode("utf-8"), content_type="text/plain; charset=utf-8")


def _s(params: Mapping[str, Any], key: str) -> str | None:
    """Return a parameter as a non-empty string, or None: JSON bodies may carry numbers."""
    value = params.get(key)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _flag(params: Mapping[str, Any], key: str) -> bool:
    return params.get(key) in (True, 1, "1", "true", "True")


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
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


def _decode_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Merge query and body parameters as Slack does; JSON-encoded fields become objects."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if raw:
        if kind == "application/json":
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _ApiError("invalid_json") from exc
            if not isinstance(body, dict):
                raise _ApiError("invalid_json")
            params.update(body)
        elif kind == "multipart/form-data":
            params.update(_parse_multipart(raw, content_type))
        else:
            try:
                params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError as exc:
                raise _ApiError("invalid_form_data") from exc
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Left as a string when malformed, so the method can answer with its own error.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode("ascii")


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (ValueError, UnicodeError) as exc:
        raise _ApiError("invalid_cursor") from exc
    prefix, _, ts = decoded.partition(":")
    if prefix != "next_ts" or not _TS_RE.match(ts):
        raise _ApiError("invalid_cursor")
    return ts


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6])


def _page(
    messages: list[dict[str, Any]], params: Mapping[str, Any], *, default_limit: int
) -> tuple[list[dict[str, Any]], str]:
    """Slice ``messages`` (already ordered) by ``cursor``/``limit``; return page and next cursor."""
    try:
        limit = int(params.get("limit") or default_limit)
    except (TypeError, ValueError) as exc:
        raise _ApiError("invalid_limit") from exc
    limit = max(1, min(limit, 1000))
    start = 0
    cursor = _s(params, "cursor")
    if cursor:
        next_ts = _decode_cursor(cursor)
        start = next((i for i, m in enumerate(messages) if m["ts"] == next_ts), len(messages))
    page = messages[start : start + limit]
    rest = messages[start + limit :]
    return page, _encode_cursor(rest[0]["ts"]) if rest else ""


def _rich_text(text: str) -> list[dict[str, Any]]:
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


def _tz_offset(tz: str) -> int:
    try:
        offset = datetime.now(zoneinfo.ZoneInfo(tz)).utcoffset()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        reply = self.server.emulator._route(self.command, url.path, url.query, raw, self.headers)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo print what matters themselves."""


class SlackEmulator:
    """An HTTP server that answers like Slack's Web API and records every call it receives."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "xoxb-test",
        workspace_id: str = "T0001",
        team_domain: str = "sandbox",
        team_name: str = "Sandbox",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0001",
        app_id: str = "A0001",
        bot_name: str = "journeybot",
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channels: Mapping[str, str] | None = None,
        scopes: Iterable[str] | None = None,
        rate_limits: Mapping[str, int] | None = None,
        ts_epoch: int = 1_700_000_000,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.workspace_id = workspace_id
        self.team_domain = team_domain
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_name = bot_name
        self.scopes: tuple[str, ...] = tuple(DEFAULT_SCOPES if scopes is None else scopes)
        self.rate_limits: dict[str, int] = dict(rate_limits or {})
        self.token_revoked = False
        self.message_ts_counter = 0
        """How many ts were issued; each new ts is ``ts_epoch`` plus 100µs per issue."""
        self._ts_epoch = ts_epoch
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = 0
        self._calls: list[Call] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_users: dict[str, str | None] = {}
        self._stacks: dict[str | None, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._hooks: dict[str, _Hook] = {}
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._recent: dict[str, deque[float]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.add_user(bot_user_id, name=bot_name, real_name=bot_name, is_bot=True)
        for user_id, fields in (DEFAULT_USERS if users is None else users).items():
            self.add_user(user_id, **fields)
        for channel_id, name in (DEFAULT_CHANNELS if channels is None else channels).items():
            self.add_channel(channel_id, name)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Start serving in a background thread; return self."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
            # A short poll interval keeps stop() (and so each test's teardown) quick.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="slack-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``, with its trailing slash."""
        return f"{self.base_url}/api/"

    # -- workspace set-up ----------------------------------------------------------------

    def add_user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Add or replace a person; ``fields`` are user-object fields (name, real_name, tz...)."""
        name = fields.get("name", user_id.lower())
        real_name = fields.get("real_name", name)
        tz = fields.get("tz", "Europe/Paris")
        display_name = fields.get("display_name", name)
        user = {
            "id": user_id,
            "team_id": self.workspace_id,
            "name": name,
            "deleted": bool(fields.get("deleted", False)),
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _tz_offset(tz),
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": display_name,
                "display_name_normalized": display_name,
                "email": fields.get("email", f"{name}@example.com"),
                "team": self.workspace_id,
            },
            "is_admin": bool(fields.get("is_admin", False)),
            "is_owner": bool(fields.get("is_owner", False)),
            "is_primary_owner": bool(fields.get("is_primary_owner", False)),
            "is_restricted": bool(fields.get("is_restricted", False)),
            "is_ultra_restricted": bool(fields.get("is_ultra_restricted", False)),
            "is_bot": bool(fields.get("is_bot", False)),
            "is_app_user": False,
            "updated": self._ts_epoch,
        }
        if user["is_bot"]:
            user["profile"]["bot_id"] = self.bot_id
            user["profile"].pop("email")
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> None:
        """Add a channel the bot is a member of."""
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_channel": not is_private,
                "is_group": is_private,
                "is_im": False,
                "is_mpim": False,
                "is_private": is_private,
                "created": self._ts_epoch,
                "is_archived": False,
                "is_general": name == "general",
                "name_normalized": name,
                "is_member": True,
            }
            self._messages.setdefault(channel_id, [])

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel: posting to it answers ``is_archived`` from now on."""
        with self._lock:
            self._channels[self._channel_or_raise(channel_id)]["is_archived"] = True

    def set_bot_member(self, channel_id: str, member: bool) -> None:
        """Add the bot to a channel or take it out (``conversations.info``'s ``is_member``)."""
        with self._lock:
            self._channels[self._channel_or_raise(channel_id)]["is_member"] = member

    def revoke_token(self, revoked: bool = True) -> None:
        """Revoke the bot token (every call answers ``token_revoked``), or restore it."""
        with self._lock:
            self.token_revoked = revoked

    def dm_channel(self, user: str) -> str:
        """Return the id of the bot's DM channel with ``user``, opening it if needed."""
        with self._lock:
            for channel in self._channels.values():
                if channel["is_im"] and channel["user"] == user:
                    return channel["id"]
            channel_id = self._new_id("D")
            self._channels[channel_id] = {
                "id": channel_id,
                "created": self._ts_epoch,
                "is_im": True,
                "is_channel": False,
                "is_group": False,
                "is_mpim": False,
                "is_private": True,
                "is_archived": False,
                "is_open": True,
                "user": user,
            }
            self._messages[channel_id] = []
            return channel_id

    def issue_trigger_id(self, user: str | None = None, *, ttl: float = 3.0) -> str:
        """Return a trigger_id for ``user``, usable once within ``ttl`` seconds as on Slack."""
        with self._lock:
            self._ids += 1
            trigger_id = f"{self._ids}.{int(time.time() * 1000)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = _Trigger(user, time.monotonic() + ttl)
            return trigger_id

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Return a response_url on this emulator; posts to it are recorded and applied.

        With ``channel``/``user`` an ephemeral or ``in_channel`` response lands there; with
        ``message_ts`` too, ``replace_original``/``delete_original`` act on that message.
        """
        with self._lock:
            hook_id = secrets.token_urlsafe(12)
            self._hooks[hook_id] = _Hook(channel, user, message_ts)
            return f"{self.base_url}/actions/{self.workspace_id}/{hook_id}"

    # -- failure injection ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        By default they get HTTP 429 ``ratelimited`` with ``Retry-After: retry_after``;
        with ``error`` alone, HTTP 200 ``{"ok": false, "error": error}``; with another
        ``status``, that status and ``error`` (``internal_error`` by default).
        """
        if status is None:
            status = 200 if error else 429
        if status == 429:
            error = error or "ratelimited"
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.append(_Failure(status, error or "internal_error", retry_after, times))

    def set_rate_limit(self, method: str, per_minute: int | None) -> None:
        """Answer 429 once ``method`` is called more than ``per_minute`` times in 60 seconds."""
        with self._lock:
            if per_minute is None:
                self.rate_limits.pop(method, None)
            else:
                self.rate_limits[method] = per_minute

    # -- people acting -------------------------------------------------------------------

    def post_as_user(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Store a message typed by ``user``; return it shaped like a ``message`` event."""
        with self._lock:
            channel_id = self._channel_or_raise(channel)
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": self._next_ts(),
                "team": self.workspace_id,
                "client_msg_id": str(uuid.uuid4()),
                "blocks": copy.deepcopy(blocks) if blocks is not None else _rich_text(text),
            }
            self._store(channel_id, message, thread_ts)
            event = copy.deepcopy(message)
            event.update(
                channel=channel_id,
                event_ts=message["ts"],
                channel_type=self._channel_type(channel_id),
            )
            return event

    def add_reaction_as_user(
        self, user: str, channel: str, ts: str, name: str = "+1"
    ) -> dict[str, Any]:
        """Store ``user``'s reaction; return the ``reaction_added`` event Slack would send."""
        with self._lock:
            channel_id = self._channel_or_raise(channel)
            message = self._find(channel_id, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel_id}")
            if not self._react(message, user, name):
                raise ValueError(f"{user} already reacted with :{name}:")
            return self._reaction_event("reaction_added", user, channel_id, message, name)

    def remove_reaction_as_user(
        self, user: str, channel: str, ts: str, name: str = "+1"
    ) -> dict[str, Any]:
        """Remove ``user``'s reaction; return the ``reaction_removed`` event Slack would send."""
        with self._lock:
            channel_id = self._channel_or_raise(channel)
            message = self._find(channel_id, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel_id}")
            if not self._unreact(message, user, name):
                raise ValueError(f"{user} has no :{name}: reaction there")
            return self._reaction_event("reaction_removed", user, channel_id, message, name)

    def apply_view_ack(self, view_id: str, ack_body: str) -> None:
        """Apply the bot's answer to a view_submission to the modal stack, as Slack does."""
        try:
            answer = json.loads(ack_body) if ack_body.strip() else {}
        except json.JSONDecodeError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        with self._lock:
            stack = self._stacks.get(self._view_users.get(view_id), [])
            if view_id not in stack:
                return
            if action is None:
                del stack[stack.index(view_id) :]
            elif action == "clear":
                stack.clear()
            elif action == "update" and isinstance(answer.get("view"), dict):
                old = self._views[view_id]
                self._views[view_id] = self._make_view(
                    answer["view"],
                    view_id=view_id,
                    root=old["root_view_id"],
                    previous=old["previous_view_id"],
                )
            elif action == "push" and isinstance(answer.get("view"), dict):
                user = self._view_users[view_id]
                self._push_view(answer["view"], user, previous=stack[-1])

    # -- recorded calls ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call received, oldest first (failed ones included)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls received for ``method``, oldest first."""
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def count(self, method: str | None = None) -> int:
        """Number of calls received, for ``method`` or in all."""
        with self._lock:
            return sum(1 for c in self._calls if method is None or c.method == method)

    def reset_calls(self) -> None:
        """Forget recorded calls (state such as messages is kept)."""
        with self._lock:
            self._calls.clear()

    # -- state accessors -----------------------------------------------------------------

    def messages(self, channel: str, *, include_replies: bool = True) -> list[dict[str, Any]]:
        """Messages in ``channel`` (id, ``#name`` or user id for the DM), oldest first.

        Each dict has ``channel``, ``ts``, ``user`` (and ``bot_id`` for the bot's), ``text``,
        ``blocks``, ``thread_ts`` (None at top level) and ``reactions`` (maybe empty).
        """
        with self._lock:
            channel_id = self._resolve(channel)
            if channel_id is None:
                return []
            return [
                self._for_test(channel_id, m)
                for m in self._messages.get(channel_id, [])
                if include_replies
                or m.get("thread_ts") in (None, m["ts"])
                or m.get("subtype") == "thread_broadcast"
            ]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message at ``ts`` in ``channel``, or None."""
        with self._lock:
            channel_id = self._resolve(channel)
            found = self._find(channel_id, ts) if channel_id else None
            return self._for_test(channel_id, found) if channel_id and found else None

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The thread holding ``ts``: parent first, then replies; empty if unknown."""
        with self._lock:
            channel_id = self._resolve(channel)
            if channel_id is None:
                return []
            return [self._for_test(channel_id, m) for m in self._thread_of(channel_id, ts)]

    def dms(self, user: str) -> list[dict[str, Any]]:
        """Messages in the bot's DM channel with ``user``, oldest first."""
        with self._lock:
            for channel in self._channels.values():
                if channel["is_im"] and channel.get("user") == user:
                    return self.messages(channel["id"])
            return []

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages (channel, user, ts, text, blocks, thread_ts), for ``user`` or all."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if user in (None, e["user"])]

    def reactions(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Reactions on a message as Slack lists them: ``[{name, users, count}]``."""
        found = self.message(channel, ts)
        return found["reactions"] if found else []

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every view opened, pushed or published, by view id, as last updated."""
        with self._lock:
            return copy.deepcopy(self._views)

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The view with ``view_id``, or None."""
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def modal_stack(self, user: str | None) -> list[dict[str, Any]]:
        """Modals open for ``user``, root first, as closed/updated by ``apply_view_ack``."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user, [])]

    def modal(self, user: str | None) -> dict[str, Any] | None:
        """The modal ``user`` currently sees (top of the stack), or None."""
        stack = self.modal_stack(user)
        return stack[-1] if stack else None

    def home(self, user: str) -> dict[str, Any] | None:
        """The App Home view published for ``user``, or None."""
        with self._lock:
            view_id = self._homes.get(user)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    @property
    def files(self) -> list[dict[str, Any]]:
        """Uploaded files: Slack's file object plus ``content`` (the bytes uploaded)."""
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values()]

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies accepted on response_urls, oldest first, for ``url`` or all."""
        with self._lock:
            return [copy.deepcopy(p) for u, p in self._responses if url in (None, u)]

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user object for ``user_id``, or None."""
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def channel_name(self, channel: str) -> str | None:
        """The name of a channel (``directmessage`` for a DM), or None if unknown."""
        with self._lock:
            found = self._channels.get(channel)
            if found is None:
                return None
            return found.get("name") or ("directmessage" if found["is_im"] else "mpdm")

    def find_ephemeral(self, ts: str) -> dict[str, Any] | None:
        """The ephemeral message posted with ``message_ts`` ``ts``, or None."""
        with self._lock:
            found = next((e for e in self._ephemerals if e["ts"] == ts), None)
            return copy.deepcopy(found) if found else None

    # -- HTTP routing --------------------------------------------------------------------

    def _route(self, verb: str, path: str, query: str, raw: bytes, headers: Any) -> _Reply:
        content_type = headers.get("Content-Type") or ""
        if path.startswith("/api/"):
            return self._api(path.removeprefix("/api/"), query, raw, headers)
        if path.startswith("/upload/v1/") and verb == "POST":
            return self._upload(path.removeprefix("/upload/v1/"), raw, content_type)
        if path.startswith(f"/actions/{self.workspace_id}/") and verb == "POST":
            return self._respond(path, raw, content_type)
        if path.startswith("/files/") and verb == "GET":
            return self._download(path.removeprefix("/files/"), headers)
        return _text_reply(404, "not_found")

    def _api(self, method: str, query: str, raw: bytes, headers: Any) -> _Reply:
        try:
            params = _decode_params(query, raw, headers.get("Content-Type") or "")
            decode_error = None
        except _ApiError as exc:
            params, decode_error = {}, exc.code
        auth = headers.get("Authorization") or ""
        token = auth[7:].strip() if auth.startswith("Bearer ") else _s(params, "token")
        params.pop("token", None)
        with self._lock:
            try:
                reply = self._dispatch(method, params, token, decode_error)
                error = None
            except _ApiError as exc:
                reply = _json_reply(200, {"ok": False, "error": exc.code, **exc.extra})
                error = exc.code
            if reply.status != 200:
                error = json.loads(reply.body).get("error")
            self._calls.append(Call(method, params, time.time(), error))
        # Slack names every answer, so that a support ticket can point at the request.
        reply.headers["x-slack-req-id"] = uuid.uuid4().hex
        if token == self.token:
            reply.headers["x-oauth-scopes"] = ",".join(self.scopes)
            reply.headers["x-accepted-oauth-scopes"] = ",".join(_METHOD_SCOPES.get(method, ()))
        return reply

    def _dispatch(
        self, method: str, params: dict[str, Any], token: str | None, decode_error: str | None
    ) -> _Reply:
        failure = self._take_failure(method)
        if failure is not None:
            return failure
        if decode_error:
            raise _ApiError(decode_error)
        handler = self._methods.get(method)
        if handler is None:
            raise _ApiError("unknown_method", req_method=method)
        if not token:
            raise _ApiError("not_authed")
        if token != self.token:
            raise _ApiError("invalid_auth")
        if self.token_revoked:
            raise _ApiError("token_revoked")
        limited = self._rate_limited(method, params)
        if limited is not None:
            return limited
        needed = _METHOD_SCOPES.get(method)
        if needed and not set(needed) & set(self.scopes):
            raise _ApiError("missing_scope", needed=needed[0], provided=",".join(self.scopes))
        return _json_reply(200, {"ok": True, **handler(params)})

    def _take_failure(self, method: str) -> _Reply | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        headers = {}
        if failure.status == 429 and failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        return _json_reply(failure.status, {"ok": False, "error": failure.error}, **headers)

    def _rate_limited(self, method: str, params: Mapping[str, Any]) -> _Reply | None:
        per_minute = self.rate_limits.get(method)
        if not per_minute:
            return None
        # chat.postMessage is limited per channel; the other methods per workspace.
        key = f"{method}:{params.get('channel')}" if method == "chat.postMessage" else method
        now = time.monotonic()
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] >= 60:
            recent.popleft()
        if len(recent) >= per_minute:
            wait = max(1, math.ceil(60 - (now - recent[0])))
            return _json_reply(
                429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": str(wait)}
            )
        recent.append(now)
        return None

    # -- ids, channels, storage ----------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:08X}"

    def _next_ts(self) -> str:
        self.message_ts_counter += 1
        micros = self._ts_epoch * 1_000_000 + self.message_ts_counter * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve(self, channel: str | None) -> str | None:
        """Map a channel id, ``#name``/name or user id (-> DM) to a channel id, or None."""
        if not channel:
            return None
        if channel in self._channels:
            return channel
        if channel in self._users:
            return self.dm_channel(channel)
        name = channel.removeprefix("#")
        return next((c["id"] for c in self._channels.values() if c.get("name") == name), None)

    def _channel(self, params: Mapping[str, Any], key: str = "channel") -> str:
        channel_id = self._resolve(_s(params, key))
        if channel_id is None:
            raise _ApiError("channel_not_found")
        return channel_id

    def _channel_or_raise(self, channel: str) -> str:
        channel_id = self._resolve(channel)
        if channel_id is None:
            raise LookupError(f"unknown channel {channel!r}")
        return channel_id

    def _channel_type(self, channel_id: str) -> str:
        info = self._channels[channel_id]
        if info["is_im"]:
            return "im"
        if info["is_mpim"]:
            return "mpim"
        return "group" if info["is_private"] else "channel"

    def _find(self, channel_id: str | None, ts: str | None) -> dict[str, Any] | None:
        if not channel_id or not ts:
            return None
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    def _store(self, channel_id: str, message: dict[str, Any], thread_ts: str | None) -> None:
        """Append ``message``; as a reply, also update its parent's thread fields like Slack."""
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = self._find(channel_id, thread_ts)
            if parent is not None:
                message["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                users = parent.setdefault("reply_users", [])
                if message.get("user") not in users:
                    users.append(message.get("user"))
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]
        self._messages.setdefault(channel_id, []).append(message)

    def _thread_of(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        message = self._find(channel_id, ts)
        if message is None:
            return []
        root = message.get("thread_ts") or message["ts"]
        return [
            m for m in self._messages[channel_id] if m["ts"] == root or m.get("thread_ts") == root
        ]

    def _for_test(self, channel_id: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a stored message with the keys tests read always present."""
        out = copy.deepcopy(dict(message))
        out["channel"] = channel_id
        out.setdefault("blocks", [])
        out.setdefault("thread_ts", None)
        out.setdefault("reactions", [])
        return out

    def _bot_message(
        self, text: str, blocks: list[dict[str, Any]] | None, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text,
            "ts": self._next_ts(),
            "team": self.workspace_id,
            "bot_profile": {
                "id": self.bot_id,
                "app_id": self.app_id,
                "name": self.bot_name,
                "deleted": False,
                "team_id": self.workspace_id,
            },
        }
        if blocks:
            message["blocks"] = copy.deepcopy(blocks)
        for key in ("attachments", "metadata"):
            if isinstance(params.get(key), (list, dict)):
                message[key] = copy.deepcopy(params[key])
        return message

    def _content(
        self, params: Mapping[str, Any], *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        """Validate ``text``/``blocks`` of a message the way chat.postMessage does."""
        text = _s(params, "text")
        blocks = params.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise _ApiError("invalid_blocks_format")
        if required and not text and not blocks and not params.get("attachments"):
            raise _ApiError("no_text")
        if text and len(text) > _MAX_MESSAGE_TEXT:
            raise _ApiError("msg_too_long")
        if blocks:
            problems = validate_message_blocks(blocks)
            if problems:
                raise _ApiError(
                    "invalid_blocks",
                    errors=[p.removeprefix("[ERROR] ") for p in problems],
                    response_metadata={"messages": problems},
                )
        return text, blocks or None

    def _thread_ts(self, params: Mapping[str, Any]) -> str | None:
        thread_ts = _s(params, "thread_ts")
        if thread_ts is not None and not _TS_RE.match(thread_ts):
            raise _ApiError(
                "invalid_thread_ts",
                response_metadata={"messages": [f"[ERROR] {thread_ts} is not a valid thread_ts"]},
            )
        return thread_ts

    @staticmethod
    def _public(message: Mapping[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(message))

    # -- reactions -----------------------------------------------------------------------

    @staticmethod
    def _react(message: dict[str, Any], user: str, name: str) -> bool:
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            reactions.append({"name": name, "users": [user], "count": 1})
            return True
        if user in entry["users"]:
            return False
        entry["users"].append(user)
        entry["count"] += 1
        return True

    @staticmethod
    def _unreact(message: dict[str, Any], user: str, name: str) -> bool:
        reactions = message.get("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None or user not in entry["users"]:
            return False
        entry["users"].remove(user)
        entry["count"] -= 1
        if not entry["users"]:
            reactions.remove(entry)
        if not reactions:
            message.pop("reactions", None)
        return True

    def _reaction_event(
        self, kind: str, user: str, channel_id: str, message: Mapping[str, Any], name: str
    ) -> dict[str, Any]:
        return {
            "type": kind,
            "user": user,
            "reaction": name,
            "item_user": message.get("user"),
            "item": {"type": "message", "channel": channel_id, "ts": message["ts"]},
            "event_ts": f"{time.time():.6f}",
        }

    # -- views ---------------------------------------------------------------------------

    def _check_view(
        self, params: Mapping[str, Any], *, expect: str | None = None
    ) -> dict[str, Any]:
        spec = params.get("view")
        if spec is None:
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view"]},
            )
        if not isinstance(spec, dict):
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view must be a JSON object"]},
            )
        if len(json.dumps(spec)) > _MAX_VIEW_BYTES:
            raise _ApiError("view_too_large")
        problems = validate_view(spec, expect=expect)
        if problems:
            raise _ApiError("invalid_arguments", response_metadata={"messages": problems})
        external_id = spec.get("external_id")
        if external_id:
            owner = next(
                (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                None,
            )
            if owner is not None and owner != _s(params, "view_id"):
                raise _ApiError("duplicate_external_id")
        return spec

    def _check_trigger(self, params: Mapping[str, Any]) -> _Trigger:
        trigger_id = _s(params, "trigger_id") or _s(params, "interactivity_pointer")
        trigger = self._triggers.get(trigger_id or "")
        if trigger_id is None or trigger is None:
            raise _ApiError("invalid_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        if time.monotonic() > trigger.expires_at:
            raise _ApiError("expired_trigger_id")
        return trigger

    def _make_view(
        self,
        spec: Mapping[str, Any],
        *,
        view_id: str,
        root: str | None = None,
        previous: str | None = None,
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": view_id,
            "team_id": self.workspace_id,
            "type": spec["type"],
            "blocks": copy.deepcopy(spec.get("blocks", [])),
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.workspace_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in spec:
                view[key] = copy.deepcopy(spec[key])
        return view

    def _push_view(
        self, spec: Mapping[str, Any], user: str | None, *, previous: str | None
    ) -> dict[str, Any]:
        stack = self._stacks.setdefault(user, [])
        if len(stack) >= _MAX_MODAL_STACK:
            raise _ApiError("push_limit_reached")
        view_id = self._new_id("V")
        root = stack[0] if stack else None
        view = self._make_view(spec, view_id=view_id, root=root, previous=previous)
        self._views[view_id] = view
        self._view_users[view_id] = user
        stack.append(view_id)
        return view

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._check_trigger(params)
        spec = self._check_view(params, expect="modal")
        trigger.used = True
        # A new trigger starts a new modal: whatever the person had open is replaced.
        self._stacks[trigger.user] = []
        view = self._push_view(spec, trigger.user, previous=None)
        return {"view": copy.deepcopy(view)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = self._check_trigger(params)
        spec = self._check_view(params, expect="modal")
        stack = self._stacks.get(trigger.user, [])
        trigger.used = True
        view = self._push_view(spec, trigger.user, previous=stack[-1] if stack else None)
        return {"view": copy.deepcopy(view)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = _s(params, "view_id")
        external_id = _s(params, "external_id")
        if (view_id is None) == (external_id is None):
            raise _ApiError(
                "invalid_arguments",
                response_metadata={
                    "messages": ["[ERROR] exactly one of view_id or external_id is required"]
                },
            )
        if view_id is None:
            view_id = next(
                (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                None,
            )
        old = self._views.get(view_id or "")
        if view_id is None or old is None:
            raise _ApiError("not_found")
        expected = _s(params, "hash")
        if expected is not None and expected != old["hash"]:
            raise _ApiError("hash_conflict")
        spec = self._check_view({**params, "view_id": view_id}, expect=old["type"])
        view = self._make_view(
            spec, view_id=view_id, root=old["root_view_id"], previous=old["previous_view_id"]
        )
        view["state"] = old["state"]  # Slack keeps input the person typed across updates.
        self._views[view_id] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = _s(params, "user_id")
        if user is None:
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: user_id"]},
            )
        if user not in self._users:
            raise _ApiError("user_not_found")
        spec = self._check_view(params, expect="home")
        view_id = self._homes.get(user)
        expected = _s(params, "hash")
        if view_id and expected is not None and expected != self._views[view_id]["hash"]:
            raise _ApiError("hash_conflict")
        view_id = view_id or self._new_id("V")
        view = self._make_view(spec, view_id=view_id)
        self._views[view_id] = view
        self._view_users[view_id] = user
        self._homes[user] = view_id
        return {"view": copy.deepcopy(view)}

    # -- methods: auth and chat ----------------------------------------------------------

    def _api_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"args": params}

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.workspace_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _not_archived(self, channel_id: str) -> str:
        if self._channels[channel_id].get("is_archived"):
            raise _ApiError("is_archived")
        return channel_id

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._not_archived(self._channel(params))
        text, blocks = self._content(params)
        thread_ts = self._thread_ts(params)
        message = self._bot_message(text or "", blocks, params)
        if thread_ts and _flag(params, "reply_broadcast"):
            message["subtype"] = "thread_broadcast"
        self._store(channel_id, message, thread_ts)
        return {"channel": channel_id, "ts": message["ts"], "message": self._public(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._not_archived(self._channel(params))
        user = _s(params, "user")
        if user is None or user not in self._users:
            raise _ApiError("user_not_in_channel")
        text, blocks = self._content(params)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel_id,
                "user": user,
                "ts": ts,
                "text": text or "",
                "blocks": copy.deepcopy(blocks or []),
                "thread_ts": self._thread_ts(params),
            }
        )
        return {"message_ts": ts}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        message = self._find(channel_id, _s(params, "ts"))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _ApiError("cant_update_message")
        text, _ = self._content(params)
        # Slack keeps what is not sent again; an empty blocks list removes the blocks.
        if text is not None:
            message["text"] = text
        if isinstance(params.get("blocks"), list):
            if params["blocks"]:
                message["blocks"] = copy.deepcopy(params["blocks"])
            else:
                message.pop("blocks", None)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel_id,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public(message),
        }

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        message = self._find(channel_id, _s(params, "ts"))
        if message is None:
            raise _ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise _ApiError("cant_delete_message")
        self._messages[channel_id].remove(message)
        parent = self._find(channel_id, message.get("thread_ts"))
        if parent is not None and parent is not message:
            parent["reply_count"] = max(0, parent.get("reply_count", 1) - 1)
        return {"channel": channel_id, "ts": message["ts"]}

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        message = self._find(channel_id, _s(params, "message_ts"))
        if message is None:
            raise _ApiError("message_not_found")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{channel_id}/"
            f"p{message['ts'].replace('.', '')}"
        )
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return {"channel": channel_id, "permalink": link}

    # -- methods: reactions and conversations --------------------------------------------

    def _reaction_target(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        channel_id = self._channel(params)
        message = self._find(channel_id, _s(params, "timestamp"))
        if message is None:
            raise _ApiError("message_not_found")
        name = (_s(params, "name") or "").strip(":")
        if not name or " " in name:
            raise _ApiError("invalid_name")
        return message, name

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        if not self._react(message, self.bot_user_id, name):
            raise _ApiError("already_reacted")
        return {}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        if not self._unreact(message, self.bot_user_id, name):
            raise _ApiError("no_reaction")
        return {}

    @staticmethod
    def _window(messages: list[dict[str, Any]], params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Keep messages between ``oldest`` and ``latest`` (bounds only with ``inclusive``)."""
        inclusive = _flag(params, "inclusive")
        oldest, latest = _s(params, "oldest"), _s(params, "latest")
        out = []
        for m in messages:
            key = _ts_key(m["ts"])
            if oldest and (key < _ts_key(oldest) or (key == _ts_key(oldest) and not inclusive)):
                continue
            if latest and (key > _ts_key(latest) or (key == _ts_key(latest) and not inclusive)):
                continue
            out.append(m)
        return out

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        thread = self._thread_of(channel_id, _s(params, "ts") or "")
        if not thread:
            raise _ApiError("thread_not_found")
        page, next_cursor = _page(self._window(thread, params), params, default_limit=1000)
        return {
            "messages": [self._public(m) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        top = [
            m
            for m in self._messages[channel_id]
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]
        newest_first = list(reversed(self._window(top, params)))
        page, next_cursor = _page(newest_first, params, default_limit=100)
        return {
            "messages": [self._public(m) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": copy.deepcopy(self._channels[self._channel(params)])}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if _s(params, "channel"):
            channel_id = self._channel(params)
            return {"no_op": True, "already_open": True, "channel": {"id": channel_id}}
        users = [u.strip() for u in (_s(params, "users") or "").split(",") if u.strip()]
        if not users:
            raise _ApiError("users_list_not_supplied")
        unknown = [u for u in users if u not in self._users]
        if unknown:
            raise _ApiError("user_not_found")
        if len(users) == 1:
            existed = any(c["is_im"] and c.get("user") == users[0] for c in self._channels.values())
            channel_id = self.dm_channel(users[0])
        else:
            members = sorted({*users, self.bot_user_id})
            found = next(
                (c["id"] for c in self._channels.values() if c.get("members") == members), None
            )
            existed = found is not None
            channel_id = found or self._new_id("G")
            if not existed:
                self._channels[channel_id] = {
                    "id": channel_id,
                    "name": "mpdm-" + "--".join(self._users[u]["name"] for u in members) + "-1",
                    "is_channel": False,
                    "is_group": False,
                    "is_im": False,
                    "is_mpim": True,
                    "is_private": True,
                    "created": self._ts_epoch,
                    "is_archived": False,
                    "members": members,
                }
                self._messages[channel_id] = []
        channel = (
            copy.deepcopy(self._channels[channel_id])
            if _flag(params, "return_im")
            else {"id": channel_id}
        )
        reply: dict[str, Any] = {"channel": channel}
        if existed:
            reply.update(no_op=True, already_open=True)
        return reply

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(_s(params, "user") or "")
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}

    # -- methods: files ------------------------------------------------------------------

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = _s(params, "filename")
        try:
            length = int(_s(params, "length") or "-1")
        except ValueError:
            length = -1
        if filename is None or length < 0:
            missing = "filename" if filename is None else "length"
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {missing}"]},
            )
        file_id = self._new_id("F")
        self._files[file_id] = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": filename,
            "title": filename,
            "alt_txt": _s(params, "alt_txt"),
            "snippet_type": _s(params, "snippet_type"),
            "length": length,
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, raw: bytes, content_type: str) -> _Reply:
        with self._lock:
            entry = self._files.get(file_id)
            if entry is None:
                return _text_reply(404, "file_not_found")
            content = raw
            if content_type.lower().startswith("multipart/form-data"):
                parts = _parse_multipart(raw, content_type)
                content = next((v for v in parts.values() if isinstance(v, bytes)), b"")
            entry["content"] = content
        return _text_reply(200, f"OK - {len(content)}")

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise _ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: files"]},
            )
        entries = []
        for item in items:
            entry = self._files.get(item.get("id", "")) if isinstance(item, dict) else None
            if entry is None or entry["content"] is None:
                raise _ApiError("file_not_found")
            entries.append((entry, item))
        targets = [c.strip() for c in (_s(params, "channels") or "").split(",") if c.strip()]
        channel_id_param = _s(params, "channel_id")
        if channel_id_param:
            targets.insert(0, channel_id_param)
        channel_ids = []
        for target in targets:
            channel_id = self._resolve(target)
            if channel_id is None:
                raise _ApiError("channel_not_found")
            channel_ids.append(channel_id)
        thread_ts = self._thread_ts(params)
        if thread_ts and len(channel_ids) != 1:
            raise _ApiError("invalid_arguments")
        shared = []
        for entry, item in entries:
            content = entry["content"]
            entry.update(
                title=item.get("title") or entry["name"],
                mimetype=mimetypes.guess_type(entry["name"])[0] or "application/octet-stream",
                filetype=entry["name"].rpartition(".")[2] if "." in entry["name"] else "binary",
                user=self.bot_user_id,
                size=len(content),
                mode="hosted",
                is_external=False,
                is_public=any(self._channels[c]["is_channel"] for c in channel_ids),
                url_private=f"{self.base_url}/files/{entry['id']}/{quote(entry['name'])}",
                permalink=f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{entry['id']}/{quote(entry['name'])}",
                channels=[c for c in channel_ids if self._channels[c]["is_channel"]],
                groups=[
                    c
                    for c in channel_ids
                    if self._channels[c]["is_private"] and not self._channels[c]["is_im"]
                ],
                ims=[c for c in channel_ids if self._channels[c]["is_im"]],
            )
            entry["url_private_download"] = entry["url_private"]
            shared.append({k: v for k, v in entry.items() if k not in ("content", "length")})
        for channel_id in channel_ids:
            message = self._bot_message(_s(params, "initial_comment") or "", None, {})
            message.update(files=copy.deepcopy(shared), upload=True, display_as_bot=False)
            self._store(channel_id, message, thread_ts)
        return {"files": shared}

    def _download(self, path: str, headers: Any) -> _Reply:
        auth = headers.get("Authorization") or ""
        if auth != f"Bearer {self.token}":
            return _text_reply(403, "forbidden")
        with self._lock:
            entry = self._files.get(path.partition("/")[0])
            if entry is None or entry["content"] is None:
                return _text_reply(404, "file_not_found")
            return _Reply(
                200,
                entry["content"],
                content_type=entry.get("mimetype") or "application/octet-stream",
            )

    # -- response_url ---------------------------------------------------------------------

    def _respond(self, path: str, raw: bytes, content_type: str) -> _Reply:
        hook_id = path.rpartition("/")[2]
        url = f"{self.base_url}{path}"
        with self._lock:
            hook = self._hooks.get(hook_id)
            if hook is None:
                return _text_reply(404, "no_active_hooks")
            if len(hook.posts) >= _MAX_RESPONSE_URL_POSTS:
                return _text_reply(404, "used_url")
            try:
                if content_type.lower().startswith("application/json"):
                    payload = json.loads(raw.decode("utf-8"))
                else:
                    payload = json.loads(dict(parse_qsl(raw.decode("utf-8")))["payload"])
            except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
                return _text_reply(400, "invalid_payload")
            if not isinstance(payload, dict):
                return _text_reply(400, "invalid_payload")
            try:
                deleting = _flag(payload, "delete_original")
                text, blocks = self._content(payload, required=not deleting)
            except _ApiError as exc:
                return _text_reply(400, exc.code)
            hook.posts.append(payload)
            self._responses.append((url, copy.deepcopy(payload)))
            self._apply_response(hook, payload, text, blocks)
        return _text_reply(200, "ok")

    def _apply_response(
        self,
        hook: _Hook,
        payload: Mapping[str, Any],
        text: str | None,
        blocks: list[dict[str, Any]] | None,
    ) -> None:
        """Make a response_url post visible where Slack would show it."""
        original = self._find(hook.channel, hook.message_ts)
        if original is not None and hook.channel and _flag(payload, "delete_original"):
            self._messages[hook.channel].remove(original)
        elif original is not None and _flag(payload, "replace_original"):
            original["text"] = text or ""
            if blocks:
                original["blocks"] = copy.deepcopy(blocks)
            else:
                original.pop("blocks", None)
            original["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        elif hook.channel and payload.get("response_type") == "in_channel":
            message = self._bot_message(text or "", blocks, payload)
            self._store(hook.channel, message, _s(payload, "thread_ts"))
        elif hook.channel and hook.user:
            self._ephemerals.append(
                {
                    "channel": hook.channel,
                    "user": hook.user,
                    "ts": self._next_ts(),
                    "text": text or "",
                    "blocks": copy.deepcopy(blocks or []),
                    "thread_ts": _s(payload, "thread_ts"),
                }
            )
