"""The Slack emulator's Socket Mode, driven by slack_sdk's built-in client and Bolt."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import wait_for
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.sandbox.slack import SlackEmulator, Workspace, plain_text_value


class Recorder:
    """A real SocketModeClient that records every message and acks what it is told to."""

    def __init__(self, slack: SlackEmulator, answer: Callable[[SocketModeRequest], Any]) -> None:
        self.slack = slack
        self.messages: list[dict[str, Any]] = []
        self.answer = answer
        self.client = SocketModeClient(
            app_token=slack.app_token,
            web_client=WebClient(base_url=slack.api_url),
            ping_interval=0.5,
        )
        self.client.message_listeners.append(
            lambda _c, message, _raw: self.messages.append(message)
        )
        self.client.socket_mode_request_listeners.append(self._on_request)

    def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        answer = self.answer(request)
        if answer is not False:
            payload = answer if isinstance(answer, dict) else None
            client.send_socket_mode_response(
                SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
            )

    def envelopes(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if "envelope_id" in m]

    def close(self) -> None:
        self.slack.socket_mode.hang_up(self.client)


@pytest.fixture
def recorder(slack: SlackEmulator) -> Iterator[Callable[..., Recorder]]:
    made: list[Recorder] = []

    def make(answer: Callable[[SocketModeRequest], Any] = lambda _r: None) -> Recorder:
        recorder = Recorder(slack, answer)
        recorder.client.connect()
        assert slack.socket_mode.wait_for_connections(len(made) + 1)
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        recorder.close()


def test_apps_connections_open_answers_a_link_for_the_app_token_only(slack):
    client = WebClient(base_url=slack.api_url)
    url = client.apps_connections_open(app_token=slack.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{slack.port}/link/?ticket=")
    assert url.endswith(f"&app_id={slack.app_id}")

    def error(token: str) -> str:
        with pytest.raises(SlackApiError) as raised:
            client.apps_connections_open(app_token=token)
        return raised.value.response["error"]

    assert error("xapp-1-made-up") == "invalid_auth"
    assert error(slack.token) == "not_allowed_token_type"
    slack.revoke_app_token()
    assert error(slack.app_token) == "invalid_auth"


def test_the_bot_token_is_refused_where_the_app_token_is_needed_and_vice_versa(slack):
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.api_url, token=slack.app_token).auth_test()
    assert raised.value.response["error"] == "not_allowed_token_type"


def test_a_ticket_opens_one_link_only(slack):
    url = urlsplit(
        WebClient(base_url=slack.api_url).apps_connections_open(app_token=slack.app_token)["url"]
    )
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    statuses = []
    for _ in range(2):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        connection.request("GET", f"{url.path}?{url.query}", headers=headers)
        response = connection.getresponse()
        statuses.append(response.status)
        if response.status == 101:
            # RFC 6455's own example key and answer.
            assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        connection.close()
    assert statuses == [101, 401]


def test_the_link_says_hello_then_sends_envelopes_shaped_like_slacks(slack, recorder):
    client = recorder()
    hub = slack.socket_mode

    assert hub.deliver("slash_commands", {"command": "/pain"}, accepts_response_payload=True) == {}
    assert hub.deliver("events_api", {"type": "event_callback", "event_id": "Ev1"}) == {}

    hello = client.messages[0]
    assert hello["type"] == "hello"
    assert hello["num_connections"] == 1
    assert hello["connection_info"] == {"app_id": slack.app_id}
    command, event = client.envelopes()
    assert set(command) == {"envelope_id", "payload", "type", "accepts_response_payload"}
    assert (command["type"], command["accepts_response_payload"]) == ("slash_commands", True)
    assert event["type"] == "events_api"
    assert (event["retry_attempt"], event["retry_reason"]) == (0, "")
    assert [a.type for a in hub.acks] == ["slash_commands", "events_api"]


def test_the_ack_payload_comes_back_to_the_sender(slack, recorder):
    recorder(lambda request: {"text": f"Noted: {request.payload['text']}"})
    ack = slack.socket_mode.deliver(
        "slash_commands", {"text": "slow"}, accepts_response_payload=True
    )
    assert ack == {"text": "Noted: slow"}


def test_no_ack_within_the_timeout_is_none(slack, recorder):
    recorder(lambda _request: False)
    assert slack.socket_mode.deliver("interactive", {"type": "shortcut"}, timeout=0.3) is None
    assert slack.socket_mode.unacked == 0


def test_an_envelope_waits_for_a_link_when_none_is_open(slack, recorder):
    hub = slack.socket_mode
    answers: list[Any] = []
    sender = threading.Thread(target=lambda: answers.append(hub.deliver("interactive", {"n": 1})))
    sender.start()
    time.sleep(0.2)
    recorder()
    sender.join(timeout=5)
    assert answers == [{}]


def test_an_envelope_unacked_when_its_link_closes_is_sent_again_as_a_retry(slack, recorder):
    seen: list[SocketModeRequest] = []

    def ack_the_second_time(request: SocketModeRequest) -> Any:
        seen.append(request)
        return None if len(seen) > 1 else False

    client = recorder(ack_the_second_time)
    hub = slack.socket_mode
    hub.ack_window = 0.2
    answers: list[Any] = []
    event = {"type": "event_callback", "event_id": "Ev1"}
    sender = threading.Thread(target=lambda: answers.append(hub.deliver("events_api", event)))
    sender.start()
    wait_for(lambda: seen)
    hub.drop()
    sender.join(timeout=10)

    assert answers == [{}]
    first, again = client.envelopes()
    assert first["envelope_id"] == again["envelope_id"]
    assert (first["retry_attempt"], again["retry_attempt"]) == (0, 1)
    assert again["retry_reason"] == "timeout"
    assert hub.connections_opened == 2
    [ack] = hub.acks
    assert ack.retry_attempt == 1


def test_an_event_not_acked_in_time_comes_again_but_a_command_does_not(slack, recorder):
    seen: list[SocketModeRequest] = []

    def ack_events_the_second_time(request: SocketModeRequest) -> Any:
        if request.type != "events_api":
            return False
        seen.append(request)
        return None if len(seen) > 1 else False

    client = recorder(ack_events_the_second_time)
    hub = slack.socket_mode
    hub.ack_window = 0.2
    assert hub.deliver("slash_commands", {"command": "/pain"}, timeout=0.5) is None
    assert len(client.envelopes()) == 1
    assert hub.deliver("events_api", {"type": "event_callback", "event_id": "Ev1"}) == {}

    first, again = client.envelopes()[1:]
    assert first["envelope_id"] == again["envelope_id"]
    assert [(e["retry_attempt"], e["retry_reason"]) for e in (first, again)] == [
        (0, ""),
        (1, "timeout"),
    ]
    assert hub.connections_opened == 1


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
def test_a_disconnect_message_makes_the_client_open_a_new_link(slack, recorder, reason):
    client = recorder()
    slack.socket_mode.disconnect(reason)
    assert slack.socket_mode.wait_for_connections(2)
    # slack_sdk acts on disconnect messages itself; listeners see the new link's hello.
    wait_for(lambda: [m["type"] for m in client.messages] == ["hello", "hello"])
    assert client.messages[1]["num_connections"] == 2
    # The old link is closed once the new one is open; work goes on over the new one.
    wait_for(lambda: slack.socket_mode.open_connections == 1)
    assert slack.socket_mode.deliver("interactive", {"n": 2}) == {}


def test_a_disconnect_reason_slack_does_not_send_is_refused(slack):
    with pytest.raises(ValueError, match="unknown disconnect reason"):
        slack.socket_mode.disconnect("bored")


def test_people_submitting_a_modal_over_socket_mode_see_the_response_action(slack):
    app = App(client=WebClient(base_url=slack.api_url, token=slack.token))
    updated = {
        "type": "modal",
        "callback_id": "thanks",
        "title": {"type": "plain_text", "text": "Thanks"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Saved"}}],
    }

    @app.view("pain_modal")
    def save(ack: Callable[..., None], view: dict[str, Any]) -> None:
        if not view["state"]["values"]["what"]["text"]["value"]:
            ack(response_action="errors", errors={"what": "Tell us what hurts"})
        else:
            ack(response_action="update", view=updated)

    handler = SocketModeHandler(app, slack.app_token)
    handler.connect()
    try:
        people = Workspace.over_socket_mode(slack)
        modal = {
            "type": "modal",
            "callback_id": "pain_modal",
            "title": {"type": "plain_text", "text": "Pain"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": "what",
                    "label": {"type": "plain_text", "text": "What hurts?"},
                    "element": {"type": "plain_text_input", "action_id": "text"},
                }
            ],
        }
        app.client.views_open(trigger_id=slack.issue_trigger_id("U0ADA"), view=modal)

        refused = people.view_submission(
            "U0ADA", "pain_modal", {"what": {"text": plain_text_value("")}}
        )
        assert refused.json() == {
            "response_action": "errors",
            "errors": {"what": "Tell us what hurts"},
        }
        assert slack.modal("U0ADA")["callback_id"] == "pain_modal"

        people.view_submission("U0ADA", "pain_modal", {"what": {"text": plain_text_value("slow")}})
        assert slack.modal("U0ADA")["callback_id"] == "thanks"
        [envelope] = [a for a in slack.socket_mode.acks if a.ack.get("response_action") == "update"]
        assert envelope.type == "interactive"
        assert json.dumps(envelope.payload["view"]["state"]).count("slow") == 1
    finally:
        slack.socket_mode.hang_up(handler.client)
