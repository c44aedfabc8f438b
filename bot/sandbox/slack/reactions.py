"""reactions.add and reactions.remove, and people reacting.

See https://docs.slack.dev/reference/methods/reactions.add.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .state import WorkspaceState
from .wire import ApiError, param

__all__ = ["ReactionMethods"]


class ReactionMethods(WorkspaceState):
    """Reactions on messages, by the bot or by people."""

    def add_reaction_as_user(
        self, user: str, channel: str, ts: str, name: str = "+1"
    ) -> dict[str, Any]:
        """Store ``user``'s reaction; return the ``reaction_added`` event Slack would send."""
        return self._person_reacts(user, channel, ts, name, added=True)

    def remove_reaction_as_user(
        self, user: str, channel: str, ts: str, name: str = "+1"
    ) -> dict[str, Any]:
        """Remove ``user``'s reaction; return the ``reaction_removed`` event Slack would send."""
        return self._person_reacts(user, channel, ts, name, added=False)

    def _person_reacts(
        self, user: str, channel: str, ts: str, name: str, *, added: bool
    ) -> dict[str, Any]:
        with self._lock:
            channel_id = self._channel_or_raise(channel)
            message = self._find(channel_id, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel_id}")
            if added and not self._react(message, user, name):
                raise ValueError(f"{user} already reacted with :{name}:")
            if not added and not self._unreact(message, user, name):
                raise ValueError(f"{user} has no :{name}: reaction there")
            kind = "reaction_added" if added else "reaction_removed"
            return self._reaction_event(kind, user, channel_id, message, name)

    # -- helpers ---------------------------------------------------------------------------

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

    def _reaction_target(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        channel_id = self._channel(params)
        message = self._find(channel_id, param(params, "timestamp"))
        if message is None:
            raise ApiError("message_not_found")
        name = (param(params, "name") or "").strip(":")
        if not name or " " in name:
            raise ApiError("invalid_name")
        return message, name

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        if not self._react(message, self.bot_user_id, name):
            raise ApiError("already_reacted")
        return {}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        if not self._unreact(message, self.bot_user_id, name):
            raise ApiError("no_reaction")
        return {}
