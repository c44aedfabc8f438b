"""`journeybot doctor`: check a real installation's settings before going live.

Each check returns ok with what it found, or one line saying what to fix.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from notion_client import APIResponseError, Client
from notion_client.errors import RequestTimeoutError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from prioritize.errors import InvalidInput
from storage.outbox import Outbox
from storage.store import Store, open_database

from .config import ConfigError, Settings, load_config
from .notion.client import explain
from .notion.provision import REHOME_HINT, gone_message
from .notion.schema import PAINS_TITLE, ROADMAP_TITLE
from .services import ROADMAP_CHANNEL
from .slack.install import installations_path, installed_in
from .slack.outbound.courier import INSTALL_REVOKED, NOT_INSTALLED

__all__ = ["Check", "manifest_scopes", "run_checks"]

MANIFEST = Path(__file__).resolve().parent / "manifest.yml"
"""Shipped inside the package (in a checkout, a link to the manifest at the top)."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def manifest_scopes(path: Path = MANIFEST) -> set[str]:
    """Return the bot scopes `manifest.yml` asks for; raises OSError if it is missing."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return set(data.get("oauth_config", {}).get("scopes", {}).get("bot", []))


def _secret(settings: Settings, name: str) -> str | None:
    value = getattr(settings, name)
    return value.get_secret_value() if value is not None else None


def check_config(settings: Settings) -> Check:
    path = settings.journeybot_config
    if path is None:
        return Check("Config file", True, "JOURNEYBOT_CONFIG not set: using the defaults")
    try:
        config = load_config(path)
    except ConfigError as e:
        return Check("Config file", False, str(e))
    stages = len(config.journey.stages)
    return Check(
        "Config file",
        True,
        f"{path} parses ({stages} stages, {config.journey.scoring.strategy.value} scoring)",
    )


def check_database(settings: Settings) -> Check:
    path = settings.journeybot_db
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        return Check("Database", False, f"JOURNEYBOT_DB: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        return Check("Database", False, f"JOURNEYBOT_DB: cannot write in {folder}")
    if path.exists():
        try:
            with sqlite3.connect(path) as conn:
                conn.execute("pragma quick_check").fetchone()
        except sqlite3.DatabaseError as e:
            return Check(
                "Database", False, f"JOURNEYBOT_DB: {path} is not a usable SQLite file: {e}"
            )
        return Check("Database", True, f"{path} is readable and writable")
    with tempfile.NamedTemporaryFile(dir=folder):
        pass
    return Check("Database", True, f"{path} will be created on first use")


def check_slack_token(settings: Settings) -> Iterator[Check]:
    token = _secret(settings, "slack_bot_token")
    if not token and _installing(settings):
        yield Check(
            "Slack token",
            True,
            "not needed: each workspace's bot token comes from installing it (Slack install)",
        )
        return
    if not token:
        yield Check(
            "Slack token",
            False,
            "SLACK_BOT_TOKEN is not set: install the app (from manifest.yml)"
            " and copy its Bot User OAuth Token",
        )
        return
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    try:
        response = client.auth_test()
    except SlackApiError as e:
        yield Check(
            "Slack token", False, f"SLACK_BOT_TOKEN is rejected by Slack ({e.response['error']})"
        )
        return
    except (SlackRequestError, OSError) as e:
        yield Check(
            "Slack token", False, f"cannot reach SLACK_API_URL {settings.slack_api_url}: {e}"
        )
        return
    who = f"@{response.get('user')} in {response.get('team')} ({response.get('team_id')})"
    yield Check("Slack token", True, f"auth.test ok as {who}")
    granted = {
        s.strip() for s in (response.headers.get("x-oauth-scopes") or "").split(",") if s.strip()
    }
    try:
        needed = manifest_scopes()
    except OSError:
        yield Check("Slack scopes", False, f"{MANIFEST.name} not found next to the bot package")
        return
    missing = sorted(needed - granted)
    if missing:
        yield Check(
            "Slack scopes",
            False,
            f"the token lacks {', '.join(missing)}:"
            " update the app from manifest.yml and reinstall it",
        )
    else:
        yield Check(
            "Slack scopes", True, f"all {len(needed)} scopes manifest.yml needs are granted"
        )


def _installing(settings: Settings) -> bool:
    """Whether Slack's install flow is on (all three settings); False when half set."""
    try:
        return settings.oauth
    except ConfigError:
        return False


