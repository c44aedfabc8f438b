"""Send a Bolt app what Slack would send when people act, for the tests and the demo.

``Workspace`` plays the people of a ``SlackEmulator`` workspace: it builds Slack's payloads
for slash commands, shortcuts, button clicks, modal submissions and events, and delivers
them as signed HTTP POSTs to the bot, or in envelopes over the bot's Socket Mode link::

    people = Workspace(slack, "http://127.0.0.1:3000/slack/events", "signing-secret")
    status, body = people.slash("U0ADA", "/pain", "Checkout is slow")

    people = Workspace.over_socket_mode(slack)   # the bot connected with the app token
    status, body = people.slash("U0ADA", "/pain", "Checkout is slow")

Payload shapes follow https://docs.slack.dev/interactivity and
https://docs.slack.dev/apis/events-api; signing follows
https://docs.slack.dev/authentication/verifying-requests-from-slack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlencode

from .server import SlackEmulator

__all__ = ["BotReply", "Workspace", "sign", "signed_headers"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def sign(secret: str, body: str | bytes, timestamp: int | str) -> str:
    """Return Slack's ``v0=<hex>`` HMAC-SHA256 signature of ``body`` sent at ``timestamp``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: str | bytes,
    *,
    timestamp: int | None = None,
    content_type: str = FORM,
) -> dict[str, str]:
    """Return the Content-Type and X-Slack-* headers Slack sends with ``body``."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, body, ts),
    }


class BotReply(NamedTuple):
    """The bot's answer: unpacks as ``status, body``.

    Over Socket Mode an ack is status 200 with its payload as the JSON body ("" when the
    ack carries none), and no ack within the timeout is status 504.
    """

    status: int
    body: str

    def json(self) -> Any:
        """The body decoded as JSON, or None when empty (a bare ack)."""
        return json.loads(self.body) if self.body.strip() else None


def plain_text_value(value: str | None) -> dict[str, Any]:
    """State value of a ``plain_text_input``, as in ``view.state.values``."""
    return {"type": "plain_text_input", "value": value}


def static_select_value(value: str, text: str | None = None) -> dict[str, Any]:
    """State value of a ``static_select`` with ``value`` chosen."""
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def multi_static_select_value(values: Sequence[str]) -> dict[str, Any]:
    """State value of a ``multi_static_select`` with ``values`` chosen."""
    options = [
        {"text": {"type": "plain_text", "text": v, "emoji": True}, "value": v} for v in values
    ]
    return {"type": "multi_static_select", "selected_options": options}


def users_select_value(user: str | None) -> dict[str, Any]:
    """State value of a ``users_select`` with ``user`` chosen."""
    return {"type": "users_select", "selected_user": user}


def _as_sent(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message from the emulator's accessors back in the shape Slack puts in payloads."""
    sent = {k: v for k, v in message.items() if k != "channel"}
    # The accessors add these keys for convenience; Slack leaves them out when empty.
    for key, empty in (("thread_ts", None), ("blocks", []), ("reactions", [])):
        if key in sent and sent[key] == empty:
            del sent[key]
    return sent


def _find_element(
    blocks: Sequence[Mapping[str, Any]], action_id: str
) -> tuple[str | None, Mapping[str, Any] | None]:
    """Return (block_id, element) of the element with ``action_id`` in ``blocks``."""
    for block in blocks:
        candidates: list[Any] = []
        if isinstance(block.get("elements"), list):
            candidates.extend(block["elements"])
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


def _find_option(element: Mapping[str, Any], value: str) -> dict[str, Any] | None:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return next((dict(o) for o in options if o.get("value") == value), None)


