"""The Slack emulator answers the real slack_sdk WebClient the way Slack does."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slack import (
    SlackEmulator,
    Workspace,
    plain_text_value,
    sign,
    signed_headers,
    static_select_value,
)

ROADMAP = "C0ROADMAP"


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return WebClient(base_url=slack.api_url, token=slack.token)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(title: str = "Log a pain point", blocks: list[dict[str, Any]] | None = None) -> dict:
    return {
        "type": "modal",
        "callback_id": "pain_modal",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks if blocks is not None else [section("Where does it hurt?")],
    }


def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


# -- messages ------------------------------------------------------------------------------


def test_post_message_answers_with_channel_ts_and_message(slack, client):
    response = client.chat_postMessage(channel=ROADMAP, text="Checkout is slow")

    assert response["channel"] == ROADMAP
    assert response["message"]["text"] == "Checkout is slow"
    assert response["message"]["bot_id"] == slack.bot_id
    assert response["ts"] == response["message"]["ts"]
    assert slack.message(ROADMAP, response["ts"])["text"] == "Checkout is slow"


def test_ts_are_unique_and_increasing_across_bots_and_people(slack, client):
    first = client.chat_postMessage(channel=ROADMAP, text="one")["ts"]
    second = slack.post_as_user("U0ADA", ROADMAP, "two")["ts"]
    third = client.chat_postMessage(channel=ROADMAP, text="three")["ts"]

    assert first == "1700000000.000100"
    assert float(first) < float(second) < float(third)
    assert slack.message_ts_counter == 3


def test_form_encoded_calls_are_recorded_with_json_fields_decoded(slack, client):
    client.api_call(
        "chat.postMessage",
        params={"channel": ROADMAP, "text": "hi", "blocks": json.dumps([section("hi")])},
    )

    (call,) = slack.calls_to("chat.postMessage")
    assert call.params["blocks"] == [section("hi")]
    assert "token" not in call.params
    assert slack.count() == 1


def test_update_replaces_text_but_keeps_blocks_not_sent_again(slack, client):
    ts = client.chat_postMessage(channel=ROADMAP, text="v1", blocks=[section("v1")])["ts"]

    response = client.chat_update(channel=ROADMAP, ts=ts, text="v2")

    assert response["text"] == "v2"
    stored = slack.message(ROADMAP, ts)
    assert stored["text"] == "v2"
    assert stored["blocks"] == [section("v1")]
    assert "edited" in stored


def test_update_refuses_unknown_and_other_peoples_messages(slack, client):
    human = slack.post_as_user("U0BEN", ROADMAP, "mine")

    unknown = slack_error(lambda: client.chat_update(channel=ROADMAP, ts="1.000001", text="x"))
    foreign = slack_error(lambda: client.chat_update(channel=ROADMAP, ts=human["ts"], text="x"))

    assert unknown.response["error"] == "message_not_found"
    assert foreign.response["error"] == "cant_update_message"


def test_posting_to_a_user_id_opens_a_dm(slack, client):
    response = client.chat_postMessage(channel="U0ADA", text="Your idea was merged")

    assert response["channel"].startswith("D")
    assert [m["text"] for m in slack.dms("U0ADA")] == ["Your idea was merged"]
    assert slack.dm_channel("U0ADA") == response["channel"]


def test_thread_replies_update_their_parent_like_slack(slack, client):
    parent = client.chat_postMessage(channel=ROADMAP, text="parent")["ts"]
    for i in range(4):
        slack.post_as_user("U0BEN", ROADMAP, f"reply {i}", thread_ts=parent)

    head = slack.message(ROADMAP, parent)
    assert head["reply_count"] == 4
    assert head["reply_users"] == ["U0BEN"]
    assert [m["text"] for m in slack.thread(ROADMAP, parent)][-1] == "reply 3"


def test_ephemeral_answers_message_ts_and_is_kept_for_the_user(slack, client):
    response = client.chat_postEphemeral(channel=ROADMAP, user="U0ADA", text="Only you")

    (shown,) = slack.ephemerals("U0ADA")
    assert shown["ts"] == response["message_ts"]
    assert shown["text"] == "Only you"
    assert slack.ephemerals("U0BEN") == []


def test_permalink_points_at_the_message(client):
    ts = client.chat_postMessage(channel=ROADMAP, text="x")["ts"]

    link = client.chat_getPermalink(channel=ROADMAP, message_ts=ts)["permalink"]

    assert link.endswith(f"/archives/{ROADMAP}/p{ts.replace('.', '')}")


def test_reactions_follow_slack_rules(slack, client):
    ts = client.chat_postMessage(channel=ROADMAP, text="vote here")["ts"]
    client.reactions_add(channel=ROADMAP, timestamp=ts, name="eyes")

    again = slack_error(lambda: client.reactions_add(channel=ROADMAP, timestamp=ts, name="eyes"))
    assert again.response["error"] == "already_reacted"
    assert slack.reactions(ROADMAP, ts) == [{"name": "eyes", "users": ["UBOT"], "count": 1}]

    client.reactions_remove(channel=ROADMAP, timestamp=ts, name="eyes")
    gone = slack_error(lambda: client.reactions_remove(channel=ROADMAP, timestamp=ts, name="eyes"))
    assert gone.response["error"] == "no_reaction"


# -- limits --------------------------------------------------------------------------------


def button(text: str = "Vote", value: str = "1", action_id: str = "vote") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x" * 3001)], "/blocks/0/text/text"),
        (
            [section("ok"), {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "/blocks/1/text/text",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        (
            [{"type": "actions", "elements": [button(text="b" * 76)]}],
            "/blocks/0/elements/0/text/text",
        ),
        (
            [{"type": "actions", "elements": [button(value="v" * 2001)]}],
            "/blocks/0/elements/0/value",
        ),
        ([section("ok", block_id="b" * 256)], "/blocks/0/block_id"),
        ([section("a", block_id="same"), section("b", block_id="same")], "/blocks/1/block_id"),
        ([section(str(i)) for i in range(51)], "/blocks"),
    ],
)
def test_messages_over_block_kit_limits_are_invalid_blocks(client, blocks, pointer):
    error = slack_error(lambda: client.chat_postMessage(channel=ROADMAP, text="t", blocks=blocks))

    assert error.response["error"] == "invalid_blocks"
    (message,) = error.response["response_metadata"]["messages"]
    assert message.startswith("[ERROR] ")
    assert message.endswith(f"[json-pointer:{pointer}]")


def test_select_options_are_limited_to_100(client):
    options = [
        {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(101)
    ]
    select = {"type": "static_select", "action_id": "pick", "options": options}

    error = slack_error(
        lambda: client.chat_postMessage(
            channel=ROADMAP, text="t", blocks=[section("pick", accessory=select)]
        )
    )

    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]"
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"channel": ROADMAP, "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": ROADMAP}, "no_text"),
        ({"channel": "C0NOWHERE", "text": "x"}, "channel_not_found"),
        ({"channel": ROADMAP, "text": "x", "thread_ts": "yesterday"}, "invalid_thread_ts"),
    ],
)
def test_bad_messages_get_slacks_error_codes(client, kwargs, code):
    error = slack_error(lambda: client.api_call("chat.postMessage", json=kwargs))
    assert error.response["error"] == code


def test_views_over_limits_are_invalid_arguments(slack, client):
    too_long_title = slack_error(
        lambda: client.views_open(trigger_id=slack.issue_trigger_id("U0ADA"), view=modal("t" * 25))
    )
    too_many_blocks = slack_error(
        lambda: client.views_open(
            trigger_id=slack.issue_trigger_id("U0ADA"),
            view=modal(blocks=[section(str(i)) for i in range(101)]),
        )
    )

    assert too_long_title.response["error"] == "invalid_arguments"
    assert too_long_title.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert too_many_blocks.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


# -- auth, unknown methods, failures -------------------------------------------------------


def test_auth_test_reports_the_bot_and_its_scopes(slack, client):
    response = client.auth_test()

    assert response["user_id"] == "UBOT"
    assert response["team_id"] == "T0001"
    assert response["bot_id"] == slack.bot_id
    assert response.headers["x-oauth-scopes"] == ",".join(slack.scopes)


def test_missing_and_wrong_tokens_are_refused(slack):
    missing = slack_error(lambda: WebClient(base_url=slack.api_url).auth_test())
    wrong = slack_error(lambda: WebClient(base_url=slack.api_url, token="xoxb-nope").auth_test())

    assert missing.response["error"] == "not_authed"
    assert wrong.response["error"] == "invalid_auth"


def test_unknown_methods_are_unknown(client):
    assert slack_error(lambda: client.api_call("pains.log")).response["error"] == "unknown_method"


def test_methods_need_their_scope():
    with SlackEmulator(scopes=["chat:write"]) as slack:
        client = WebClient(base_url=slack.api_url, token=slack.token)
        error = slack_error(lambda: client.users_info(user="U0ADA"))

    assert error.response["error"] == "missing_scope"
    assert error.response["needed"] == "users:read"


def test_rate_limited_call_without_retry_handler_raises_with_retry_after(slack, client):
    slack.fail_next("chat.postMessage", retry_after=30)

    error = slack_error(lambda: client.chat_postMessage(channel=ROADMAP, text="x"))

    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert error.response.headers["Retry-After"] == "30"
    assert slack.messages(ROADMAP) == []


def test_rate_limited_call_is_retried_by_slack_sdk_handler(slack):
    client = WebClient(
        base_url=slack.api_url,
        token=slack.token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", retry_after=0)  # keeps the test fast

    response = client.chat_postMessage(channel=ROADMAP, text="eventually")

    assert response["ok"] is True
    assert [c.error for c in slack.calls_to("chat.postMessage")] == ["ratelimited", None]
    assert [m["text"] for m in slack.messages(ROADMAP)] == ["eventually"]


def test_injected_api_errors_answer_http_200(slack, client):
    slack.fail_next("users.info", error="fatal_error", times=2)

    for _ in range(2):
        error = slack_error(lambda: client.users_info(user="U0ADA"))
        assert (error.response.status_code, error.response["error"]) == (200, "fatal_error")
    assert client.users_info(user="U0ADA")["user"]["name"] == "ada"


def test_tier_rate_limit_is_enforced_when_configured():
    with SlackEmulator(rate_limits={"users.info": 2}) as slack:
        client = WebClient(base_url=slack.api_url, token=slack.token)
        client.users_info(user="U0ADA")
        client.users_info(user="U0ADA")
        error = slack_error(lambda: client.users_info(user="U0ADA"))

    assert error.response.status_code == 429
    assert int(error.response.headers["Retry-After"]) >= 1


# -- users ---------------------------------------------------------------------------------


def test_users_info_has_profile_and_roles(client):
    user = client.users_info(user="U0ADA")["user"]

    assert (user["id"], user["name"], user["real_name"]) == ("U0ADA", "ada", "Ada Park")
    assert user["profile"]["display_name"] == "ada"
    assert user["is_admin"] is True and user["is_owner"] is True
    assert user["tz"] == "Europe/Paris"
    missing = slack_error(lambda: client.users_info(user="U0NOBODY"))
    assert missing.response["error"] == "user_not_found"


# -- views ---------------------------------------------------------------------------------


def test_views_open_with_a_fresh_trigger_returns_the_view(slack, client):
    view = client.views_open(trigger_id=slack.issue_trigger_id("U0ADA"), view=modal())["view"]

    assert view["id"].startswith("V")
    assert view["callback_id"] == "pain_modal"
    assert view["root_view_id"] == view["id"]
    assert slack.modal("U0ADA")["id"] == view["id"]


def test_views_open_refuses_expired_reused_and_made_up_triggers(slack, client):
    expired = slack.issue_trigger_id("U0ADA", ttl=0)
    time.sleep(0.01)
    used = slack.issue_trigger_id("U0ADA")
    client.views_open(trigger_id=used, view=modal())

    errors = [
        slack_error(lambda t=t: client.views_open(trigger_id=t, view=modal())).response["error"]
        for t in (expired, used, "12345.98765.abcd2358fdea")
    ]

    assert errors == ["expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"]


def test_views_update_checks_the_hash_and_finds_external_ids(slack, client):
    opened = client.views_open(
        trigger_id=slack.issue_trigger_id("U0ADA"), view={**modal(), "external_id": "pain-42"}
    )["view"]

    updated = client.views_update(
        external_id="pain-42",
        hash=opened["hash"],
        view={**modal("Saved"), "external_id": "pain-42"},
    )["view"]
    stale = slack_error(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    )
    missing = slack_error(lambda: client.views_update(view_id="V0NOPE", view=modal()))

    assert updated["id"] == opened["id"]
    assert updated["title"]["text"] == "Saved"
    assert stale.response["error"] == "hash_conflict"
    assert missing.response["error"] == "not_found"


def test_views_publish_sets_the_users_home(slack, client):
    home = {"type": "home", "blocks": [section("Top ideas")]}

    first = client.views_publish(user_id="U0BEN", view=home)["view"]
    second = client.views_publish(user_id="U0BEN", view=home)["view"]

    assert first["id"] == second["id"]
    assert slack.home("U0BEN")["blocks"] == [section("Top ideas")]
    wrong = slack_error(lambda: client.views_publish(user_id="U0BEN", view=modal()))
    assert wrong.response["error"] == "invalid_arguments"


# -- files ---------------------------------------------------------------------------------


def test_files_upload_v2_round_trip(slack, client):
    parent = client.chat_postMessage(channel=ROADMAP, text="roadmap")["ts"]

    response = client.files_upload_v2(
        channel=ROADMAP,
        content="rank,idea\n1,faster checkout\n",
        filename="roadmap.csv",
        title="Roadmap",
        initial_comment="This week's roadmap",
        thread_ts=parent,
    )

    (stored,) = slack.files
    assert response["file"]["id"] == stored["id"]
    assert stored["title"] == "Roadmap"
    assert stored["content"] == b"rank,idea\n1,faster checkout\n"
    share = slack.thread(ROADMAP, parent)[-1]
    assert share["text"] == "This week's roadmap"
    assert share["files"][0]["id"] == stored["id"]
    [url_call] = slack.calls_to("files.getUploadURLExternal")
    assert url_call.params["filename"] == "roadmap.csv"


def test_upload_url_points_at_the_emulator(slack, client):
    response = client.files_getUploadURLExternal(filename="a.txt", length=3)

    assert response["upload_url"].startswith(slack.base_url)
    assert response["file_id"].startswith("F")


# -- response_url --------------------------------------------------------------------------


def test_response_url_posts_are_recorded_and_shown_to_the_user(slack):
    url = slack.new_response_url(channel=ROADMAP, user="U0ADA")

    reply = WebhookClient(url).send(text="Logged your pain point")

    assert reply.status_code == 200
    assert slack.responses(url) == [{"text": "Logged your pain point"}]
    assert [e["text"] for e in slack.ephemerals("U0ADA")] == ["Logged your pain point"]


def test_response_url_can_replace_the_original_message(slack, client):
    ts = client.chat_postMessage(channel=ROADMAP, text="Vote?")["ts"]
    url = slack.new_response_url(channel=ROADMAP, user="U0ADA", message_ts=ts)

    WebhookClient(url).send(text="Voted", replace_original=True)

    assert slack.message(ROADMAP, ts)["text"] == "Voted"


def test_response_url_accepts_five_posts_then_404(slack):
    url = slack.new_response_url(channel=ROADMAP, user="U0ADA")
    webhook = WebhookClient(url)

    statuses = [webhook.send(text=f"#{i}").status_code for i in range(6)]

    assert statuses == [200, 200, 200, 200, 200, 404]
    assert len(slack.responses(url)) == 5


def test_response_url_rejects_invalid_blocks(slack):
    url = slack.new_response_url(channel=ROADMAP, user="U0ADA")

    reply = WebhookClient(url).send(text="t", blocks=[section("x" * 3001)])

    assert (reply.status_code, reply.body) == (400, "invalid_blocks")
    assert slack.responses(url) == []


# -- signing -------------------------------------------------------------------------------


def test_signed_headers_pass_slack_sdk_verification():
    body = "token=t&command=%2Fpain&text=checkout+is+slow"
    verifier = SignatureVerifier("s3cret")

    assert verifier.is_valid_request(body, signed_headers("s3cret", body))
    assert not verifier.is_valid_request(body, signed_headers("other", body))
    stale = signed_headers("s3cret", body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)


def test_sign_matches_slacks_documented_example():
    # The worked example from Slack's "Verifying requests from Slack" guide.
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        "commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )

    assert sign(secret, body, 1531420618) == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


def test_emulator_serves_uploaded_files_to_the_bot_token(slack, client):
    client.files_upload_v2(channel=ROADMAP, content="abc", filename="a.txt")
    (stored,) = slack.files

    request = urllib.request.Request(
        stored["url_private"], headers={"Authorization": f"Bearer {slack.token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.read() == b"abc"


# -- signed requests to a real Bolt app ----------------------------------------------------

SECRET = "s3cret"


class BoltHttp:
    """The smallest HTTP front for a Bolt app: what Slack would POST to."""

    def __init__(self, app: App) -> None:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            body = handler.rfile.read(int(handler.headers["Content-Length"])).decode()
            response = app.dispatch(BoltRequest(body=body, headers=dict(handler.headers)))
            payload = response.body.encode()
            handler.send_response(response.status)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)

        handler_class = type(
            "Handler",
            (BaseHTTPRequestHandler,),
            {"do_POST": handle, "log_message": lambda *args: None},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def app(client: WebClient) -> App:
    # process_before_response: listeners finish before the HTTP answer, so tests need no waits.
    return App(signing_secret=SECRET, client=client, process_before_response=True)


@pytest.fixture
def people(slack: SlackEmulator, app: App) -> Iterator[Workspace]:
    front = BoltHttp(app)
    yield Workspace(slack, front.url, SECRET)
    front.close()


PAIN_MODAL = {
    **modal(),
    "blocks": [
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What hurts?"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


def test_slash_command_reaches_bolt_with_a_usable_trigger_and_response_url(slack, app, people):
    @app.command("/pain")
    def pain(ack, respond, body, client):
        ack()
        respond(f"Noted: {body['text']}")
        client.views_open(trigger_id=body["trigger_id"], view=PAIN_MODAL)

    status, _ = people.slash("U0ADA", "/pain", "checkout is slow")

    assert status == 200
    assert [e["text"] for e in slack.ephemerals("U0ADA")] == ["Noted: checkout is slow"]
    assert slack.modal("U0ADA")["callback_id"] == "pain_modal"


def test_view_submission_closes_the_modal_unless_the_ack_has_errors(slack, app, people):
    submitted = []

    @app.view("pain_modal")
    def save(ack, view):
        text = view["state"]["values"]["what"]["text"]["value"]
        if not text:
            ack(response_action="errors", errors={"what": "Tell us what hurts"})
            return
        submitted.append(text)
        ack()

    slack.reset_calls()
    client = WebClient(base_url=slack.api_url, token=slack.token)
    client.views_open(trigger_id=slack.issue_trigger_id("U0ADA"), view=PAIN_MODAL)

    refused = people.view_submission(
        "U0ADA", "pain_modal", {"what": {"text": plain_text_value("")}}
    )
    assert refused.json() == {"response_action": "errors", "errors": {"what": "Tell us what hurts"}}
    assert slack.modal("U0ADA") is not None

    accepted = people.view_submission(
        "U0ADA", "pain_modal", {"what": {"text": plain_text_value("slow")}}
    )
    assert (accepted.status, accepted.body) == (200, "")
    assert submitted == ["slow"]
    assert slack.modal("U0ADA") is None


def test_block_actions_carry_the_value_and_respond_replaces_the_message(slack, app, client, people):
    clicks = []

    @app.action("vote")
    def vote(ack, action, body, respond):
        ack()
        clicks.append((body["user"]["id"], action["value"], action["block_id"]))
        respond(replace_original=True, text="Thanks for voting")

    ts = client.chat_postMessage(
        channel=ROADMAP,
        text="Vote",
        blocks=[{"type": "actions", "block_id": "idea-7", "elements": [button(value="7")]}],
    )["ts"]

    people.block_action("U0BEN", "vote", "7", channel=ROADMAP, message_ts=ts)

    assert clicks == [("U0BEN", "7", "idea-7")]
    assert slack.message(ROADMAP, ts)["text"] == "Thanks for voting"


def test_select_in_a_modal_sends_the_chosen_option(slack, app, client, people):
    picked = []

    @app.action("stage")
    def stage(ack, action, body):
        ack()
        picked.append((action["selected_option"]["value"], body["view"]["id"]))

    options = [
        {"text": {"type": "plain_text", "text": name}, "value": name}
        for name in ("discover", "checkout")
    ]
    select = {"type": "static_select", "action_id": "stage", "options": options}
    view = client.views_open(
        trigger_id=slack.issue_trigger_id("U0ADA"),
        view=modal(blocks=[section("Stage", block_id="stage", accessory=select)]),
    )["view"]

    people.block_action("U0ADA", "stage", "checkout", view=view["id"])

    assert picked == [("checkout", view["id"])]
    assert static_select_value("checkout")["selected_option"]["value"] == "checkout"


def test_thread_replies_and_reactions_arrive_as_events(slack, app, client, people):
    seen = []

    @app.event("message")
    def on_message(event):
        seen.append(("message", event["text"], event["thread_ts"]))

    @app.event("reaction_added")
    def on_reaction(event):
        seen.append(("reaction", event["reaction"], event["item"]["ts"]))

    ts = client.chat_postMessage(channel=ROADMAP, text="Idea: one-click checkout")["ts"]

    people.reply_in_thread("U0BEN", ROADMAP, ts, "+1, same for me")
    people.react("U0ADA", ROADMAP, ts, "fire")

    assert seen == [("message", "+1, same for me", ts), ("reaction", "fire", ts)]
    assert [m["text"] for m in slack.thread(ROADMAP, ts)] == [
        "Idea: one-click checkout",
        "+1, same for me",
    ]


def test_event_retries_carry_slacks_retry_headers(app, people):
    retries = []

    @app.middleware
    def record(req, resp, next):
        # Bolt keeps each header as a list of values.
        retries.append(
            [req.headers.get(h, [None])[0] for h in ("x-slack-retry-num", "x-slack-retry-reason")]
        )
        return next()

    @app.event("app_home_opened")
    def noop():
        pass

    people.open_home("U0ADA")
    people.event({"type": "app_home_opened", "user": "U0ADA", "tab": "home"}, retry_num=1)

    assert retries == [[None, None], ["1", "http_timeout"]]


def test_forged_and_stale_requests_are_refused(app, people):
    assert people.url_verification("abc").json() == {"challenge": "abc"}
    assert people.send_raw("command=%2Fpain", signature="v0=forged").status == 401
    assert people.send_raw("command=%2Fpain", timestamp=int(time.time()) - 600).status == 401
