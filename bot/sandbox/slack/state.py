"""The state of an emulated workspace and the accessors tests read it through."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .blocks import validate_message_blocks
from .socket_mode import SocketModeHub
from .wire import TS_RE, ApiError, Call, param, tz_offset

__all__ = ["DEFAULT_CHANNELS", "DEFAULT_SCOPES", "DEFAULT_USERS", "WorkspaceState"]

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "U0ADA": {"name": "ada", "real_name": "Ada Park", "is_admin": True, "is_owner": True},
    "U0BEN": {"name": "ben", "real_name": "Ben Okafor", "tz": "America/New_York"},
    "U0CHLOE": {"name": "chloe", "real_name": "Chloé Martin"},
}
"""People in the emulated workspace unless ``users=`` is given: id -> partial user fields."""

DEFAULT_CHANNELS: dict[str, str] = {"C0ROADMAP": "roadmap", "C0GENERAL": "general"}
"""Public channels unless ``channels=`` is given: id -> name."""

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

MAX_MESSAGE_TEXT = 40_000


@dataclass
class Trigger:
    """A trigger_id: whose, until when, and whether a view was opened with it."""

    user: str | None
    expires_at: float
    used: bool = False


@dataclass
class Hook:
    """A response_url: where its posts land and the posts it took."""

    channel: str | None
    user: str | None
    message_ts: str | None
    posts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Failure:
    """Answers queued by ``fail_next`` for one method."""

    status: int
    error: str
    retry_after: int | None
    remaining: int


class WorkspaceState:
    """The workspace Slack keeps: people, channels, messages, views, files and the calls."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "xoxb-test",
        app_token: str = "xapp-1-A0001-1-test",
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
        self.app_token = app_token
        """The app-level token that may open Socket Mode links (``apps.connections.open``)."""
        self.app_token_revoked = False
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
        self.enterprise_id: str | None = None
        """The Enterprise Grid org of this workspace, if any (see ``add_workspace``)."""
        self.message_ts_counter = 0
        """How many ts were issued; each new ts is ``ts_epoch`` plus 100µs per issue."""
        self._ts_epoch = ts_epoch
        self._lock = threading.RLock()
        self.socket_mode = SocketModeHub(app_id=app_id)
        """Slack's side of Socket Mode: deliver envelopes, ask for reconnects, drop links."""
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
        self._triggers: dict[str, Trigger] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._hooks: dict[str, Hook] = {}
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._response_calls: list[Call] = []
        self._failures: dict[str, deque[Failure]] = {}
        self._recent: dict[str, deque[float]] = {}
        self.add_user(bot_user_id, name=bot_name, real_name=bot_name, is_bot=True)
        for user_id, fields in (DEFAULT_USERS if users is None else users).items():
            self.add_user(user_id, **fields)
        for channel_id, name in (DEFAULT_CHANNELS if channels is None else channels).items():
            self.add_channel(channel_id, name)

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
            "tz_offset": tz_offset(tz),
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

    def _not_archived(self, channel_id: str) -> str:
        if self._channels.get(channel_id, {}).get("is_archived"):
            raise ApiError("is_archived")
        return channel_id

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

    # -- recorded calls ------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every Web API call received, oldest first (failed ones included)."""
        with self._lock:
            return list(self._calls)

    def record_answer(self, user: str, channel: str, payload: Mapping[str, Any]) -> None:
        """Note an answer a slash command's ack carried (Slack shows it as if posted to
        its response_url), for ``response_calls``."""
        with self._lock:
            self._response_calls.append(
                Call(
                    "response_url",
                    {**copy.deepcopy(dict(payload)), "user": user, "channel": channel},
                    time.time(),
                )
            )

    @property
    def response_calls(self) -> list[Call]:
        """Every accepted post to a response_url, oldest first, as a ``response_url`` call
        whose params are the payload plus the ``user`` and ``channel`` it answered."""
        with self._lock:
            return list(self._response_calls)

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

    def shown(self) -> str:
        """Everything this workspace's people can see from the bot, as one JSON text:
        messages in every channel and DM, ephemerals, views, response_url posts, files."""
        with self._lock:
            seen = {
                "messages": self._messages,
                "ephemerals": self._ephemerals,
                "views": self._views,
                "responses": self._responses,
                "answers": [c.params for c in self._response_calls],
                "files": [
                    {k: v for k, v in f.items() if k != "content"} for f in self._files.values()
                ],
            }
            return json.dumps(seen, ensure_ascii=False, default=str)

    def find_ephemeral(self, ts: str) -> dict[str, Any] | None:
        """The ephemeral message posted with ``message_ts`` ``ts``, or None."""
        with self._lock:
            found = next((e for e in self._ephemerals if e["ts"] == ts), None)
            return copy.deepcopy(found) if found else None

    # -- ids, channels, storage ----------------------------------------------------------

    def _holds(self, params: Mapping[str, Any]) -> bool:
        """Whether a call's channel, person, view or trigger is in this workspace."""
        with self._lock:
            for key in ("channel", "user", "user_id", "users"):
                value = param(params, key)
                if value and (value in self._channels or value in self._users):
                    return True
            return bool(
                param(params, "view_id") in self._views
                or param(params, "trigger_id") in self._triggers
            )

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
        channel_id = self._resolve(param(params, key))
        if channel_id is None:
            raise ApiError("channel_not_found")
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
        text = param(params, "text")
        blocks = params.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        if required and not text and not blocks and not params.get("attachments"):
            raise ApiError("no_text")
        if text and len(text) > MAX_MESSAGE_TEXT:
            raise ApiError("msg_too_long")
        if blocks:
            problems = validate_message_blocks(blocks)
            if problems:
                raise ApiError(
                    "invalid_blocks",
                    errors=[p.removeprefix("[ERROR] ") for p in problems],
                    response_metadata={"messages": problems},
                )
        return text, blocks or None

    def _thread_ts(self, params: Mapping[str, Any]) -> str | None:
        thread_ts = param(params, "thread_ts")
        if thread_ts is not None and not TS_RE.match(thread_ts):
            raise ApiError(
                "invalid_thread_ts",
                response_metadata={"messages": [f"[ERROR] {thread_ts} is not a valid thread_ts"]},
            )
        return thread_ts

    @staticmethod
    def _public(message: Mapping[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(message))
