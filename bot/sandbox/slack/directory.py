"""auth.test, users.info and conversations.info: who and where."""

from __future__ import annotations

import copy
from typing import Any

from .state import WorkspaceState
from .wire import ApiError, param

__all__ = ["DirectoryMethods"]


class DirectoryMethods(WorkspaceState):
    """The bot, people and channels as the read-only methods show them."""

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.workspace_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
        }

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": copy.deepcopy(self._channels[self._channel(params)])}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(param(params, "user") or "")
        if user is None:
            raise ApiError("user_not_found")
        return {"user": copy.deepcopy(user)}
