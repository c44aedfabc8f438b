"""One journeybot installed in several workspaces through Slack's install flow, for tests.

`Fleet` runs the real Bolt app with SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and
SLACK_STATE_SECRET set, over HTTP or Socket Mode (then the install pages get an HTTP
listener of their own, as `journeybot run` does), and installs workspaces the way a
person does: open `/slack/install`, click "Add to Slack", allow on Slack's page, come back
to `/slack/oauth_redirect` with the state cookie.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from slack_helpers import SECRET
from slack_sdk import WebClient

from bot.config import AppConfig, Settings, SlackConfig
from bot.sandbox.slack import SlackEmulator, Workspace, plain_text_value
from bot.services import Services
from bot.slack import clients
from bot.slack.app import JourneyApp, build_app
from bot.slack.http_server import serve_http
from bot.slack.install import INSTALL_PATH, REDIRECT_PATH, Installs
from bot.slack.runtime import Runtime
from bot.slack.socket_mode import connect_socket_mode
from prioritize.models import Idea
from storage.store import Store

STATE_SECRET = "test-state-secret"
COOKIE = "slack-app-oauth-state"


class Page(NamedTuple):
    """What the browser got: status, body, headers (lower-case names)."""

    status: int
    body: str
    headers: dict[str, str]


def browse(url: str, *, cookie: str | None = None) -> Page:
    """GET `url` as a browser would (without following redirects)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Page(response.status, response.read().decode("utf-8"), headers)
    except urllib.error.HTTPError as error:
        with error:
            headers = {k.lower(): v for k, v in error.headers.items()}
            return Page(error.code, error.read().decode("utf-8"), headers)


def people_of(team_id: str, n: int = 2) -> dict[str, dict[str, Any]]:
    """`n` people of a workspace, the first one its owner; ids carry the workspace."""
    people: dict[str, dict[str, Any]] = {}
    for i in range(n):
        people[f"U{team_id}{i}"] = {
            "name": f"{team_id.lower()}-{i}",
            "real_name": f"Person {i} of {team_id}",
            "is_owner": i == 0,
            "is_admin": i == 0,
        }
    return people


@dataclass
class Member:
    """One installed workspace: its emulated Slack, its people, its roadmap channel."""

    team_id: str
    slack: SlackEmulator
    people: Workspace
    channel: str
    users: list[str]
    """Its people, the owner first."""


