"""A local Slack for the tests and the demo: the Web API, response_urls, files, and people.

``SlackEmulator`` answers the real ``slack_sdk.WebClient`` like Slack's Web API and keeps
the workspace's state (more workspaces, Enterprise Grid orgs and the OAuth v2 install that
gives each its token come from ``add_workspace`` and ``authorize``); ``Workspace`` plays its
people, sending the bot what Slack would.
Only the standard library is used, so the demo needs nothing beyond the bot's own deps.
"""

from .blocks import validate_message_blocks, validate_view
from .limits import SLACK_TIERS
from .people import (
    FORM,
    JSON,
    BotReply,
    Workspace,
    multi_static_select_value,
    plain_text_value,
    sign,
    signed_headers,
    static_select_value,
    users_select_value,
)
from .server import SlackEmulator
from .state import DEFAULT_CHANNELS, DEFAULT_SCOPES, DEFAULT_USERS
from .wire import Call

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_SCOPES",
    "DEFAULT_USERS",
    "FORM",
    "JSON",
    "SLACK_TIERS",
    "BotReply",
    "Call",
    "SlackEmulator",
    "Workspace",
    "multi_static_select_value",
    "plain_text_value",
    "sign",
    "signed_headers",
    "static_select_value",
    "users_select_value",
    "validate_message_blocks",
    "validate_view",
]
