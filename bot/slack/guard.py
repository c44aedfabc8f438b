"""Only the workspace the bot is installed in: requests from any other are refused before
any listener runs, logged with their team id, and nothing is stored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from .ids import UNINSTALL_EVENTS

__all__ = ["Installation", "installation_of", "only_installed", "only_installed_workspace"]


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Installation:
    """Where the bot token belongs, as `auth.test` says."""

    team_id: str
    enterprise_id: str | None = None
    org_wide: bool = False
    """An org-wide install on Enterprise Grid serves every workspace of the org."""

    def covers(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a request from (team_id, enterprise_id) is for this installation."""
        if self.org_wide:
            return enterprise_id is not None and enterprise_id == self.enterprise_id
        return team_id == self.team_id


def installation_of(client: WebClient) -> Installation:
    """Ask Slack (`auth.test`) where the bot token belongs; raises SlackApiError."""
    response = client.auth_test()
    return Installation(
        team_id=str(response.get("team_id") or ""),
        enterprise_id=response.get("enterprise_id") or None,
        org_wide=bool(response.get("is_enterprise_install")),
    )


def only_installed_workspace(
    installation: Installation,
) -> Callable[[BoltRequest, BoltContext, Callable[[], Any]], BoltResponse | None]:
    """Return a Bolt middleware that refuses requests from other workspaces."""

    def guard(req: BoltRequest, context: BoltContext, next: Callable[[], Any]) -> Any:
        team_id, enterprise_id = context.team_id, context.enterprise_id
        # (Bolt answers url_verification and ssl_check before any middleware runs.)
        if installation.covers(team_id, enterprise_id):
            return next()
        log.warning(
            "refused a request from workspace %s (enterprise %s): journeybot is installed in %s",
            team_id,
            enterprise_id,
            installation.team_id,
        )
        return BoltResponse(status=403, body="journeybot is not installed in this workspace")

    return guard


def only_installed(
    covers: Callable[[str | None, str | None, bool], bool],
) -> Callable[[BoltRequest, BoltContext, Callable[[], Any]], BoltResponse | None]:
    """Return a Bolt middleware, run before authorize, refusing workspaces not installed.

    Installed in many workspaces, `covers(team_id, enterprise_id, is_enterprise_install)`
    asks the installation store. A refused request gets 403 and one log line naming its
    workspace; no listener runs and nothing is stored, whatever ids it carries: a request
    naming a workspace that installed journeybot by itself is served with that
    installation or not at all, never with an org's token.
    """

    def guard(req: BoltRequest, context: BoltContext, next: Callable[[], Any]) -> Any:
        body = req.body if isinstance(req.body, dict) else {}
        event = body.get("event")
        if body.get("type") == "url_verification" or (
            isinstance(event, dict) and event.get("type") in UNINSTALL_EVENTS
        ):
            # Slack checking the URL belongs to no workspace; a workspace leaving is
            # served once more so its tokens are deleted.
            return next()
        team_id, enterprise_id = context.team_id, context.enterprise_id
        org_wide = bool(context.is_enterprise_install)
        if (team_id or enterprise_id) and covers(team_id, enterprise_id, org_wide):
            return next()
        log.warning(
            "refused a request from workspace %s (enterprise %s): journeybot is not installed"
            " there (install it from /slack/install)",
            team_id,
            enterprise_id,
        )
        return BoltResponse(status=403, body="journeybot is not installed in this workspace")

    return guard
