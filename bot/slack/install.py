"""Installing journeybot in many workspaces: Slack's OAuth v2 flow and the tokens it leaves.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET set, `/slack/install`
shows an "Add to Slack" page and `/slack/oauth_redirect` stores the installation that
Slack's answer describes: one bot token per workspace, or one per Enterprise Grid org for
an org-wide install. Bolt's own `OAuthFlow` runs the flow, slack_sdk's SQLite stores keep
the installations and the one-time states, in a file beside the journeybot database
(`journeybot-installations.db` beside `journeybot.db`): slack_sdk owns that schema, and
the bot tokens stay out of the data that `export` and `backup` copy around.

    installs = Installs.open(settings)
    client = installs.client_for("T0123")      # that workspace's bot token, or NotInstalled
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from ..config import ConfigError, Settings

__all__ = [
    "INSTALL_PATH",
    "REDIRECT_PATH",
    "Installed",
    "Installs",
    "NotInstalled",
    "SignedStateStore",
    "installations_path",
    "installed_in",
]

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_TTL = 600
"""Seconds between opening the install page and coming back from Slack (Slack: ten minutes)."""


class NotInstalled(Exception):
    """journeybot has no installation (no bot token) for a workspace."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"journeybot is not installed in workspace {team_id}")
        self.team_id = team_id


def installations_path(db: Path) -> Path:
    """Where the installations of the database at `db` are kept: a file beside it."""
    return db.with_name(f"{db.stem}-installations{db.suffix or '.db'}")


class SignedStateStore(OAuthStateStore):
    """slack_sdk's SQLite state store, each state signed with SLACK_STATE_SECRET.

    A state that is not ours (forged, or from another deployment) is refused by its
    signature before the database is asked; one that is ours is consumed once, so a
    replayed redirect finds it gone.
    """

    def __init__(self, inner: SQLite3OAuthStateStore, secret: str) -> None:
        self.inner = inner
        self._key = secret.encode("utf-8")

    @property
    def logger(self) -> logging.Logger:
        return log

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = self.inner.issue()
        return f"{nonce}.{self._sign(nonce)}"

    def consume(self, state: str) -> bool:
        nonce, _, signature = (state or "").rpartition(".")
        if not nonce or not hmac.compare_digest(signature, self._sign(nonce)):
            log.warning("refused an install: its OAuth state is not one journeybot issued")
            return False
        if not self.inner.consume(nonce):
            log.warning("refused an install: its OAuth state was used already or has expired")
            return False
        return True


@dataclass(frozen=True, slots=True)
class Installed:
    """One installation as `doctor` lists it."""

    team_id: str | None
    team_name: str | None
    enterprise_id: str | None
    org_wide: bool
    installed_at: datetime

    @property
    def label(self) -> str:
        if self.org_wide:
            return f"org {self.enterprise_id} (org-wide)"
        return f"{self.team_name or '?'} ({self.team_id})"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>journeybot: {title}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 4em auto">
