"""Helpers for the Slack tests: constants, the running `Bot`, and small utilities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.config import AppConfig
from bot.sandbox.slack import SlackEmulator, Workspace, plain_text_value, static_select_value
from bot.services import Services
from bot.slack.ids import Block
from bot.slack.runtime import Runtime
from prioritize.models import Idea
from storage.store import Store

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
SECRET = "test-signing-secret"
TEAM = "T0001"
CHANNEL = "C0ROADMAP"
ADMIN = "U0ADA"
"""A workspace owner in the emulator (users.info says so), not named in config."""
BOSS = "U0BOSS"
"""An admin named in config."""
PEOPLE = ("U0BEN", "U0CHLOE", "U0DAN", "U0EVE")


@dataclass
class Bot:
    """A running journeybot and the workspace around it."""

    slack: SlackEmulator
    people: Workspace
    services: Services
    store: Store
    runtime: Runtime
    url: str
    """The events URL over HTTP; empty over Socket Mode."""
    config: AppConfig

    def people_of(self, workspace_id: str) -> Workspace:
        """People of another workspace reaching this bot the same way (HTTP or socket)."""
        if self.people.socket_mode:
            return Workspace.over_socket_mode(self.slack, workspace_id=workspace_id)
        return Workspace(self.slack, self.url, SECRET, workspace_id=workspace_id)

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for everything the bot does after its acks (including card updates)."""
        assert self.runtime.drain(timeout), "after-the-ack work did not finish"

    def click_confirmation(
        self, reporter: str, user: str, action_id: str, value: str, *, channel: str = CHANNEL
    ) -> Any:
        """Click a control of `reporter`'s latest /pain confirmation as `user`; wait for it."""
        confirmation = self.slack.ephemerals(reporter)[-1]
        reply = self.people.block_action(
            user, action_id, value, channel=channel, message_ts=confirmation["ts"]
        )
        self.settle()
        return reply

    def slash(self, user: str, command: str, text: str = "", **kwargs: Any) -> Any:
        reply = self.people.slash(user, command, text, **kwargs)
        assert reply.status == 200, reply
        self.settle()
        return reply

    def propose(
        self,
        user: str = "U0BEN",
        title: str = "Guided onboarding checklist",
        *,
        pain_ids: tuple[int, ...] = (),
        impact: int | None = None,
        complexity: int | None = None,
        weeks: str | None = None,
        description: str = "",
    ) -> Idea:
        """Submit the idea modal as `user`; return the stored idea once its card is posted."""
        values: dict[str, Any] = {
            "title": {"title": plain_text_value(title)},
            "description": {"description": plain_text_value(description or None)},
            "pain_point_ids": {
                "pain_search": {
                    "type": "multi_external_select",
                    "selected_options": [
                        {"text": {"type": "plain_text", "text": f"#{p}"}, "value": str(p)}
                        for p in pain_ids
                    ],
                }
            },
            "weeks": {"weeks": plain_text_value(weeks)},
        }
        for name, rating in (("impact", impact), ("complexity", complexity)):
            if rating is not None:
                values[name] = {name: static_select_value(str(rating))}
        reply = self.people.view_submission(user, "idea_modal", values)
        assert reply.status == 200 and not reply.body.strip(), reply
        self.settle()
        idea = self.store.ideas.all(TEAM, proposer=user)[-1]
        assert idea.card_ts, "the idea's card was not posted"
        return idea

    def card(self, idea: Idea) -> dict[str, Any]:
        """Return the idea's card as the emulator holds it now."""
        message = self.slack.message(idea.card_channel or CHANNEL, idea.card_ts or "")
        assert message is not None
        return message

    def text_of(self, message: dict[str, Any]) -> str:
        """Return all the text of a message or view's blocks, for `in` assertions."""
        return _all_text(message.get("blocks") or []) + "\n" + (message.get("text") or "")


def _all_text(node: Any) -> str:
    """Return every string under a "text" key, joined by newlines."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return "\n".join(found)


BotFactory = Callable[..., Bot]
"""The `make_bot` fixture: make_bot(journey=..., **slack_config) starts a bot."""


def pain_values(
    text: str | None, *, severity: str = "4", **extra: dict[str, Any]
) -> dict[str, Any]:
    """Return the state of a filled-in pain point form (`extra` replaces whole blocks)."""
    values: dict[str, Any] = {
        Block.TEXT: {Block.TEXT: plain_text_value(text)},
        Block.STAGE: {Block.STAGE: static_select_value("Onboarding")},
        Block.SEVERITY: {Block.SEVERITY: static_select_value(severity)},
        Block.SOURCE: {Block.SOURCE: static_select_value("customer said")},
        Block.LINK: {Block.LINK: {"type": "url_text_input", "value": None}},
    }
    values.update(extra)
    return values


def manifest_scopes() -> list[str]:
    return list(MANIFEST["oauth_config"]["scopes"]["bot"])