@dataclass
class Fleet:
    """A running journeybot and the workspaces around it."""

    slack: SlackEmulator
    app: JourneyApp
    services: Services
    store: Store
    runtime: Runtime
    transport: str
    events_url: str
    pages_url: str
    """Where people's browsers reach the bot: http://host:port (no path)."""
    tmp_path: Path
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def installs(self) -> Installs:
        assert self.app.installs is not None
        return self.app.installs

    def settle(self, timeout: float = 10.0) -> None:
        assert self.runtime.drain(timeout), "after-the-ack work did not finish"

    def workspace(
        self,
        team_id: str,
        *,
        people: int = 2,
        enterprise_id: str | None = None,
    ) -> Member:
        """Add a workspace to the emulator with its own people and roadmap channel."""
        channel = f"C{team_id}RM"
        emulated = (
            self.slack
            if team_id == self.slack.workspace_id
            else self.slack.add_workspace(
                team_id,
                name=f"Team {team_id}",
                users=people_of(team_id, people),
                channels={channel: f"roadmap-{team_id.lower()}"},
                enterprise_id=enterprise_id,
                enterprise_name=enterprise_id and f"Org {enterprise_id}",
            )
        )
        if emulated is self.slack:
            for user, fields in people_of(team_id, people).items():
                self.slack.add_user(user, **fields)
            self.slack.add_channel(channel, f"roadmap-{team_id.lower()}")
        users = list(people_of(team_id, people))
        member = Member(team_id, emulated, self.people(emulated), channel, users)
        self.members[team_id] = member
        return member

    def people(self, emulated: SlackEmulator, **options: Any) -> Workspace:
        """People of `emulated` reaching the bot the way this fleet runs (HTTP or socket)."""
        if self.transport == "socket_mode":
            return Workspace.over_socket_mode(emulated, **options)
        return Workspace(emulated, self.events_url, SECRET, **options)

    def install_page(self) -> tuple[Page, str, str]:
        """Open "Add to Slack": the page, the authorize URL it links to, the state cookie."""
        page = browse(self.pages_url + INSTALL_PATH)
        assert page.status == 200, page
        link = re.search(r'href="([^"]+oauth/v2/authorize[^"]*)"', page.body)
        assert link, page.body
        cookie = page.headers.get("set-cookie", "").split(";")[0]
        return page, html.unescape(link[1]), cookie

    def install(
        self,
        team_id: str | None,
        user: str,
        *,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> Page:
        """Install journeybot as `user` would, from the install page to the success page."""
        _, authorize_url, cookie = self.install_page()
        location = self.slack.authorize(
            authorize_url,
            team_id=team_id,
            user=user,
            enterprise_id=enterprise_id,
            org_wide=org_wide,
        )
        return browse(location, cookie=cookie)

    @contextmanager
    def serving(self, member: Member) -> Iterator[None]:
        """Act as a request from `member` would: admin checks ask its Slack, with its token."""
        found = self.installs.bot(member.team_id, member.slack.enterprise_id)
        assert found is not None, f"{member.team_id} is not installed"
        with clients.serving(WebClient(token=found.bot_token, base_url=self.slack.api_url)):
            yield

    def set_channel(self, member: Member) -> None:
        """An admin of `member` picks its roadmap channel (App Home's setting)."""
        with self.serving(member):
            self.services.set_roadmap_channel(member.team_id, member.channel, by=member.users[0])

    def propose(self, member: Member, user: str, title: str) -> Idea:
        """Submit the idea modal in `member`'s workspace; return the idea once its card is up."""
        values = {
            "title": {"title": plain_text_value(title)},
            "description": {"description": plain_text_value(None)},
            "pain_point_ids": {
                "pain_search": {"type": "multi_external_select", "selected_options": []}
            },
            "weeks": {"weeks": plain_text_value(None)},
        }
        reply = member.people.view_submission(user, "idea_modal", values)
        assert reply.status == 200 and not reply.body.strip(), reply
        self.settle()
        idea = self.store.ideas.all(member.team_id, proposer=user)[-1]
        assert idea.card_ts, "the idea's card was not posted"
        return idea


def oauth_settings(
    slack: SlackEmulator, tmp_path: Path, *, socket_mode: bool, **more: Any
) -> Settings:
    """The environment of a journeybot installed through Slack's install flow."""
    values: dict[str, Any] = {
        "slack_client_id": slack.client_id,
        "slack_client_secret": slack.client_secret,
        "slack_state_secret": STATE_SECRET,
        "slack_signing_secret": None if socket_mode else SECRET,
        "slack_app_token": slack.app_token if socket_mode else None,
        "slack_api_url": slack.api_url,
        "journeybot_db": tmp_path / "journeybot.db",
    }
    return Settings(**{**values, **more})


def start_fleet(
    slack: SlackEmulator,
    tmp_path: Path,
    clock: Any,
    transport: str,
    stops: list[Any],
    *,
    roadmap_channel: str | None = None,
) -> Fleet:
    """Start journeybot with the install flow on; `stops` collects what to stop after."""
    socket_mode = transport == "socket_mode"
    settings = oauth_settings(slack, tmp_path, socket_mode=socket_mode)
    config = AppConfig(slack=SlackConfig(card_update_delay=0.05, roadmap_channel=roadmap_channel))
    store = Store.open(settings.journeybot_db)
    services = Services(store, config.journey, clock=clock)
    runtime = Runtime()
    app = build_app(settings, config, services, runtime=runtime, socket_mode=socket_mode)
    if socket_mode:
        handler = connect_socket_mode(app, slack.app_token, ping_interval=1)
        pages, _ = serve_http(None, oauth=app.oauth_flow)
        events_url = ""
        stops.append(lambda: slack.socket_mode.hang_up(handler.client))
        server = pages
    else:
        server, events_url = serve_http(app, signing_secret=SECRET)
    host, port = server.server_address[:2]
    pages_url = f"http://{host}:{port}"
    slack.redirect_url = pages_url + REDIRECT_PATH
    stops.append(server.shutdown)
    stops.append(server.server_close)
    stops.append(lambda: runtime.close(timeout=5))
    stops.append(store.close)
    return Fleet(slack, app, services, store, runtime, transport, events_url, pages_url, tmp_path)