<h1>{title}</h1><p>{text}</p>{more}</body></html>
"""

_FAILURES: dict[str, tuple[int, str, str]] = {
    "access_denied": (
        403,
        "journeybot was not installed",
        "The install was cancelled in Slack, so nothing was installed.",
    ),
    "invalid_browser": (
        400,
        "This install link has expired",
        "Slack sent you back to a different browser, or the install page's cookie is gone.",
    ),
    "invalid_state": (
        400,
        "This install link is not valid",
        "It was used already, has expired, or did not come from journeybot's install page.",
    ),
    "missing_code": (
        400,
        "Slack's answer is incomplete",
        "The link Slack sent you back with carries no code, so nothing was installed.",
    ),
    "invalid_code": (
        400,
        "Slack did not confirm the install",
        "Slack refused the code in the link (used already or expired), so nothing was installed.",
    ),
    "storage_error": (
        503,
        "The install could not be saved",
        "journeybot could not store the installation, so nothing was installed.",
    ),
}


def _page(status: int, title: str, text: str, *, retry: str | None = None) -> BoltResponse:
    more = f'<p><a href="{html.escape(retry)}">Try again</a></p>' if retry else ""
    body = _PAGE.format(title=html.escape(title), text=html.escape(text), more=more)
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )


def _success(args: SuccessArgs) -> BoltResponse:
    found = args.installation
    where = (
        f"the {found.enterprise_name or found.enterprise_id} org"
        if found.is_enterprise_install
        else (found.team_name or found.team_id or "your workspace")
    )
    log.info(
        "journeybot was installed in %s (team %s, enterprise %s) by %s",
        where,
        found.team_id,
        found.enterprise_id,
        found.user_id,
    )
    return _page(200, "journeybot is installed", f"journeybot is now in {where}. Back to Slack!")


def _failure(args: FailureArgs) -> BoltResponse:
    reason = args.reason
    status, title, text = _FAILURES.get(
        reason, (400, "journeybot was not installed", f"Slack answered {reason}.")
    )
    log.warning("an install did not complete: %s", reason)
    return _page(status, title, text, retry=INSTALL_PATH)


class _Flow(OAuthFlow):
    """Bolt's OAuth flow, with an installation that cannot be stored reported as such.

    slack_sdk's SQLite store raises sqlite3 errors (a full disk, a locked file), which
    Bolt would let through as a 500; as a BoltError they give the "not saved" page. The
    store writes the installation and its bot in two transactions: when the second fails,
    the first is taken back, so no half-written installation is left.
    """

    forget: Callable[[str], None]

    def store_installation(self, request: Any, installation: Installation) -> None:
        try:
            super().store_installation(request, installation)
        except (sqlite3.Error, OSError) as e:
            if installation.bot_token:
                try:
                    self.forget(installation.bot_token)
                except (sqlite3.Error, OSError):
                    log.exception("cannot take back a half-stored installation")
            raise BoltError(f"cannot store the installation: {e}") from e


class Installs:
    """The installation and state stores, and a bot client per workspace."""

    def __init__(self, settings: Settings, *, path: Path | None = None) -> None:
        """Open (creating if needed) the installations file; raises ConfigError."""
        if not settings.oauth:
            raise ValueError("Slack's install flow is not configured")
        self.settings = settings
        self.path = path or installations_path(settings.journeybot_db)
        client_id = settings.slack_client_id or ""
        self.store = SQLite3InstallationStore(database=str(self.path), client_id=client_id)
        states = SQLite3OAuthStateStore(database=str(self.path), expiration_seconds=STATE_TTL)
        self.states = SignedStateStore(states, settings.secret("SLACK_STATE_SECRET"))
        try:
            self.store.init()
            states.init()
            with self._connect() as conn:
                # Which org each workspace belongs to: an effect names only its workspace,
                # and an org-wide install's token is found by the org.
                conn.execute(
                    "create table if not exists journeybot_org_members"
                    " (team_id text primary key, enterprise_id text not null)"
                )
        except sqlite3.Error as e:
            raise ConfigError(f"cannot open the installations file {self.path}: {e}") from None
        self._orgs: dict[str, str] = {}

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=5)) as conn, conn:
            yield conn

    def flow(self, client: WebClient, scopes: list[str]) -> OAuthFlow:
        """Return Bolt's OAuth flow for `scopes`, its pages saying clearly what went wrong."""
        api = urlsplit(self.settings.slack_api_url)
        settings = OAuthSettings(
            client_id=self.settings.slack_client_id,
            client_secret=self.settings.secret("SLACK_CLIENT_SECRET"),
            scopes=scopes,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # The authorize page is on the same host as the Web API (slack.com).
            authorization_url=f"{api.scheme}://{api.netloc}/oauth/v2/authorize",
            installation_store=self.store,
            state_store=self.states,
            state_expiration_seconds=STATE_TTL,
            installation_store_bot_only=True,
            callback_options=CallbackOptions(success=_success, failure=_failure),
            logger=log,
        )
        flow = _Flow(client=client, settings=settings, logger=log)
        flow.forget = self._forget
        return flow

    def _forget(self, token: str) -> None:
        """Delete whatever an install that failed half-way stored (its token is new)."""
        with self._connect() as conn:
            for table in ("slack_installations", "slack_bots"):
                exists = conn.execute(
                    "select 1 from sqlite_master where type = 'table' and name = ?", [table]
                ).fetchone()
                if exists:
                    conn.execute(f"delete from {table} where bot_token = ?", [token])

    # -- finding tokens ------------------------------------------------------------------

    def remember_org(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Note that `team_id` is in the org `enterprise_id` (requests say so)."""
        if not team_id or not enterprise_id or self._orgs.get(team_id) == enterprise_id:
            return
        try:
            with self._connect() as conn:
                conn.execute(
                    "insert or replace into journeybot_org_members values (?, ?)",
                    [team_id, enterprise_id],
                )
        except sqlite3.Error as e:
            log.warning("cannot note that %s is in org %s: %s", team_id, enterprise_id, e)
            return
        self._orgs[team_id] = enterprise_id

    def org_of(self, team_id: str) -> str | None:
        """The Enterprise Grid org `team_id` was last seen in, or None."""
        if team_id in self._orgs:
            return self._orgs[team_id]
        with self._connect() as conn:
            row = conn.execute(
                "select enterprise_id from journeybot_org_members where team_id = ?", [team_id]
            ).fetchone()
        if row:
            self._orgs[team_id] = row[0]
        return row[0] if row else None

    def bot(self, team_id: str | None, enterprise_id: str | None = None) -> Bot | None:
        """The bot installation serving `team_id`: its own, else its org's org-wide one."""
        found = None
        if team_id:
            found = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
            if found is None and enterprise_id is None:
                # Installed in a workspace of an org: the row carries the org id too.
                org = self.org_of(team_id)
                if org is not None:
                    found = self.store.find_bot(enterprise_id=org, team_id=team_id)
        org = enterprise_id or (self.org_of(team_id) if team_id else None)
        if found is None and org:
            found = self.store.find_bot(enterprise_id=org, team_id=None, is_enterprise_install=True)
        return found

    def covers(self, team_id: str | None, enterprise_id: str | None) -> bool:
        """Whether a request from (team_id, enterprise_id) has an installation to serve it."""
        return self.bot(team_id, enterprise_id) is not None

    def client_for(self, team_id: str, make: Callable[[str], WebClient]) -> WebClient:
        """A client with `team_id`'s bot token, made by `make(token)`; raises NotInstalled."""
        found = self.bot(team_id)
        if found is None or not found.bot_token:
            raise NotInstalled(team_id)
        return make(found.bot_token)

    def installed(self) -> list[Installed]:
        """Every workspace (or org) with a bot token, newest install first."""
        return installed_in(self.path, self.settings.slack_client_id or "")


def installed_in(path: Path, client_id: str) -> list[Installed]:
    """Every workspace (or org) with a bot token in the file at `path`, newest first.

    Read only: the file is neither created nor written (`doctor` calls this). Raises
    sqlite3.Error when it cannot be read.
    """
    if not path.is_file():
        return []
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "select team_id, team_name, enterprise_id, is_enterprise_install,"
            " max(installed_at) from slack_bots where client_id = ?"
            " group by enterprise_id, team_id order by max(installed_at) desc",
            [client_id],
        ).fetchall()
    finally:
        conn.close()
    return [
        Installed(
            team_id=team or None,
            team_name=name,
            enterprise_id=enterprise or None,
            org_wide=bool(org_wide),
            installed_at=_moment(at),
        )
        for team, name, enterprise, org_wide, at in rows
    ]


def _moment(value: Any) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
