"""Installing journeybot through Slack's install flow, and leaving: one token per workspace."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fleet import COOKIE, Fleet, Member, Page, browse, oauth_settings

from bot.config import ConfigError
from bot.doctor import check_install, check_outbox
from bot.slack.install import REDIRECT_PATH, Installs


def org_installed(fleet: Fleet) -> tuple[Member, Member, Page]:
    """Install journeybot org-wide for org E0GRID (workspaces T0NORTH and T0SOUTH): both
    members with their people reaching the bot as the org's, and the success page."""
    north = fleet.workspace("T0NORTH", enterprise_id="E0GRID")
    south = fleet.workspace("T0SOUTH", enterprise_id="E0GRID")
    page = fleet.install(None, north.users[0], enterprise_id="E0GRID", org_wide=True)
    for member in (north, south):
        member.people = fleet.people(member.slack, org_wide=True)
    return north, south, page


def test_the_install_page_links_to_slack_with_the_app_and_its_scopes(fleet: Fleet) -> None:
    page, authorize_url, cookie = fleet.install_page()
    assert "Add to Slack" in page.body
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(fleet.slack.base_url + "/oauth/v2/authorize")
    assert query["client_id"] == [fleet.slack.client_id]
    assert "chat:write" in query["scope"][0].split(",")
    assert cookie.startswith(f"{COOKIE}=") and query["state"][0] in cookie


def test_an_installed_workspace_is_served_with_its_own_token(fleet: Fleet) -> None:
    acme = fleet.workspace("T0ACME")
    page = fleet.install("T0ACME", acme.users[0])
    assert page.status == 200 and "journeybot is installed" in page.body
    assert "Team T0ACME" in page.body
    [installed] = fleet.installs.installed()
    assert installed.team_id == "T0ACME" and not installed.org_wide
    fleet.set_channel(acme)
    reply = acme.people.slash(acme.users[1], "/pain", "Checkout is slow", channel=acme.channel)
    assert reply.status == 200
    fleet.settle()
    assert [p.text for p in fleet.store.pains.all("T0ACME")] == ["Checkout is slow"]
    idea = fleet.propose(acme, acme.users[1], "Faster checkout")
    assert acme.slack.message(acme.channel, idea.card_ts or "") is not None
    # Every call about this workspace reached it, none the emulator's first workspace.
    assert acme.slack.count("chat.postMessage") >= 1
    assert fleet.slack.count("chat.postMessage") == 0


def test_a_workspace_that_did_not_install_is_refused_before_any_listener(
    fleet: Fleet, caplog: pytest.LogCaptureFixture
) -> None:
    acme = fleet.workspace("T0ACME")
    fleet.install("T0ACME", acme.users[0])
    other = fleet.workspace("T0OTHER")
    with caplog.at_level(logging.WARNING):
        reply = other.people.slash(other.users[0], "/pain", "Checkout fails")
    fleet.settle()
    if fleet.transport == "http":
        assert reply.status == 403
    assert fleet.store.pains.all("T0OTHER") == []
    assert "T0OTHER" in caplog.text and "not installed" in caplog.text
    assert other.slack.responses() == [] and other.slack.calls == []


def test_without_the_state_cookie_the_install_is_refused_and_nothing_is_stored(
    fleet: Fleet,
) -> None:
    acme = fleet.workspace("T0ACME")
    _, authorize_url, _ = fleet.install_page()
    location = fleet.slack.authorize(authorize_url, team_id="T0ACME", user=acme.users[0])
    page = browse(location)
    assert page.status == 400 and "expired" in page.body
    assert fleet.installs.installed() == []


def test_a_forged_state_is_refused_and_nothing_is_stored(fleet: Fleet) -> None:
    acme = fleet.workspace("T0ACME")
    _, authorize_url, _ = fleet.install_page()
    forged = authorize_url.replace("state=", "state=forged", 1)
    location = fleet.slack.authorize(forged, team_id="T0ACME", user=acme.users[0])
    state = parse_qs(urlsplit(location).query)["state"][0]
    page = browse(location, cookie=f"{COOKIE}={state}")
    assert page.status == 400 and "not valid" in page.body
    assert fleet.installs.installed() == []


@pytest.mark.parametrize("state", ["abc.\u00e9", "\u00e9.\u00e9"])
def test_a_state_with_non_ascii_characters_is_refused_as_not_valid(
    fleet: Fleet, state: str
) -> None:
    url = f"{fleet.pages_url}{REDIRECT_PATH}?code=abc&state={quote(state)}"
    page = browse(url, cookie=f"{COOKIE}={state}")
    assert page.status == 400 and "This install link is not valid" in page.body
    assert fleet.installs.installed() == []


def test_a_replayed_redirect_is_refused_the_second_time(fleet: Fleet) -> None:
    acme = fleet.workspace("T0ACME")
    _, authorize_url, cookie = fleet.install_page()
    location = fleet.slack.authorize(authorize_url, team_id="T0ACME", user=acme.users[0])
    assert browse(location, cookie=cookie).status == 200
    again = browse(location, cookie=cookie)
    assert again.status == 400 and "not valid" in again.body
    assert len(fleet.installs.installed()) == 1