def check_install(settings: Settings) -> Iterator[Check]:
    """Slack's install flow: the app's credentials, and every installed workspace's token age.

    Asked with a code Slack never issued: Slack checks the client id and secret first, so
    `invalid_code` means they are right. Nothing is said when the flow is off.
    """
    try:
        if not settings.oauth:
            return
    except ConfigError as e:
        yield Check("Slack install", False, str(e))
        return
    if len(settings.secret("SLACK_STATE_SECRET")) < 16:
        yield Check(
            "Slack install",
            False,
            "SLACK_STATE_SECRET looks too short: use a long random string (openssl rand -hex 32)",
        )
        return
    client = WebClient(base_url=settings.slack_api_url, timeout=10)
    try:
        client.oauth_v2_access(
            client_id=settings.slack_client_id or "",
            client_secret=settings.secret("SLACK_CLIENT_SECRET"),
            code="journeybot-doctor",
        )
    except SlackApiError as e:
        error = e.response.get("error")
        if error == "invalid_client_id":
            yield Check(
                "Slack install",
                False,
                "SLACK_CLIENT_ID is not the app's Client ID (Basic Information, App Credentials)",
            )
            return
        if error == "bad_client_secret":
            yield Check(
                "Slack install",
                False,
                "SLACK_CLIENT_SECRET is wrong: copy the Client Secret from Basic Information",
            )
            return
        if error not in ("invalid_code", "code_already_used"):
            yield Check("Slack install", False, f"Slack answered oauth.v2.access with {error}")
            return
    except (SlackRequestError, OSError) as e:
        where = settings.slack_api_url
        yield Check("Slack install", False, f"cannot reach SLACK_API_URL {where}: {e}")
        return
    yield Check("Slack install", True, "Slack accepts SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    yield _installed_workspaces(settings)


def _installed_workspaces(settings: Settings) -> Check:
    """Each installed workspace (or org) with the age of its bot token."""
    name = "Installed workspaces"
    path = installations_path(settings.journeybot_db)
    try:
        found = installed_in(path, settings.slack_client_id or "")
    except sqlite3.Error as e:
        return Check(name, False, f"cannot read {path}: {e}")
    if not found:
        return Check(name, False, "none yet: open /slack/install to add journeybot to Slack")
    now = datetime.now(UTC)
    listed = [f"{i.label}: token {_age(now - i.installed_at)} old" for i in found]
    return Check(name, True, f"{len(found)}: " + "; ".join(listed))


def _age(delta: timedelta) -> str:
    days = delta.days
    if days >= 1:
        return f"{days} day{'s' * (days != 1)}"
    hours = delta.seconds // 3600
    if hours >= 1:
        return f"{hours} hour{'s' * (hours != 1)}"
    return f"{max(0, delta.seconds // 60)} min"


def check_signing_secret(settings: Settings) -> Check:
    secret = _secret(settings, "slack_signing_secret")
    if settings.slack_app_token is not None and not secret:
        return Check("Signing secret", True, "not needed in Socket Mode")
    if not secret:
        return Check(
            "Signing secret",
            False,
            "SLACK_SIGNING_SECRET is not set: copy it from the app's Basic Information page",
        )
    if len(secret) < 16:
        return Check("Signing secret", False, "SLACK_SIGNING_SECRET looks too short; copy it again")
    return Check("Signing secret", True, "set")


def check_app_token(settings: Settings) -> Check:
    token = _secret(settings, "slack_app_token")
    if not token:
        return Check(
            "Socket Mode",
            True,
            "SLACK_APP_TOKEN not set: HTTP mode, Slack must reach /slack/events",
        )
    if not token.startswith("xapp-"):
        return Check(
            "Socket Mode",
            False,
            "SLACK_APP_TOKEN must be an app-level token (xapp-...)"
            " with the connections:write scope",
        )
    return Check(
        "Socket Mode", True, "app-level token set: the bot connects out, no public URL needed"
    )


def check_notion(settings: Settings) -> Iterator[Check]:
    token = _secret(settings, "notion_token")
    if not token:
        yield Check(
            "Notion token",
            True,
            "NOTION_TOKEN not set: the roadmap stays in Slack and SQLite (no Notion sync)",
        )
        return
    url = settings.notion_api_url
    client = Client(
        auth=token,
        base_url=url,
        timeout_ms=10_000,
        retry=False,
        # Failures are reported once, as a check line, not as notion-client's log lines.
        logger=logging.getLogger("notion_client"),
        log_level=logging.CRITICAL,
    )
    try:
        me = client.users.me()
    except APIResponseError as e:
        yield Check("Notion token", False, f"NOTION_TOKEN is rejected: {explain(e, url)}")
        return
    except (RequestTimeoutError, httpx.HTTPError, OSError) as e:
        yield Check("Notion token", False, f"{explain(e, url)} (NOTION_API_URL)")
        return
    yield Check("Notion token", True, f"users.me ok as {me.get('name') or me.get('id')}")
    page_id = settings.notion_parent_page_id
    if not page_id:
        yield Check(
            "Notion parent page",
            False,
            "NOTION_PARENT_PAGE_ID is not set: create a page for the roadmap and copy its id",
        )
        return
    try:
        client.pages.retrieve(page_id=page_id)
    except APIResponseError as e:
        if e.code in ("object_not_found", "restricted_resource"):
            yield Check(
                "Notion parent page",
                False,
                "the parent page is not shared with the integration: open it in Notion,"
                " ••• → Connections → add your integration",
            )
        else:
            yield Check("Notion parent page", False, f"cannot read it: {explain(e, url)}")
        return
    except (RequestTimeoutError, httpx.HTTPError, OSError) as e:
        yield Check("Notion parent page", False, explain(e, url))
        return
    yield Check("Notion parent page", True, "shared with the integration")
    yield check_notion_home(settings, client, page_id)


def _stored_home(path: Path) -> dict[str, dict[str, str]]:
    """Return, per workspace, the parent page and databases the last sync recorded.

    Read-only: doctor never creates or migrates the database.
    """
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute(
                "select team_id, key, notion_id from notion_objects"
                " where key in ('parent', 'pains', 'roadmap') and notion_id is not null"
            ).fetchall()
    except sqlite3.Error:
        return {}  # no sync yet (or no usable file: the Database check says so)
    found: dict[str, dict[str, str]] = {}
    for team_id, key, notion_id in rows:
        found.setdefault(team_id, {})[key] = notion_id
    return found


def check_notion_home(settings: Settings, client: Client, page_id: str) -> Check:
    """Check that the roadmap the last sync built is still where NOTION_PARENT_PAGE_ID says."""
    name = "Notion roadmap"
    url = settings.notion_api_url
    homes = _stored_home(settings.journeybot_db)
    built = {team: objs for team, objs in homes.items() if "pains" in objs or "roadmap" in objs}
    if not built:
        return Check(name, True, "not synced yet: the first sync builds it under the parent page")
    for objs in built.values():
        parent = objs.get("parent")
        if parent and parent.replace("-", "").lower() != page_id.replace("-", "").lower():
            return Check(
                name,
                False,
                f"NOTION_PARENT_PAGE_ID changed: the roadmap was built under page {parent};"
                f" {REHOME_HINT}",
            )
        gone = []
        for key, title in (("pains", PAINS_TITLE), ("roadmap", ROADMAP_TITLE)):
            if key not in objs:
                continue
            try:
                database = client.databases.retrieve(database_id=objs[key])
            except APIResponseError as e:
                if e.status != 404:
                    return Check(
                        name, False, f"cannot read the {title} database: {explain(e, url)}"
                    )
                gone.append(title)
                continue
            except (RequestTimeoutError, httpx.HTTPError, OSError) as e:
                return Check(name, False, explain(e, url))
            if database.get("in_trash") or database.get("archived"):
                gone.append(title)
        if gone:
            return Check(name, False, gone_message(gone))
    return Check(name, True, "the Roadmap and Pain points databases are under the parent page")


_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


@contextmanager
def _stored(settings: Settings) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection to the database, or None while it does not exist."""
    path = settings.journeybot_db
    if not path.is_file():
        yield None
        return
    # mode=ro: reading never creates the file nor writes to it.
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        yield conn
    finally:
        conn.close()


def check_outbox(settings: Settings) -> Check:
    """What Slack refused for good, and what still waits to be delivered."""
    name = "Slack updates"
    if not settings.journeybot_db.is_file():
        return Check(name, True, "no database yet: nothing sent or waiting")
    try:
        # Read only: doctor never creates, upgrades or writes the database.
        store = Store(open_database(settings.journeybot_db, readonly=True))
    except InvalidInput as e:
        return Check(name, False, f"cannot read the outbox: {e.message}")
    try:
        outbox = Outbox(store)
        failed, total = outbox.failures(limit=5), outbox.failed_count()
        oldest = outbox.oldest_waiting()
        waiting = f"{outbox.backlog()} waiting" + (f" since {_when(oldest)}" if oldest else "")
    except sqlite3.DatabaseError as e:
        return Check(name, False, f"cannot read the outbox: {e}")
    finally:
        store.close()
    if not failed:
        return Check(name, True, f"none refused by Slack; {waiting}")
    refused = "; ".join(_refused(f) for f in failed)
    more = f" (and {total - len(failed)} more)" if total > len(failed) else ""
    return Check(
        name,
        False,
        f"Slack refused {total} for good: {refused}{more}; {waiting}."
        " Fix the channel (or invite the bot) and repost the card"
        " (App Home, or `journeybot repost IDEA`)",
    )


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return "?"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _refused(failure: dict[str, Any]) -> str:
    """One effect Slack refused: its kind, the idea it is about, the error and when."""
    try:
        idea = json.loads(failure["payload"]).get("idea_id")
    except (ValueError, AttributeError):
        idea = None
    about = f" of idea #{idea}" if idea is not None else ""
    kind = str(failure["kind"]).replace("_", " ")
    error = failure["error"]
    if error in (NOT_INSTALLED, INSTALL_REVOKED):
        # Installed in many workspaces: say which one to install journeybot in again.
        error = f"{error} (workspace {failure.get('team_id')}: install it again)"
    return f"{kind}{about}: {error} at {_when(failure['delivered_at'])}"


def check_roadmap_channel(settings: Settings) -> Check:
    """Where idea cards go: set, shaped like an id, existing, open and with the bot in it."""
    name = "Roadmap channel"
    try:
        configured = load_config(settings.journeybot_config).slack.roadmap_channel
    except ConfigError:
        return Check(name, False, "cannot tell until the config file loads (see Config file)")
    token = _secret(settings, "slack_bot_token")
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10) if token else None
    team_id: str | None = None
    if client is not None:
        try:
            team_id = client.auth_test().get("team_id")
        except (SlackApiError, SlackRequestError, OSError):
            client = None  # said by the token check
    channel, where = configured, "roadmap_channel under [slack] in the config file"
    try:
        with _stored(settings) as conn:
            # Without a token the workspace is unknown: any workspace's choice will do.
            key, op = (
                (f"{ROADMAP_CHANNEL}:{team_id}", "=")
                if team_id
                else (ROADMAP_CHANNEL + ":%", "like")
            )
            row = (
                conn.execute(f"select value from meta where key {op} ? limit 1", [key]).fetchone()
                if conn is not None
                else None
            )
            if row and row[0]:
                channel, where = row[0], "picked by an admin on App Home"
    except sqlite3.DatabaseError:
        pass  # said by the database check
    if not channel:
        return Check(
            name,
            False,
            "no roadmap channel is set, so idea cards have nowhere to go: an admin picks one"
            " on journeybot's App Home (Settings), or set roadmap_channel under [slack]"
            " in the config file",
        )
    if not _CHANNEL_ID.match(channel):
        return Check(
            name,
            False,
            f"{channel!r} ({where}) is not a channel id: use the id (C… or G…), not the name;"
            " in Slack, open the channel's details: the id is at the bottom of the About tab",
        )
    if client is None:
        return Check(name, True, f"{channel} ({where}); not checked with Slack without a token")
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as e:
        error = e.response.get("error")
        if error == "channel_not_found":
            return Check(
                name,
                False,
                f"{channel} ({where}) does not exist or is private without the bot in it:"
                " invite the bot there with /invite @journeybot, or pick another channel",
            )
        if error == "missing_scope":
            return Check(
                name,
                False,
                f"cannot check {channel}: the token lacks channels:read or groups:read"
                " (update the app from manifest.yml and reinstall it)",
            )
        return Check(name, False, f"cannot check {channel} ({where}): {error}")
    except (SlackRequestError, OSError) as e:
        return Check(name, False, f"cannot check {channel}: {e}")
    label = f"#{info.get('name')} ({channel}, {where})"
    if info.get("is_archived"):
        return Check(name, False, f"{label} is archived: unarchive it or pick another channel")
    if not info.get("is_member"):
        return Check(
            name, False, f"{label}: the bot is not a member; invite it with /invite @journeybot"
        )
    return Check(name, True, f"{label} exists and the bot is a member")


def run_checks(settings: Settings) -> list[Check]:
    """Return the result of every check, in the order a person would fix them."""
    steps: list[Callable[[Settings], Check | Iterator[Check]]] = [
        check_config,
        check_database,
        check_slack_token,
        check_install,
        check_signing_secret,
        check_app_token,
        check_roadmap_channel,
        check_outbox,
        check_notion,
    ]
    results: list[Check] = []
    for step in steps:
        outcome = step(settings)
        results.extend([outcome] if isinstance(outcome, Check) else outcome)
    return results
