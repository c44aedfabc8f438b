"""views.open, views.update, views.publish, trigger_ids and the modal stack.

See https://docs.slack.dev/surfaces/modals and https://docs.slack.dev/reference/views.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from .blocks import validate_view
from .state import Trigger, WorkspaceState
from .wire import ApiError, param

__all__ = ["ViewMethods"]

_MAX_VIEW_BYTES = 250_000
_MAX_MODAL_STACK = 3


class ViewMethods(WorkspaceState):
    """Modals and App Home views, and what a view_submission ack does to them."""

    def issue_trigger_id(self, user: str | None = None, *, ttl: float = 3.0) -> str:
        """Return a trigger_id for ``user``, usable once within ``ttl`` seconds as on Slack."""
        with self._lock:
            self._ids += 1
            trigger_id = f"{self._ids}.{int(time.time() * 1000)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = Trigger(user, time.monotonic() + ttl)
            return trigger_id

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

    def _check_view(
        self, params: Mapping[str, Any], *, expect: str | None = None
    ) -> dict[str, Any]:
        spec = params.get("view")
        if spec is None:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: view"]},
            )
        if not isinstance(spec, dict):
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view must be a JSON object"]},
            )
        if len(json.dumps(spec)) > _MAX_VIEW_BYTES:
            raise ApiError("view_too_large")
        problems = validate_view(spec, expect=expect)
        if problems:
            raise ApiError("invalid_arguments", response_metadata={"messages": problems})
        external_id = spec.get("external_id")
        if external_id:
            owner = next(
                (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                None,
            )
            if owner is not None and owner != param(params, "view_id"):
                raise ApiError("duplicate_external_id")
        return spec

    def _check_trigger(self, params: Mapping[str, Any]) -> Trigger:
        trigger_id = param(params, "trigger_id") or param(params, "interactivity_pointer")
        trigger = self._triggers.get(trigger_id or "")
        if trigger_id is None or trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() > trigger.expires_at:
            raise ApiError("expired_trigger_id")
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
            raise ApiError("push_limit_reached")
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

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = param(params, "view_id")
        external_id = param(params, "external_id")
        if (view_id is None) == (external_id is None):
            raise ApiError(
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
            raise ApiError("not_found")
        expected = param(params, "hash")
        if expected is not None and expected != old["hash"]:
            raise ApiError("hash_conflict")
        spec = self._check_view({**params, "view_id": view_id}, expect=old["type"])
        view = self._make_view(
            spec, view_id=view_id, root=old["root_view_id"], previous=old["previous_view_id"]
        )
        view["state"] = old["state"]  # Slack keeps input the person typed across updates.
        self._views[view_id] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = param(params, "user_id")
        if user is None:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: user_id"]},
            )
        if user not in self._users:
            raise ApiError("user_not_found")
        spec = self._check_view(params, expect="home")
        view_id = self._homes.get(user)
        expected = param(params, "hash")
        if view_id and expected is not None and expected != self._views[view_id]["hash"]:
            raise ApiError("hash_conflict")
        view_id = view_id or self._new_id("V")
        view = self._make_view(spec, view_id=view_id)
        self._views[view_id] = view
        self._view_users[view_id] = user
        self._homes[user] = view_id
        return {"view": copy.deepcopy(view)}
