"""The Slack emulator's workspaces and its OAuth v2 install, through the real WebClient."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack import SlackEmulator

REDIRECT = "https://bot.example.com/slack/oauth_redirect"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_workspace(
            "T0ACME",
            name="Acme",
            users={"U0ACE": {"name": "ace", "is_admin": True}},
            channels={"C0ACME": "acme-roadmap"},
        )
        emulator.add_workspace(
            "T0NORTH",
            users={"W0NOR": {"name": "nor"}},
            channels={"C0NORTH": "north"},
            enterprise_id="E0GRID",
            enterprise_name="Grid Org",
        )
        emulator.add_workspace(
            "T0SOUTH",
            users={"W0SOU": {"name": "sou"}},
            channels={"C0SOUTH": "south"},
            enterprise_id="E0GRID",
        )
        yield emulator


def _authorize_url(slack: SlackEmulator, **extra: str) -> str:
    query = {"client_id": slack.client_id, "scope": "chat:write,commands", "state": "s1"}
    return f"{slack.base_url}/oauth/v2/authorize?{urlencode({**query, **extra})}"


def _code(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


def _exchange(slack: SlackEmulator, code: str, **kwargs: str) -> dict:
    client = WebClient(base_url=slack.api_url)
    options = {"client_id": slack.client_id, "client_secret": slack.client_secret, **kwargs}
    return client.oauth_v2_access(code=code, **options).data  # type: ignore[return-value]


def _install(slack: SlackEmulator, team_id: str, user: str) -> dict:
    """Allow the install as `user` of `team_id` and exchange the code Slack redirects with."""
    return _exchange(
        slack, _code(slack.authorize(_authorize_url(slack), team_id=team_id, user=user))
    )


def test_allowing_an_install_redirects_with_a_code_and_the_state(slack: SlackEmulator) -> None:
    location = slack.authorize(
        _authorize_url(slack, redirect_uri=REDIRECT), team_id="T0ACME", user="U0ACE"
    )
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"] and query["code"][0]


def test_cancelling_an_install_redirects_with_access_denied(slack: SlackEmulator) -> None:
    slack.redirect_url = REDIRECT
    location = slack.authorize(_authorize_url(slack), team_id="T0ACME", user="U0ACE", allow=False)
    assert parse_qs(urlsplit(location).query) == {"error": ["access_denied"], "state": ["s1"]}


def test_a_code_becomes_a_bot_token_of_that_workspace_in_slacks_shape(
    slack: SlackEmulator,
) -> None:
    slack.redirect_url = REDIRECT
    answer = _install(slack, "T0ACME", "U0ACE")
    token = answer.pop("access_token")
    assert token.startswith("xoxb-")
    assert answer == {
        "ok": True,
        "token_type": "bot",
        "scope": "chat:write,commands",
        "bot_user_id": "UBOTT0ACME",
        "app_id": slack.app_id,
        "team": {"id": "T0ACME", "name": "Acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": "U0ACE"},
    }
    acme = slack.workspace("T0ACME")
    client = WebClient(token=token, base_url=slack.api_url)
    assert client.auth_test()["team_id"] == "T0ACME"
    client.chat_postMessage(channel="C0ACME", text="hello Acme")
    assert [m["text"] for m in acme.messages("C0ACME")] == ["hello Acme"]
    assert slack.count("chat.postMessage") == 0
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C0ROADMAP", text="not in Acme")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"client_id": "0000.0000"}, "invalid_client_id"),
        ({"client_secret": "wrong"}, "bad_client_secret"),
        ({"redirect_uri": "https://elsewhere.example.com/"}, "bad_redirect_uri"),
    ],
)
def test_wrong_credentials_or_redirect_are_refused(
    slack: SlackEmulator, options: dict[str, str], error: str
) -> None:
    location = slack.authorize(
        _authorize_url(slack, redirect_uri=REDIRECT), team_id="T0ACME", user="U0ACE"
    )
    with pytest.raises(SlackApiError) as raised:
        _exchange(slack, _code(location), **options)
    assert raised.value.response["error"] == error


def test_a_code_works_once_and_an_unknown_code_never(slack: SlackEmulator) -> None:
    slack.redirect_url = REDIRECT
    code = _code(slack.authorize(_authorize_url(slack), team_id="T0ACME", user="U0ACE"))
    _exchange(slack, code)
    for bad, error in ((code, "code_already_used"), ("made-up", "invalid_code")):
        with pytest.raises(SlackApiError) as raised:
            _exchange(slack, bad)
        assert raised.value.response["error"] == error


def test_an_org_wide_token_acts_in_the_workspace_each_call_names(slack: SlackEmulator) -> None:
    slack.redirect_url = REDIRECT
    location = slack.authorize(
        _authorize_url(slack), user="W0NOR", enterprise_id="E0GRID", org_wide=True
    )
    answer = _exchange(slack, _code(location))
    assert answer["team"] is None and answer["is_enterprise_install"] is True
    assert answer["enterprise"] == {"id": "E0GRID", "name": "Grid Org"}
    client = WebClient(token=answer["access_token"], base_url=slack.api_url)
    test = client.auth_test()
    assert test["enterprise_id"] == "E0GRID" and test["is_enterprise_install"] is True
    client.chat_postMessage(channel="C0SOUTH", text="hello south")
    client.chat_postMessage(channel="C0NORTH", text="hello north")
    assert [m["text"] for m in slack.workspace("T0SOUTH").messages("C0SOUTH")] == ["hello south"]
    assert [m["text"] for m in slack.workspace("T0NORTH").messages("C0NORTH")] == ["hello north"]
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_postMessage(channel="C0ACME", text="Acme is not in the org")


def test_a_revoked_install_answers_token_revoked_and_others_keep_working(
    slack: SlackEmulator,
) -> None:
    slack.redirect_url = REDIRECT
    acme = _install(slack, "T0ACME", "U0ACE")
    north = _install(slack, "T0NORTH", "W0NOR")
    slack.revoke_install("T0ACME")
    with pytest.raises(SlackApiError, match="token_revoked"):
        WebClient(token=acme["access_token"], base_url=slack.api_url).auth_test()
    assert WebClient(token=north["access_token"], base_url=slack.api_url).auth_test()["ok"]
    assert set(slack.installed_tokens) == {north["access_token"]}


def test_a_reinstall_gets_the_same_bot_token_and_one_after_leaving_a_new_one(
    slack: SlackEmulator,
) -> None:
    slack.redirect_url = REDIRECT

    def install() -> str:
        location = slack.authorize(_authorize_url(slack), team_id="T0ACME", user="U0ACE")
        return str(_exchange(slack, _code(location))["access_token"])

    first = install()
    assert install() == first
    slack.revoke_install("T0ACME")
    again = install()
    assert again != first and set(slack.installed_tokens) == {again}


def test_ids_the_workspaces_hand_out_never_collide(slack: SlackEmulator) -> None:
    dms = {slack.workspace(t).dm_channel(u) for t, u in (("T0ACME", "U0ACE"), ("T0NORTH", "W0NOR"))}
    dms.add(slack.dm_channel("U0BEN"))
    assert len(dms) == 3


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _open(url: str) -> tuple[int, str, str]:
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Location", ""), error.read().decode()


def test_the_authorize_page_redirects_a_browser_as_the_workspace_s_owner(
    slack: SlackEmulator,
) -> None:
    slack.redirect_url = REDIRECT
    status, location, _ = _open(_authorize_url(slack, team="T0ACME"))
    assert status == 302 and location.startswith(REDIRECT + "?")
    answer = _exchange(slack, _code(location))
    assert answer["team"]["id"] == "T0ACME" and answer["authed_user"] == {"id": "U0ACE"}
    status, location, _ = _open(_authorize_url(slack, team="E0GRID"))
    assert status == 302 and _exchange(slack, _code(location))["is_enterprise_install"]


def test_the_authorize_page_without_a_workspace_or_with_a_wrong_client_says_so(
    slack: SlackEmulator,
) -> None:
    slack.redirect_url = REDIRECT
    status, _, body = _open(_authorize_url(slack))
    assert status == 400 and "team=T" in body
    status, _, body = _open(_authorize_url(slack, team="T0ACME", client_id="0000.0000"))
    assert status == 400 and "Invalid client_id" in body
