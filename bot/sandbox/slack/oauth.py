"""Several workspaces (and Enterprise Grid orgs) in one emulator, and Slack's OAuth v2 install.

The emulator started by the tests is one workspace (``T0001``); ``add_workspace`` adds
others, each with its own people, channels, messages and views, answering on the same
server. A workspace's bot token comes from installing the app: ``authorize`` plays the
person who clicks "Allow" on Slack's authorize page and returns where Slack sends their
browser next (the app's redirect URL with a ``code``), and ``oauth.v2.access`` trades the
code for a bot token::

    acme = slack.add_workspace("T0ACME", name="Acme", users={"U0ACE": {"name": "ace"}})
    location = slack.authorize(install_url, team_id="T0ACME", user="U0ACE")

On Enterprise Grid an org-wide install (``org_wide=True``) gives one token that acts in
every workspace of the org; each call is served by the workspace that holds the channel,
person, view or trigger it names.

Shapes follow https://docs.slack.dev/reference/methods/oauth.v2.access and
https://docs.slack.dev/authentication/installing-with-oauth.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .wire import ApiError, Reply, param, text_reply

if TYPE_CHECKING:
    from .server import SlackEmulator

__all__ = ["AUTHORIZE_PATH", "CODE_TTL", "Grant", "OAuthMethods"]

AUTHORIZE_PATH = "/oauth/v2/authorize"
"""Slack's authorize page, where the "Add to Slack" button sends a person."""

CODE_TTL = 600.0
"""Seconds a code from the authorize page may be exchanged (Slack: ten minutes)."""

_ID_BLOCK = 0x1000000
"""Ids (views, DMs, files) of each added workspace start a block apart, so none collide."""


@dataclass
class Grant:
    """What one bot token may act for: a workspace, or a whole org (org-wide install)."""

    team_id: str | None
    enterprise_id: str | None
    org_wide: bool
    scopes: tuple[str, ...]
    installer: str
    revoked: bool = False


@dataclass
class _Code:
    team_id: str | None
    enterprise_id: str | None
    org_wide: bool
    user: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    expires_at: float
    used: bool = False