@pytest.mark.parametrize(
    ("code", "said"),
    [("", "no code"), ("&code=made-up", "refused the code")],
    ids=["none", "made-up"],
)
def test_a_redirect_without_a_code_slack_accepts_is_refused_and_nothing_is_stored(
    fleet: Fleet, code: str, said: str
) -> None:
    _, authorize_url, cookie = fleet.install_page()
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    page = browse(f"{fleet.pages_url}{REDIRECT_PATH}?state={state}{code}", cookie=cookie)
    assert page.status == 400 and said in page.body
    assert fleet.installs.installed() == []


def test_a_cancelled_install_says_nothing_was_installed(fleet: Fleet) -> None:
    acme = fleet.workspace("T0ACME")
    _, authorize_url, cookie = fleet.install_page()
    location = fleet.slack.authorize(
        authorize_url, team_id="T0ACME", user=acme.users[0], allow=False
    )
    assert "error=access_denied" in location
    page = browse(location, cookie=cookie)
    assert page.status == 403 and "cancelled" in page.body and "/slack/install" in page.body
    assert fleet.installs.installed() == []


def test_an_installation_that_cannot_be_stored_is_a_clear_page_not_a_500(fleet: Fleet) -> None:
    acme = fleet.workspace("T0ACME")
    with fleet.installs._connect() as conn:
        # Stands in for a disk that refuses the write: the store's table is gone.
        conn.execute("drop table slack_bots")
    page = fleet.install("T0ACME", acme.users[0])
    assert page.status == 503 and "could not store" in page.body
    with fleet.installs._connect() as conn:
        assert conn.execute("select count(*) from slack_installations").fetchone() == (0,)


def test_a_reinstall_that_cannot_be_stored_keeps_the_working_installation(
    fleet: Fleet,
) -> None:
    acme = fleet.workspace("T0ACME")
    assert fleet.install("T0ACME", acme.users[0]).status == 200
    working = fleet.installs.bot("T0ACME")
    assert working is not None
    with fleet.installs._connect() as conn:
        # Stands in for a disk that refuses the reinstall's second write.
        conn.execute(
            "create trigger refuse before insert on slack_bots"
            " begin select raise(abort, 'disk full'); end"
        )
    page = fleet.install("T0ACME", acme.users[0])
    assert page.status == 503 and "could not store" in page.body
    with fleet.installs._connect() as conn:
        conn.execute("drop trigger refuse")
        # The reinstall's first write was taken back; the first install's row stays.
        assert conn.execute("select count(*) from slack_installations").fetchone() == (1,)
    kept = fleet.installs.bot("T0ACME")
    assert kept is not None and kept.bot_token == working.bot_token
    acme.people.slash(acme.users[0], "/pain", "Still installed")
    fleet.settle()
    assert [p.text for p in fleet.store.pains.all("T0ACME")] == ["Still installed"]


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
def test_leaving_deletes_that_workspace_s_tokens_at_once_and_the_others_keep_working(
    fleet: Fleet, event: str
) -> None:
    acme, umbrella = fleet.workspace("T0ACME"), fleet.workspace("T0UMB")
    for member in (acme, umbrella):
        fleet.install(member.team_id, member.users[0])
        fleet.set_channel(member)
    fleet.settle()
    acme.slack.reset_calls()
    fleet.slack.revoke_install("T0ACME")
    inner = {"type": event}
    if event == "tokens_revoked":
        inner["tokens"] = {"oauth": [], "bot": [acme.slack.bot_user_id]}
    reply = acme.people.event(inner)
    assert reply.status == 200
    fleet.settle()
    assert [i.team_id for i in fleet.installs.installed()] == ["T0UMB"]
    refused = acme.people.slash(acme.users[0], "/pain", "Still here?")
    if fleet.transport == "http":
        assert refused.status == 403
    fleet.propose(umbrella, umbrella.users[1], "Umbrella still works")
    # An effect recorded for the workspace that left is refused for good, not retried.
    fleet.services.refresh_home("T0ACME", acme.users[0])
    fleet.settle()
    failed = {(f["team_id"], f["error"]) for f in fleet.services.outbox.failures(limit=5)}
    assert failed == {("T0ACME", "not_installed")}
    assert not [c for c in acme.slack.calls if c.method == "views.publish" and not c.error]


def test_a_token_revoked_mid_run_stops_that_workspace_s_updates_with_a_log_line(
    fleet: Fleet, caplog: pytest.LogCaptureFixture
) -> None:
    acme, umbrella = fleet.workspace("T0ACME"), fleet.workspace("T0UMB")
    for member in (acme, umbrella):
        fleet.install(member.team_id, member.users[0])
    fleet.slack.revoke_install("T0ACME")
    with caplog.at_level(logging.WARNING):
        fleet.services.refresh_home("T0ACME", acme.users[0])
        fleet.services.refresh_home("T0UMB", umbrella.users[0])
        fleet.settle()
    assert "bot token of workspace T0ACME (token_revoked)" in caplog.text
    assert umbrella.slack.home(umbrella.users[0]) is not None
    failed = fleet.services.outbox.failures(limit=5)
    assert [(f["team_id"], f["error"]) for f in failed] == [("T0ACME", "install_revoked")]


