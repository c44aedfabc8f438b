"""Every Slack identifier journeybot uses, defined once.

The block builders put these ids into payloads, the listeners register on them, and
`tests/slack/test_manifest.py` checks them against `manifest.yml` and the README.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "COMMANDS",
    "EVENTS",
    "MESSAGE_SHORTCUTS",
    "UNINSTALL_EVENTS",
    "Action",
    "Block",
    "Command",
    "Event",
    "Shortcut",
    "View",
]


class Command(StrEnum):
    """Slash commands (manifest `features.slash_commands`)."""

    PAIN = "/pain"
    IDEA = "/idea"
    ROADMAP = "/roadmap"
    JOURNEY = "/journey"


class Shortcut(StrEnum):
    """Message shortcuts (manifest `features.shortcuts`, type `message`)."""

    LOG_PAIN = "log_pain_point"


class View(StrEnum):
    """Modal callback_ids."""

    PAIN = "pain_modal"
    PAIN_EDIT = "pain_edit_modal"
    IDEA = "idea_modal"
    ESTIMATE = "estimate_modal"
    ADMIN = "admin_modal"
    WHY = "why_modal"
    IDEA_EDIT = "idea_edit_modal"
    PAIN_SEARCH = "pain_search_modal"
    WORKSPACE_SETTINGS = "workspace_settings_modal"


class Action(StrEnum):
    """action_ids of interactive elements in messages, modals and the App Home."""

    # the /pain confirmation
    PAIN_STAGE = "pain_stage"
    PAIN_TOUCHPOINT = "pain_touchpoint"
    PAIN_PERSONA = "pain_persona"
    PAIN_SEVERITY = "pain_severity"
    PAIN_DETAILS = "pain_details"
    PAIN_ME_TOO = "pain_me_too"
    PAIN_SAID = "pain_source_said"
    PAIN_OBSERVED = "pain_source_observed"
    PAIN_INTERNAL = "pain_source_internal"
    # the idea card
    IDEA_SUPPORT = "idea_support"
    IDEA_ESTIMATE = "idea_estimate"
    IDEA_WHY = "idea_why"
    IDEA_ADMIN = "idea_admin"
    # the "Is this better now?" DM about a Done idea
    SURVEY_YES = "survey_yes"
    SURVEY_NOT_YET = "survey_not_yet"
    SURVEY_WORSE = "survey_worse"
    # App Home
    HOME_TEAM = "home_team"
    HOME_NOTIFY = "home_notify"
    HOME_CHANNEL = "home_channel"
    HOME_REPOST = "home_repost"
    HOME_WORKSPACE = "home_workspace_settings"
    # link buttons: Slack still sends a block_actions payload, which must be acked
    OPEN_LINK = "open_link"
    # editing, triage and finding again (App Home, card overflow, /pain list and search)
    PAIN_TRIAGE = "pain_triage"
    IDEA_EDIT = "idea_edit"
    PAIN_PLUS_ONE = "pain_plus_one"
    PAIN_PROPOSE = "pain_propose"
    PAIN_PAGE = "pain_page"
    HOME_SEARCH = "home_search"
    IDEA_TITLE = "idea_title"
    # external selects inside modals (other modal inputs use their Block id as action_id)
    PAIN_SEARCH = "pain_search"
    IDEA_SEARCH = "idea_search"


class Block(StrEnum):
    """block_ids of modal inputs (validation errors are keyed by these) and message blocks."""

    TEXT = "text"
    STAGE = "stage"
    TOUCHPOINT = "touchpoint"
    PERSONA = "persona"
    SEVERITY = "severity"
    SOURCE = "source"
    LINK = "link"
    OWNING_TEAM = "owning_team"
    TITLE = "title"
    DESCRIPTION = "description"
    PAIN_POINTS = "pain_point_ids"
    IMPACT = "impact"
    COMPLEXITY = "complexity"
    WEEKS = "weeks"
    STATUS = "status"
    BUCKET = "bucket"
    MERGE_INTO = "merge_into"
    PAIN_DETAILS = "pain_details"
    PAIN_SOURCE = "pain_source"
    SURVEY = "survey"
    CARD_ACTIONS = "card_actions"
    HOME_SETTINGS = "home_settings"
    SEARCH = "search"
    SIMILAR_IDEAS = "similar_ideas"
    # the workspace settings modals (App Home, admins only)
    ADMINS = "admins"
    STAGES = "stages"
    TEAMS = "teams"
    TOUCHPOINTS = "touchpoints"
    PERSONAS = "personas"
    WEIGHT_IMPACT = "weights.impact"
    WEIGHT_REACH = "weights.reach"
    WEIGHT_EASE = "weights.ease"
    WEIGHT_SPEED = "weights.speed"
    CAPACITY_NOW = "capacity.now"
    CAPACITY_NEXT = "capacity.next"
    CRON = "cron"
    TIMEZONE = "timezone"
    NOTION_TOKEN = "notion_token"
    NOTION_PAGE = "notion_parent_page_id"


class Event(StrEnum):
    """Events API event types the bot listens to (Bolt's `app.event` names)."""

    APP_HOME_OPENED = "app_home_opened"
    MESSAGE = "message"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


COMMANDS: tuple[str, ...] = tuple(c.value for c in Command)
MESSAGE_SHORTCUTS: tuple[str, ...] = tuple(s.value for s in Shortcut)
EVENTS: dict[str, str] = {
    # manifest bot event -> the event type Bolt dispatches on
    "app_home_opened": Event.APP_HOME_OPENED,
    "message.channels": Event.MESSAGE,
    "message.groups": Event.MESSAGE,
    "reaction_added": Event.REACTION_ADDED,
    "reaction_removed": Event.REACTION_REMOVED,
}
"""Manifest event subscriptions; thread replies come as `message.*` from public and private
channels, which is why both history scopes are in the manifest."""

UNINSTALL_EVENTS: tuple[str, ...] = ("app_uninstalled", "tokens_revoked")
"""Manifest event subscriptions Bolt itself listens to once installed through Slack's install
flow (`enable_token_revocation_listeners`): the workspace's tokens are deleted at once."""
