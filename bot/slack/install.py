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
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
        expected = self._sign(nonce).encode("utf-8")
        if not nonce or not hmac.compare_digest(signature.encode("utf-8"), expected):
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
    the first is taken back, so no half-written installation is left. Only the rows this
    attempt wrote go: a reinstall gets the same bot token back from Slack, and the working
    installation stored before it must stay.
    """

    mark: Callable[[], dict[str, int]]
    forget: Callable[[str, dict[str, int]], None]

    def store_installation(self, request: Any, installation: Installation) -> None:
        try:
            before = self.mark()
        except (sqlite3.Error, OSError) as e:
            raise BoltError(f"cannot store the installation: {e}") from e
        try:
            super().store_installation(request, installation)
        except (sqlite3.Error, OSError) as e:
            if installation.bot_token:
                try:
                    self.forget(installation.bot_token, before)
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
        self._orgs: dict[str, str | None] = {}
        """Each workspace's org as last read or written (None: none known)."""

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
        flow.mark = self._mark
        flow.forget = self._forget
        return flow

    _TABLES = ("slack_installations", "slack_bots")

    def _mark(self) -> dict[str, int]:
        """The last row id of each installations table: what an install adds comes after."""
        marks: dict[str, int] = {}
        with self._connect() as conn:
            for table in self._TABLES:
                if _exists(conn, table):
                    row = conn.execute(f"select max(rowid) from {table}").fetchone()
                    marks[table] = row[0] or 0
        return marks

    def _forget(self, token: str, before: dict[str, int]) -> None:
        """Delete the rows an install that failed half-way wrote after `before` (`_mark`).

        Rows with the same token from an earlier install stay: Slack hands a reinstall
        the token it already gave, and that installation still works.
        """
        with self._connect() as conn:
            for table in self._TABLES:
                if _exists(conn, table):
                    conn.execute(
                        f"delete from {table} where bot_token = ? and rowid > ?",
                        [token, before.get(table, 0)],
                    )

    # -- finding tokens ------------------------------------------------------------------

    def remember_org(self, team_id: str | None, enterprise_id: str | None) -> None:
        """Note that `team_id` is in the org `enterprise_id` (a request served by the org).

        Only for a workspace without an installation of its own: a request's ids are all
        that says so, and they must never let an org's token serve (or, once that workspace
        uninstalls, take over) a workspace that installed journeybot by itself.
        """
        if not team_id or not enterprise_id or self._orgs.get(team_id) == enterprise_id:
            return
        try:
            if self.own(team_id) is not None:
                return
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
        self._orgs[team_id] = row[0] if row else None
        return self._orgs[team_id]

    def _forget_org(self, team_id: str) -> None:
        """Drop what requests said about `team_id`'s org (it has an installation of its own)."""
        with self._connect() as conn:
            conn.execute("delete from journeybot_org_members where team_id = ?", [team_id])
        self._orgs[team_id] = None

    def own(self, team_id: str) -> Bot | None:
        """`team_id`'s own (workspace-level) installation, whatever org it is in, or None."""
        with self._connect() as conn:
            row = conn.execute(
                "select enterprise_id from slack_bots where client_id = ? and team_id = ?"
                " and not is_enterprise_install order by installed_at desc limit 1",
                [self.settings.slack_client_id or "", team_id],
            ).fetchone()
        if row is None:
            return None
        return self.store.find_bot(enterprise_id=row[0] or None, team_id=team_id)

    def bot(
        self,
        team_id: str | None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> Bot | None:
        """The bot installation serving `team_id`: its own, else its org's org-wide one.

        A workspace with an installation of its own is served with that one only, and
        only when the org the request names (`enterprise_id`, `org_wide`) is the one
        Slack installed it in; with none given (an outbox effect) it is its own.
        """
        own = self.own(team_id) if team_id else None
        if own is not None:
            if self.org_of(own.team_id or "") not in (None, own.enterprise_id or None):
                # Noted from a request naming another org (before such requests were
                # refused): it must not hand this workspace to that org once it leaves.
                self._forget_org(own.team_id or "")
            if enterprise_id is None and not org_wide:
                return own
            same_org = (own.enterprise_id or None) == enterprise_id
            return own if same_org and not org_wide else None
        org = enterprise_id or (self.org_of(team_id) if team_id else None)
        if not org:
            return None
        return self.store.find_bot(enterprise_id=org, team_id=None, is_enterprise_install=True)

    def covers(
        self, team_id: str | None, enterprise_id: str | None, org_wide: bool = False
    ) -> bool:
        """Whether a request from (team_id, enterprise_id) has an installation to serve it.

        `org_wide` is the request's is_enterprise_install: Bolt then serves it with the
        org's token, which a workspace with its own installation is never served with.
        """
        try:
            return self.bot(team_id, enterprise_id, org_wide) is not None
        except sqlite3.Error as e:
            # Which installation is whose cannot be told: serve none rather than a wrong one.
            log.error("cannot read the installations file %s: %s", self.path, e)
            return False

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


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [table]
    ).fetchone()
    return found is not None


def _moment(value: Any) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