class Workspace:
    """People of an emulated workspace acting on a bot, over HTTP or over Socket Mode."""

    def __init__(
        self,
        emulator: SlackEmulator,
        bot_url: str,
        signing_secret: str,
        *,
        socket_mode: bool = False,
        workspace_id: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        api_app_id: str = "A0001",
        verification_token: str = "verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.emulator = emulator
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.workspace_id = workspace_id or emulator.workspace_id
        self.enterprise_id = enterprise_id or emulator.enterprise_id
        """The Enterprise Grid org the requests say they come from (None outside Grid)."""
        self.org_wide = org_wide
        """Whether the app is installed org-wide: Slack says so in every request."""
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.timeout = timeout
        self.socket_mode = socket_mode
        """Deliver over the emulator's Socket Mode link instead of POSTing to ``bot_url``."""
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None
        self.last_event_id: str | None = None
        self._events = 0

    @classmethod
    def over_socket_mode(cls, emulator: SlackEmulator, **options: Any) -> Workspace:
        """People whose actions reach the bot in envelopes over its Socket Mode link."""
        return cls(emulator, "", "", socket_mode=True, **options)

    # -- sending -------------------------------------------------------------------------

    def send_raw(
        self,
        body: str | bytes,
        content_type: str = FORM,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BotReply:
        """POST ``body`` to the bot, signed unless ``signature`` forges one; return the reply.

        Pass an old ``timestamp`` (say ``time.time() - 600``) to test replay protection.
        """
        if self.socket_mode:
            raise ValueError("raw HTTP requests need a Workspace with a bot_url")
        raw = body.encode("utf-8") if isinstance(body, str) else body
        sent = signed_headers(
            self.signing_secret, raw, timestamp=timestamp, content_type=content_type
        )
        if signature is not None:
            sent["X-Slack-Signature"] = signature
        sent.update(headers or {})
        request = urllib.request.Request(self.bot_url, data=raw, headers=sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return BotReply(response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            # Slack treats 4xx/5xx as answers too; tests assert on them rather than catch.
            with error:
                return BotReply(error.code, error.read().decode("utf-8"))

    def post_form(self, fields: Mapping[str, str], **options: Any) -> BotReply:
        """Send a slash command's ``fields``: a signed form POST, or a slash_commands envelope."""
        if self.socket_mode:
            return self._envelope("slash_commands", dict(fields), True, **options)
        return self.send_raw(urlencode(fields), FORM, **options)

    def post_interaction(self, payload: Mapping[str, Any], **options: Any) -> BotReply:
        """Send an interaction: a signed ``payload=`` form POST, or an interactive envelope."""
        if self.socket_mode:
            # Slack takes a payload in the ack only where an HTTP answer has a body too.
            answers = payload.get("type") in ("view_submission", "block_suggestion")
            return self._envelope("interactive", dict(payload), answers, **options)
        return self.post_form({"payload": json.dumps(payload)}, **options)

    def post_json(self, body: Mapping[str, Any], **options: Any) -> BotReply:
        """Send an Events API body: a signed JSON POST, or an events_api envelope."""
        if self.socket_mode:
            if body.get("type") != "event_callback":
                raise ValueError(f"Socket Mode carries no {body.get('type')!r} requests")
            return self._envelope("events_api", dict(body), False, **options)
        return self.send_raw(json.dumps(body), JSON, **options)

    def _envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        accepts_response_payload: bool,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> BotReply:
        """Deliver over Socket Mode and wait for the ack, as the person waits for Slack."""
        retry = dict(headers or {})
        ack = self.emulator.socket_mode.deliver(
            kind,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=int(retry.get("X-Slack-Retry-Num", 0)),
            retry_reason=retry.get("X-Slack-Retry-Reason"),
            timeout=self.timeout,
        )
        if ack is None:
            return BotReply(504, f"no ack within {self.timeout:g} s")
        return BotReply(200, json.dumps(ack) if ack else "")

    # -- shared payload parts ------------------------------------------------------------

    def _team(self) -> dict[str, str]:
        return {"id": self.workspace_id, "domain": self.emulator.team_domain}

    def _user(self, user: str) -> dict[str, str]:
        info = self.emulator.user(user)
        name = info["name"] if info else user.lower()
        return {"id": user, "username": name, "name": name, "team_id": self.workspace_id}

    def _channel(self, channel: str) -> dict[str, str]:
        return {"id": channel, "name": self.emulator.channel_name(channel) or channel}

    def _trigger(self, user: str) -> str:
        self.last_trigger_id = self.emulator.issue_trigger_id(user)
        return self.last_trigger_id

    def _response_url(
        self, *, channel: str | None, user: str, message_ts: str | None = None
    ) -> str:
        self.last_response_url = self.emulator.new_response_url(
            channel=channel, user=user, message_ts=message_ts
        )
        return self.last_response_url

    def _interaction(self, kind: str, user: str, **fields: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "token": self.verification_token,
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "enterprise": {"id": self.enterprise_id, "name": self.enterprise_id}
            if self.enterprise_id
            else None,
            "is_enterprise_install": self.org_wide,
            **fields,
        }

    # -- commands and shortcuts ----------------------------------------------------------

    def slash(
        self, user: str, command: str, text: str = "", *, channel: str = "C0ROADMAP"
    ) -> BotReply:
        """Run ``command text`` as ``user`` in ``channel``; replies land in the emulator."""
        fields = {
            "token": self.verification_token,
            "team_id": self.workspace_id,
            "team_domain": self.emulator.team_domain,
            "channel_id": channel,
            "channel_name": self.emulator.channel_name(channel) or channel,
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "true" if self.org_wide else "false",
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "response_url": self._response_url(channel=channel, user=user),
            "trigger_id": self._trigger(user),
        }
        reply = self.post_form(fields)
        # An answer in the ack body is shown to the person as Slack would show it.
        if reply.status == 200 and reply.body.strip().startswith("{"):
            try:
                answer = json.loads(reply.body)
            except ValueError:
                answer = None
            if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
                self.emulator.record_answer(user, channel, answer)
        return reply

    def message_shortcut(
        self, user: str, callback_id: str, *, channel: str, message_ts: str
    ) -> BotReply:
        """Run the message shortcut ``callback_id`` on the message at ``message_ts``."""
        message = self.emulator.message(channel, message_ts)
        shown = (
            _as_sent(message)
            if message
            else {"type": "message", "user": user, "ts": message_ts, "text": ""}
        )
        payload = self._interaction(
            "message_action",
            user,
            callback_id=callback_id,
            trigger_id=self._trigger(user),
            response_url=self._response_url(channel=channel, user=user),
            action_ts=f"{time.time():.6f}",
            message_ts=message_ts,
            channel=self._channel(channel),
            message=shown,
        )
        return self.post_interaction(payload)

    def global_shortcut(self, user: str, callback_id: str) -> BotReply:
        """Run the global shortcut ``callback_id`` (no channel, no response_url)."""
        payload = self._interaction(
            "shortcut",
            user,
            callback_id=callback_id,
            trigger_id=self._trigger(user),
            action_ts=f"{time.time():.6f}",
        )
        return self.post_interaction(payload)

    # -- Block Kit interactions ----------------------------------------------------------

    def block_action(
        self,
        user: str,
        action_id: str,
        value: str | Sequence[str] | None = None,
        *,
        block_id: str | None = None,
        action_type: str | None = None,
        selected_option: Mapping[str, Any] | None = None,
        channel: str | None = None,
        message_ts: str | None = None,
        view: str | Mapping[str, Any] | None = None,
        state_values: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
    ) -> BotReply:
        """Click a button (or pick a value) ``action_id`` in a message or in a view.

        For a message give ``channel`` and ``message_ts``; for a modal or App Home give
        ``view`` (its id or the view dict). ``block_id``, the element type, the button text
        and the chosen option are taken from the blocks the emulator holds when found.
        """
        extra: dict[str, Any] = {}
        blocks: list[dict[str, Any]] = []
        view_obj: dict[str, Any] | None = None
        if view is not None:
            view_obj = self.emulator.view(view) if isinstance(view, str) else dict(view)
            if view_obj is None:
                raise LookupError(f"no view {view!r} in the emulator")
            view_obj["state"] = {"values": dict(state_values or {})}
            blocks = view_obj.get("blocks", [])
            extra["view"] = view_obj
            extra["container"] = dict(container or {"type": "view", "view_id": view_obj["id"]})
        elif channel is not None and message_ts is not None:
            message = self.emulator.message(channel, message_ts)
            ephemeral = self.emulator.find_ephemeral(message_ts) if message is None else None
            extra["container"] = dict(
                container
                or {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel,
                    "is_ephemeral": ephemeral is not None,
                }
            )
            extra["channel"] = self._channel(channel)
            extra["state"] = {"values": dict(state_values or {})}
            # Slack leaves out the message for ephemeral messages.
            if message is not None:
                extra["message"] = _as_sent(message)
                blocks = message.get("blocks", [])
            elif ephemeral is not None:
                blocks = ephemeral.get("blocks", [])
            extra["response_url"] = self._response_url(
                channel=channel, user=user, message_ts=message_ts if message else None
            )
        else:
            raise ValueError("give channel and message_ts, or view")

        found_block_id, element = _find_element(blocks, action_id)
        kind = action_type or (element or {}).get("type") or "button"
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or found_block_id or "block",
            "type": kind,
            "action_ts": f"{time.time():.6f}",
        }
        if kind == "button":
            action["text"] = (element or {}).get("text") or {
                "type": "plain_text",
                "text": action_id,
            }
            if value is not None:
                action["value"] = value
        elif kind in ("static_select", "external_select", "overflow", "radio_buttons"):
            chosen = selected_option or (
                _find_option(element or {}, str(value)) if value is not None else None
            )
            action["selected_option"] = chosen or static_select_value(str(value))["selected_option"]
        elif kind in ("multi_static_select", "checkboxes", "multi_external_select"):
            values = [value] if isinstance(value, str) else list(value or [])
            action["selected_options"] = [
                _find_option(element or {}, v)
                or {"text": {"type": "plain_text", "text": v}, "value": v}
                for v in values
            ]
        elif kind == "users_select":
            action["selected_user"] = value
        elif kind == "conversations_select":
            action["selected_conversation"] = value
        elif kind == "channels_select":
            action["selected_channel"] = value
        elif kind == "datepicker":
            action["selected_date"] = value
        elif value is not None:
            action["value"] = value
        payload = self._interaction(
            "block_actions", user, trigger_id=self._trigger(user), actions=[action], **extra
        )
        return self.post_interaction(payload)

    def view_submission(
        self,
        user: str,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> BotReply:
        """Submit a modal with ``values`` (block_id -> action_id -> state value).

        The view is ``view_id``, else the top-most modal ``user`` has open with this
        ``callback_id``, else a bare one. The bot's ack then closes, updates or pushes the
        modal in the emulator, as Slack would.
        """
        view: dict[str, Any] | None = None
        if view_id is not None:
            view = self.emulator.view(view_id)
            if view is None:
                raise LookupError(f"no view {view_id!r} in the emulator")
            if view.get("callback_id") != callback_id:
                raise ValueError(
                    f"view {view_id} has callback_id {view.get('callback_id')!r}, "
                    f"not {callback_id!r}"
                )
        else:
            stack = self.emulator.modal_stack(user)
            view = next((v for v in reversed(stack) if v.get("callback_id") == callback_id), None)
        if view is None:
            view = {
                "id": f"V{int(time.time() * 1000) % 10**9:09d}",
                "team_id": self.workspace_id,
                "type": "modal",
                "title": {"type": "plain_text", "text": "Modal"},
                "blocks": [],
                "callback_id": callback_id,
                "private_metadata": "",
                "external_id": "",
                "hash": f"{int(time.time())}.0",
                "clear_on_close": False,
                "notify_on_close": False,
                "previous_view_id": None,
                "app_id": self.api_app_id,
                "bot_id": self.emulator.bot_id,
            }
            view["root_view_id"] = view["id"]
        if private_metadata:
            view["private_metadata"] = private_metadata
        view["state"] = {"values": {k: dict(v) for k, v in values.items()}}
        payload = self._interaction(
            "view_submission",
            user,
            trigger_id=self._trigger(user),
            view=view,
            response_urls=[],
        )
        reply = self.post_interaction(payload)
        if reply.status == 200:
            self.emulator.apply_view_ack(view["id"], reply.body)
        return reply

    # -- Events API ----------------------------------------------------------------------

    def event(
        self,
        inner_event: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        event_id: str | None = None,
    ) -> BotReply:
        """Deliver ``inner_event`` in an ``event_callback`` envelope, as retry ``retry_num``."""
        self._events += 1
        event = dict(inner_event)
        event.setdefault("event_ts", f"{time.time():.6f}")
        self.last_event_id = event_id or f"Ev{self._events:08X}{int(time.time()) % 10**6:06d}"
        envelope = {
            "token": self.verification_token,
            "team_id": self.workspace_id,
            "context_team_id": self.workspace_id,
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self.last_event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": None if self.org_wide else self.workspace_id,
                    "user_id": self.emulator.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": self.org_wide,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{self.last_event_id}",
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post_json(envelope, headers=headers)

    def say(self, user: str, channel: str, text: str) -> BotReply:
        """``user`` posts ``text`` at the top of ``channel``; the bot gets the ``message`` event."""
        return self.event(self.emulator.post_as_user(user, channel, text))

    def reply_in_thread(self, user: str, channel: str, thread_ts: str, text: str) -> BotReply:
        """``user`` replies in a thread; the bot gets the ``message`` event."""
        return self.event(self.emulator.post_as_user(user, channel, text, thread_ts=thread_ts))

    def react(self, user: str, channel: str, ts: str, name: str = "+1") -> BotReply:
        """``user`` adds :name: to a message; the bot gets ``reaction_added``."""
        return self.event(self.emulator.add_reaction_as_user(user, channel, ts, name))

    def unreact(self, user: str, channel: str, ts: str, name: str = "+1") -> BotReply:
        """``user`` removes :name: from a message; the bot gets ``reaction_removed``."""
        return self.event(self.emulator.remove_reaction_as_user(user, channel, ts, name))

    def open_home(self, user: str) -> BotReply:
        """``user`` opens the App Home tab; the bot gets ``app_home_opened``."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.emulator.dm_channel(user),
            "tab": "home",
        }
        home = self.emulator.home(user)
        if home is not None:
            event["view"] = home
        return self.event(event)

    def url_verification(self, challenge: str = "challenge-token") -> BotReply:
        """Send the ``url_verification`` handshake; the bot must echo ``challenge``."""
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.post_json(body)
