"""manifest.yml: valid for Slack, and in step with ids.py, the listeners and the README."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
from slack_bolt import App
from slack_helpers import MANIFEST, ROOT, SECRET, Bot

from bot.slack.app import SURFACES
from bot.slack.ids import (
    COMMANDS,
    EVENTS,
    MESSAGE_SHORTCUTS,
    UNINSTALL_EVENTS,
    Action,
    Event,
    View,
)
from bot.slack.install import REDIRECT_PATH

SCHEMA = json.loads((ROOT / "tests/data/slack-manifest.schema.json").read_text(encoding="utf-8"))

# Each scope and what needs it. A scope not listed here is one the code does not use.
NEEDED_SCOPES = {
    "commands": "the slash commands and the message shortcut",
    "chat:write": "idea cards, chat.update, ephemerals, thread replies and DMs",
    "channels:history": "message.channels: votes in card threads in public channels",
    "groups:history": "message.groups: votes in card threads in private channels",
    "reactions:read": "reaction_added / reaction_removed on idea cards",
    "reactions:write": "reactions.add acknowledging a thread vote",
    "users:read": "users.info: is this person a workspace admin or owner?",
    "files:write": "the weekly digest's impact-versus-effort chart (files.uploadV2)",
    "channels:read": "conversations.info: doctor checks a public roadmap channel",
    "groups:read": "conversations.info: doctor checks a private roadmap channel",
}


LISTENER_KINDS = ("command", "shortcut", "event", "action", "view", "options")
"""The App methods a listener registers on, each noted by RecordingApp."""


class RecordingApp(App):
    """A real Bolt App that also notes what each listener registers on."""

    def __init__(self) -> None:
        super().__init__(
            signing_secret=SECRET, token="xoxb-unused", token_verification_enabled=False
        )
        self.seen: dict[str, set[str]] = {k: set() for k in LISTENER_KINDS}


def _recording(kind: str) -> Any:
    """Return App's `kind` method that first notes the constraints it registers on."""

    def register(self: RecordingApp, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen[kind].add(str(constraints))
        return getattr(App, kind)(self, constraints, *args, **kwargs)

    return register


for _kind in LISTENER_KINDS:
    setattr(RecordingApp, _kind, _recording(_kind))


def registered() -> dict[str, set[str]]:
    app = RecordingApp()
    for surface in SURFACES:
        # Registration only closes over deps; no listener runs here.
        surface.register(app, None)  # type: ignore[arg-type]
    return app.seen


def readme_commands() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Slack commands", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(/[a-z]+)", section, re.MULTILINE))


def test_manifest_validates_against_slacks_schema() -> None:
    jsonschema.validate(MANIFEST, SCHEMA)


def test_commands_agree_across_manifest_ids_listeners_and_readme() -> None:
    manifest = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert manifest == set(COMMANDS) == registered()["command"] == readme_commands()
    assert manifest == {"/pain", "/idea", "/roadmap", "/journey"}


def test_shortcuts_agree_across_manifest_ids_and_listeners() -> None:
    shortcuts = MANIFEST["features"]["shortcuts"]
    assert {s["callback_id"] for s in shortcuts} == set(MESSAGE_SHORTCUTS)
    assert set(MESSAGE_SHORTCUTS) == registered()["shortcut"]
    assert {s["type"] for s in shortcuts} == {"message"}


def test_event_subscriptions_agree_with_ids_and_listeners() -> None:
    bot_events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert set(bot_events) == set(EVENTS) | set(UNINSTALL_EVENTS)
    assert set(EVENTS.values()) == registered()["event"] == {e.value for e in Event}


def test_every_action_and_view_id_has_a_listener() -> None:
    seen = registered()
    assert seen["view"] == {v.value for v in View if v is not View.WHY}
    assert seen["action"] | seen["options"] == {a.value for a in Action}
    assert seen["options"] == {Action.PAIN_SEARCH, Action.IDEA_SEARCH}


def test_manifest_asks_for_exactly_the_scopes_the_code_needs() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(NEEDED_SCOPES)
    assert "user" not in MANIFEST["oauth_config"]["scopes"]


def test_manifest_enables_the_home_tab_and_options_loading_the_code_uses() -> None:
    features = MANIFEST["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True  # where status DMs land
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["message_menu_options_url"].endswith("/slack/events")


def test_every_manifest_command_and_shortcut_is_answered_over_http(bot: Bot) -> None:
    for command in MANIFEST["features"]["slash_commands"]:
        assert bot.people.slash("U0BEN", command["command"], "help").status == 200
    message = bot.slack.post_as_user("U0BEN", "C0ROADMAP", "a customer said this")
    reply = bot.people.message_shortcut(
        "U0BEN", "log_pain_point", channel="C0ROADMAP", message_ts=message["ts"]
    )
    assert reply.status == 200
    # Something the manifest does not declare is not handled.
    assert bot.people.slash("U0BEN", "/unknown").status == 404
    bot.settle()


def test_the_manifest_names_the_install_redirect_the_bot_serves() -> None:
    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH)
    events_url = MANIFEST["settings"]["event_subscriptions"]["request_url"]
    assert redirect.rpartition("/slack/")[0] == events_url.rpartition("/slack/")[0]
