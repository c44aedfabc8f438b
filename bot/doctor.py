"""`journeybot doctor`: check a real installation's settings before going live.

Each check returns ok with what it found, or one line saying what to fix.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml
from notion_client import APIResponseError, Client
from notion_client.errors import RequestTimeoutError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from .config import ConfigError, Settings, load_config
from .notion.client import explain
from .notion.provision import REHOME_HINT, gone_message
from .notion.schema import PAINS_TITLE, ROADMAP_TITLE

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


def run_checks(settings: Settings) -> list[Check]:
    """Return the result of every check, in the order a person would fix them."""
    steps: list[Callable[[Settings], Check | Iterator[Check]]] = [
        check_config,
        check_database,
        check_slack_token,
        check_signing_secret,
        check_app_token,
        check_notion,
    ]
    results: list[Check] = []
    for step in steps:
        outcome = step(settings)
        results.extend([outcome] if isinstance(outcome, Check) else outcome)
    return results