def test_an_org_wide_install_serves_every_workspace_of_the_org_with_the_org_token(
    fleet: Fleet,
) -> None:
    outsider = fleet.workspace("T0ALONE")
    north, south, page = org_installed(fleet)
    assert page.status == 200 and "Org E0GRID" in page.body
    [installed] = fleet.installs.installed()
    assert installed.org_wide and installed.enterprise_id == "E0GRID"
    for member in (north, south):
        fleet.set_channel(member)
        idea = fleet.propose(member, member.users[1], f"Idea of {member.team_id}")
        assert member.slack.message(member.channel, idea.card_ts or "") is not None
    assert north.slack.count("chat.postMessage") == 1 == south.slack.count("chat.postMessage")
    refused = outsider.people.slash(outsider.users[0], "/pain", "Not installed here")
    if fleet.transport == "http":
        assert refused.status == 403
    assert fleet.store.pains.all("T0ALONE") == []


def test_doctor_accepts_the_app_credentials_and_lists_each_install_with_its_age(
    fleet: Fleet,
) -> None:
    acme = fleet.workspace("T0ACME")
    fleet.workspace("T0NORTH", enterprise_id="E0GRID")
    fleet.install("T0ACME", acme.users[0])
    fleet.install(None, "UT0NORTH0", enterprise_id="E0GRID", org_wide=True)
    settings = oauth_settings(fleet.slack, fleet.tmp_path, socket_mode=False)
    credentials, listed = check_install(settings)
    assert credentials.ok and "accepts SLACK_CLIENT_ID" in credentials.detail
    assert listed.ok and listed.detail.startswith("2: ")
    assert "Team T0ACME (T0ACME): token 0 min old" in listed.detail
    assert "org E0GRID (org-wide): token 0 min old" in listed.detail


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ({"slack_client_id": "9999.0000"}, "SLACK_CLIENT_ID is not the app's Client ID"),
        ({"slack_client_secret": "wrong"}, "SLACK_CLIENT_SECRET is wrong"),
        ({"slack_state_secret": None}, "SLACK_STATE_SECRET is not set"),
        ({"slack_state_secret": "short"}, "SLACK_STATE_SECRET looks too short"),
    ],
)
def test_doctor_names_a_wrong_or_missing_install_setting(
    fleet: Fleet, override: dict[str, str | None], says: str
) -> None:
    settings = oauth_settings(fleet.slack, fleet.tmp_path, socket_mode=False, **override)
    [problem] = check_install(settings)
    assert not problem.ok and says in problem.detail


def test_doctor_shows_updates_refused_because_their_workspace_is_not_installed(
    fleet: Fleet,
) -> None:
    fleet.services.refresh_home("T0GONE", "UT0GONE0")
    fleet.settle()
    settings = oauth_settings(fleet.slack, fleet.tmp_path, socket_mode=False)
    check = check_outbox(settings)
    assert not check.ok
    assert "home: not_installed (workspace T0GONE: install it again)" in check.detail


def test_an_org_uninstalling_loses_its_org_wide_token_for_every_workspace_of_the_org(
    fleet: Fleet,
) -> None:
    acme = fleet.workspace("T0ACME")
    north, south, _ = org_installed(fleet)
    fleet.install("T0ACME", acme.users[0])
    fleet.slack.revoke_install(enterprise_id="E0GRID")
    assert north.people.event({"type": "app_uninstalled"}).status == 200
    fleet.settle()
    assert [i.team_id for i in fleet.installs.installed()] == ["T0ACME"]
    for member in (north, south):
        refused = member.people.slash(member.users[0], "/pain", "Still here?")
        if fleet.transport == "http":
            assert refused.status == 403
    fleet.settle()
    assert fleet.store.pains.all("T0NORTH") == fleet.store.pains.all("T0SOUTH") == []
    acme.people.slash(acme.users[0], "/pain", "Acme goes on")
    fleet.settle()
    assert [p.text for p in fleet.store.pains.all("T0ACME")] == ["Acme goes on"]


def test_the_install_pages_listener_takes_slack_events_only_over_http(fleet: Fleet) -> None:
    request = urllib.request.Request(fleet.pages_url + "/slack/events", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    # Over HTTP the same listener serves Slack's events (an unsigned one gets 401); in
    # Socket Mode it has no events endpoint at all.
    assert refused.value.code == (404 if fleet.transport == "socket_mode" else 401)
    refused.value.close()


def test_an_installations_file_that_cannot_be_opened_is_one_line(
    fleet: Fleet, tmp_path: Path
) -> None:
    (tmp_path / "broken-installations.db").write_bytes(b"this is not a database" * 100)
    settings = oauth_settings(
        fleet.slack, tmp_path, socket_mode=False, journeybot_db=tmp_path / "broken.db"
    )
    with pytest.raises(ConfigError, match="cannot open the installations file"):
        Installs(settings)
