"""chat.* methods, messages people type, and response_url posts.

See https://docs.slack.dev/reference/methods/chat.postMessage and
https://docs.slack.dev/interactivity/handling-user-interaction#message_responses.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from .state import Hook, WorkspaceState
from .wire import ApiError, Call, Reply, flag, param, rich_text, text_reply

__all__ = ["ChatMethods"]

_MAX_RESPONSE_URL_POSTS = 5


class ChatMethods(WorkspaceState):
    """Messages: the bot's chat.* calls, people's messages, response_url posts."""

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
            self._hooks[hook_id] = Hook(channel, user, message_ts)
            return f"{self.base_url}/actions/{self.workspace_id}/{hook_id}"

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
                "blocks": copy.deepcopy(blocks) if blocks is not None else rich_text(text),
            }
            self._store(channel_id, message, thread_ts)
            event = copy.deepcopy(message)
            event.update(
                channel=channel_id,
                event_ts=message["ts"],
                channel_type=self._channel_type(channel_id),
            )
            return event

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._not_archived(self._channel(params))
        text, blocks = self._content(params)
        thread_ts = self._thread_ts(params)
        message = self._bot_message(text or "", blocks, params)
        if thread_ts and flag(params, "reply_broadcast"):
            message["subtype"] = "thread_broadcast"
        self._store(channel_id, message, thread_ts)
        return {"channel": channel_id, "ts": message["ts"], "message": self._public(message)}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._not_archived(self._channel(params))
        user = param(params, "user")
        if user is None or user not in self._users:
            raise ApiError("user_not_in_channel")
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
        message = self._find(channel_id, param(params, "ts"))
        if message is None:
            raise ApiError("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise ApiError("cant_update_message")
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

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel(params)
        message = self._find(channel_id, param(params, "message_ts"))
        if message is None:
            raise ApiError("message_not_found")
        link = (
            f"https://{self.team_domain}.slack.com/archives/{channel_id}/"
            f"p{message['ts'].replace('.', '')}"
        )
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return {"channel": channel_id, "permalink": link}

    # -- response_url ---------------------------------------------------------------------

    def _respond(self, path: str, raw: bytes, content_type: str) -> Reply:
        hook_id = path.rpartition("/")[2]
        url = f"{self.base_url}{path}"
        with self._lock:
            hook = self._hooks.get(hook_id)
            if hook is None:
                return text_reply(404, "no_active_hooks")
            if len(hook.posts) >= _MAX_RESPONSE_URL_POSTS:
                return text_reply(404, "used_url")
            try:
                if content_type.lower().startswith("application/json"):
                    payload = json.loads(raw.decode("utf-8"))
                else:
                    payload = json.loads(dict(parse_qsl(raw.decode("utf-8")))["payload"])
            except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
                return text_reply(400, "invalid_payload")
            if not isinstance(payload, dict):
                return text_reply(400, "invalid_payload")
            try:
                deleting = flag(payload, "delete_original")
                text, blocks = self._content(payload, required=not deleting)
            except ApiError as exc:
                return text_reply(400, exc.code)
            hook.posts.append(payload)
            self._responses.append((url, copy.deepcopy(payload)))
            self._response_calls.append(
                Call(
                    "response_url",
                    {**copy.deepcopy(payload), "user": hook.user, "channel": hook.channel},
                    time.time(),
                )
            )
            self._apply_response(hook, payload, text, blocks)
        return text_reply(200, "ok")

    def _apply_response(
        self,
        hook: Hook,
        payload: Mapping[str, Any],
        text: str | None,
        blocks: list[dict[str, Any]] | None,
    ) -> None:
        """Make a response_url post visible where Slack would show it."""
        original = self._find(hook.channel, hook.message_ts)
        if original is not None and hook.channel and flag(payload, "delete_original"):
            self._messages[hook.channel].remove(original)
        elif original is not None and flag(payload, "replace_original"):
            original["text"] = text or ""
            if blocks:
                original["blocks"] = copy.deepcopy(blocks)
            else:
                original.pop("blocks", None)
            original["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        elif hook.channel and payload.get("response_type") == "in_channel":
            message = self._bot_message(text or "", blocks, payload)
            self._store(hook.channel, message, param(payload, "thread_ts"))
        elif hook.channel and hook.user:
            self._ephemerals.append(
                {
                    "channel": hook.channel,
                    "user": hook.user,
                    "ts": self._next_ts(),
                    "text": text or "",
                    "blocks": copy.deepcopy(blocks or []),
                    "thread_ts": param(payload, "thread_ts"),
                }
            )