@dataclass
class _Registry:
    """The hub's view of every workspace and every token issued by installs."""

    workspaces: dict[str, SlackEmulator] = field(default_factory=dict)
    enterprises: dict[str, str] = field(default_factory=dict)
    """Enterprise id -> name."""
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, _Code] = field(default_factory=dict)
    tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class OAuthMethods:
    """The hub side of the emulator: its workspaces, the install flow, the tokens."""

    # Set by SlackEmulator (a WorkspaceState); declared for the type checker.
    workspace_id: str
    team_name: str
    enterprise_id: str | None
    app_id: str
    bot_user_id: str
    host: str
    port: int
    client_id: str
    client_secret: str
    redirect_url: str | None

    @property
    def _registry(self) -> _Registry:
        registry = self.__dict__.get("_registry_")
        if registry is None:
            registry = self.__dict__["_registry_"] = _Registry()
            registry.workspaces[self.workspace_id] = self  # type: ignore[assignment]
        return registry

    # -- set-up --------------------------------------------------------------------------

    def add_workspace(
        self,
        team_id: str,
        *,
        name: str | None = None,
        domain: str | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channels: Mapping[str, str] | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        scopes: Iterable[str] | None = None,
    ) -> SlackEmulator:
        """Add a workspace served by this emulator; return it (an emulator of its own state).

        ``users`` and ``channels`` as for ``SlackEmulator``; give ``enterprise_id`` to put
        it in an Enterprise Grid org. Its bot token exists only once the app is installed.
        """
        from .server import SlackEmulator

        registry = self._registry
        if team_id in registry.workspaces:
            raise ValueError(f"workspace {team_id} exists already")
        hub: Any = self
        workspace = SlackEmulator(
            host=self.host,
            port=self.port,
            token=f"xoxb-uninstalled-{team_id}",
            app_token=hub.app_token,
            workspace_id=team_id,
            team_domain=domain or team_id.lower(),
            team_name=name or team_id,
            app_id=self.app_id,
            bot_user_id=f"UBOT{team_id}",
            users=users if users is not None else {},
            channels=channels if channels is not None else {},
            scopes=hub.scopes if scopes is None else scopes,
        )
        workspace.enterprise_id = enterprise_id
        workspace._ids = len(registry.workspaces) * _ID_BLOCK
        # One app, one Socket Mode link: every workspace's requests reach the bot over it.
        workspace.socket_mode = hub.socket_mode
        workspace.__dict__["_hub_"] = self
        if enterprise_id is not None:
            known = registry.enterprises.get(enterprise_id)
            registry.enterprises[enterprise_id] = enterprise_name or known or enterprise_id
        registry.workspaces[team_id] = workspace
        return workspace

    def workspace(self, team_id: str) -> SlackEmulator:
        """The workspace ``team_id`` (this emulator for its own id); raises KeyError."""
        return self._registry.workspaces[team_id]

    @property
    def installed_tokens(self) -> dict[str, Grant]:
        """Bot tokens issued by installs and not revoked, with what each may act for."""
        return {t: g for t, g in self._registry.grants.items() if not g.revoked}

    def revoke_install(
        self, team_id: str | None = None, *, enterprise_id: str | None = None
    ) -> None:
        """Revoke the tokens of a workspace's (or, by ``enterprise_id``, an org's) install.

        Every call with them answers ``token_revoked`` from now on, as after an uninstall.
        The tests then send the ``app_uninstalled`` or ``tokens_revoked`` event themselves.
        """
        for grant in self._registry.grants.values():
            mine = team_id is not None and grant.team_id == team_id
            ours = grant.org_wide and enterprise_id is not None
            if mine or (ours and grant.enterprise_id == enterprise_id):
                grant.revoked = True

    # -- the authorize page --------------------------------------------------------------

    def authorize(
        self,
        authorize_url: str,
        *,
        team_id: str | None = None,
        user: str,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        allow: bool = True,
    ) -> str:
        """Play the person on Slack's authorize page; return the URL Slack redirects to.

        ``authorize_url`` is the link of the app's "Add to Slack" button. Allowing gives
        the redirect URL with ``code`` and ``state``; cancelling (``allow=False``) gives it
        with ``error=access_denied``, as Slack does. A wrong client id or an unknown scope
        raises ValueError: Slack shows its own error page and never redirects.
        """
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        if query.get("client_id") != self.client_id:
            raise ValueError(f"Slack shows 'Invalid client_id parameter': {query.get('client_id')}")
        # Without redirect_uri Slack uses the Redirect URL of the app's settings.
        redirect_uri = query.get("redirect_uri") or self.redirect_url
        if not redirect_uri:
            raise ValueError("no redirect_uri in the authorize URL and no redirect_url set")
        state = query.get("state", "")
        if not allow:
            return _with_query(redirect_uri, error="access_denied", state=state)
        scopes = tuple(s for s in (query.get("scope") or "").split(",") if s)
        registry = self._registry
        if org_wide:
            if enterprise_id not in registry.enterprises:
                raise ValueError(f"no Enterprise Grid org {enterprise_id}")
            team_id = None
        else:
            if team_id not in registry.workspaces:
                raise ValueError(f"no workspace {team_id}")
            enterprise_id = registry.workspaces[team_id].enterprise_id
        code = f"{int(time.time())}.{secrets.token_hex(12)}"
        registry.codes[code] = _Code(
            team_id=team_id,
            enterprise_id=enterprise_id,
            org_wide=org_wide,
            user=user,
            scopes=scopes,
            redirect_uri=redirect_uri,
            expires_at=time.time() + CODE_TTL,
        )
        return _with_query(redirect_uri, code=code, state=state)

    def _authorize_page(self, query: str) -> Reply:
        """The authorize page in a browser: allow at once, as the workspace's first owner.

        Nobody is signed in to the emulator, so the workspace comes from Slack's own
        ``team`` parameter (a workspace id, or an org id for an org-wide install) and the
        person is its first owner or admin; the answer is Slack's redirect (302).
        """
        values = {k: v[0] for k, v in parse_qs(query).items()}
        team = values.get("team") or ""
        registry = self._registry
        org_wide = team in registry.enterprises
        if org_wide:
            members = [w for w in registry.workspaces.values() if w.enterprise_id == team]
        else:
            members = [registry.workspaces[team]] if team in registry.workspaces else []
        if not members:
            return text_reply(
                400, f"Add team=T... (or an org's E...) to pick a workspace: {team!r}"
            )
        users = members[0]._users.values()
        user = next(
            (u["id"] for u in users if u["is_owner"] or u["is_admin"]),
            next((u["id"] for u in users if not u["is_bot"]), ""),
        )
        url = f"{AUTHORIZE_PATH}?{query}"
        try:
            if org_wide:
                location = self.authorize(url, user=user, enterprise_id=team, org_wide=True)
            else:
                location = self.authorize(url, team_id=team, user=user)
        except ValueError as e:
            return text_reply(400, str(e))
        reply = text_reply(302, "")
        reply.headers["Location"] = location
        return reply

    # -- oauth.v2.access -----------------------------------------------------------------

    def _oauth_v2_access(self, params: dict[str, Any], headers: Any) -> dict[str, Any]:
        """Trade a code for a bot token; client id and secret by Basic auth or in params."""
        client_id, client_secret = param(params, "client_id"), param(params, "client_secret")
        auth = headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            try:
                pair = base64.b64decode(auth[6:].strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise ApiError("invalid_client_id") from None
            client_id, _, client_secret = pair.partition(":")
        if not client_id:
            raise ApiError("invalid_client_id")
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        registry = self._registry
        code = registry.codes.get(param(params, "code") or "")
        if code is None or code.expires_at < time.time():
            raise ApiError("invalid_code")
        if code.used:
            raise ApiError("code_already_used")
        if code.redirect_uri and param(params, "redirect_uri") not in (None, code.redirect_uri):
            raise ApiError("bad_redirect_uri")
        code.used = True
        owner = code.team_id or code.enterprise_id
        # Like Slack (without token rotation), a reinstall gets the bot token its
        # installation already has, with the scopes of this install.
        ours = (code.team_id, code.enterprise_id, code.org_wide)
        held = [
            t
            for t, g in registry.grants.items()
            if not g.revoked and (g.team_id, g.enterprise_id, g.org_wide) == ours
        ]
        token = held[0] if held else f"xoxb-{owner}-{next(registry.tokens)}-{secrets.token_hex(8)}"
        registry.grants[token] = Grant(
            team_id=code.team_id,
            enterprise_id=code.enterprise_id,
            org_wide=code.org_wide,
            scopes=code.scopes,
            installer=code.user,
        )
        enterprise = (
            {"id": code.enterprise_id, "name": registry.enterprises[code.enterprise_id]}
            if code.enterprise_id
            else None
        )
        team = None
        bot_user_id = self.bot_user_id
        if code.team_id is not None:
            workspace = registry.workspaces[code.team_id]
            team = {"id": code.team_id, "name": workspace.team_name}
            bot_user_id = workspace.bot_user_id
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(code.scopes),
            "bot_user_id": bot_user_id,
            "app_id": self.app_id,
            "team": team,
            "enterprise": enterprise,
            "is_enterprise_install": code.org_wide,
            "authed_user": {"id": code.user},
        }

    # -- routing -------------------------------------------------------------------------

    def _target(self, token: str, params: Mapping[str, Any]) -> tuple[SlackEmulator, Grant] | None:
        """The workspace a call made with an installed token acts in, or None if not one."""
        grant = self._registry.grants.get(token)
        if grant is None:
            return None
        workspaces = self._registry.workspaces
        if not grant.org_wide:
            return workspaces[grant.team_id or ""], grant
        org = [w for w in workspaces.values() if w.enterprise_id == grant.enterprise_id]
        for workspace in org:
            if workspace._holds(params):
                return workspace, grant
        return (org[0] if org else workspaces[self.workspace_id]), grant


def _with_query(url: str, **values: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(values)}"
