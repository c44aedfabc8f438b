"""The emulator itself: an HTTP server in a thread, routing each call to its method.

Point the real ``slack_sdk.WebClient`` at it and inspect what the bot did::

    with SlackEmulator() as slack:
        client = WebClient(base_url=slack.api_url, token=slack.token)
        client.chat_postMessage(channel="C0ROADMAP", text="Checkout is slow")
        assert slack.messages("C0ROADMAP")[0]["text"] == "Checkout is slow"

Responses, error codes and limits follow https://docs.slack.dev/reference/methods.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from .chat import ChatMethods
from .directory import DirectoryMethods
from .files import FileMethods
from .limits import METHOD_SCOPES, RateLimits
from .oauth import AUTHORIZE_PATH, OAuthMethods
from .reactions import ReactionMethods
from .views import ViewMethods
from .websocket import WebSocket, accept_key
from .wire import ApiError, Call, Reply, decode_params, json_reply, param, text_reply

__all__ = ["SlackEmulator"]

_LINK_PATH = "/link/"
"""Where Socket Mode links connect, as on Slack (``wss://wss-primary.slack.com/link/``)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: SlackEmulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        reply = self.server.emulator._route(self.command, url.path, url.query, raw, self.headers)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == _LINK_PATH and "websocket" in (self.headers.get("Upgrade") or "").lower():
            self._open_link(url.query)
        else:
            self.do_POST()

    def _open_link(self, query: str) -> None:
        """Accept a Socket Mode link: check the ticket, switch protocols, serve the link."""
        hub = self.server.emulator.socket_mode
        ticket = dict(parse_qsl(query)).get("ticket", "")
        key = self.headers.get("Sec-WebSocket-Key")
        refused = 400 if not key else 401 if not hub.take_ticket(ticket) else None
        if refused is None and not hub.accepting:
            refused = 503
        if refused is not None:
            self.send_response(refused)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.wfile.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
            ).encode("ascii")
        )
        self.wfile.flush()
        self.close_connection = True
        hub.serve(WebSocket(self.connection, self.rfile))

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo print what matters themselves."""


class SlackEmulator(
    ChatMethods,
    ViewMethods,
    ReactionMethods,
    FileMethods,
    DirectoryMethods,
    RateLimits,
    OAuthMethods,
):
    """An HTTP server that answers like Slack's Web API and records every call it receives.

    It also serves the Socket Mode links that ``apps.connections.open`` hands out; see
    ``socket_mode`` for delivering envelopes over them. More workspaces, and the OAuth
    install that gives each its bot token, come from ``add_workspace`` and ``authorize``.
    """

    _server: _Server | None = None
    _thread: threading.Thread | None = None
    client_id: str = "1111.2222"
    """The app's client id, for the install flow (``oauth.v2.access``)."""
    client_secret: str = "test-client-secret"
    redirect_url: str | None = None
    """The Redirect URL of the app's settings, used when an authorize URL names none."""

    # The Web API methods journeybot calls (and nothing else: an unknown method is refused).
    _METHODS: ClassVar[dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]]] = {
        "auth.test": DirectoryMethods._auth_test,
        "users.info": DirectoryMethods._users_info,
        "conversations.info": DirectoryMethods._conversations_info,
        "chat.postMessage": ChatMethods._chat_post_message,
        "chat.postEphemeral": ChatMethods._chat_post_ephemeral,
        "chat.update": ChatMethods._chat_update,
        "chat.getPermalink": ChatMethods._chat_get_permalink,
        "views.open": ViewMethods._views_open,
        "views.update": ViewMethods._views_update,
        "views.publish": ViewMethods._views_publish,
        "reactions.add": ReactionMethods._reactions_add,
        "reactions.remove": ReactionMethods._reactions_remove,
        "files.getUploadURLExternal": FileMethods._files_get_upload_url,
        "files.completeUploadExternal": FileMethods._files_complete_upload,
    }
    # Methods that take the app-level token rather than the bot token.
    _APP_LEVEL_METHODS: ClassVar[frozenset[str]] = frozenset({"apps.connections.open"})

    def revoke_app_token(self) -> None:
        """Revoke the app-level token: new Socket Mode links are refused with invalid_auth."""
        with self._lock:
            self.app_token_revoked = True

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = self.socket_mode.new_ticket()
        host = f"{self.host}:{self.port}"
        return {"url": f"ws://{host}{_LINK_PATH}?ticket={ticket}&app_id={self.app_id}"}

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Start serving in a background thread; return self."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
            for workspace in self._registry.workspaces.values():
                workspace.port = self.port
            # A short poll interval keeps stop() (and so each test's teardown) quick.
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                name="slack-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close Socket Mode links and release the port."""
        self.socket_mode.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP routing --------------------------------------------------------------------

    def _route(self, verb: str, path: str, query: str, raw: bytes, headers: Any) -> Reply:
        content_type = headers.get("Content-Type") or ""
        if path.startswith("/api/"):
            return self._api(path.removeprefix("/api/"), query, raw, headers)
        if path == AUTHORIZE_PATH and verb == "GET":
            return self._authorize_page(query)
        if path.startswith("/upload/v1/") and verb == "POST":
            file_id = path.removeprefix("/upload/v1/")
            return self._holder(file_id)._upload(file_id, raw, content_type)
        if path.startswith("/actions/") and verb == "POST":
            team_id = path.removeprefix("/actions/").partition("/")[0]
            workspace = self._registry.workspaces.get(team_id)
            if workspace is not None:
                return workspace._respond(path, raw, content_type)
        if path.startswith("/files/") and verb == "GET":
            return self._holder(path.removeprefix("/files/"))._download(
                path.removeprefix("/files/"), headers
            )
        return text_reply(404, "not_found")

    def _holder(self, path: str) -> SlackEmulator:
        """The workspace holding the file at ``path`` (``F...`` first), else this one."""
        file_id = path.partition("/")[0]
        for workspace in self._registry.workspaces.values():
            if file_id in workspace._files:
                return workspace
        return self

    def _api(self, method: str, query: str, raw: bytes, headers: Any) -> Reply:
        try:
            params = decode_params(query, raw, headers.get("Content-Type") or "")
            decode_error = None
        except ApiError as exc:
            params, decode_error = {}, exc.code
        auth = headers.get("Authorization") or ""
        token = auth[7:].strip() if auth.startswith("Bearer ") else param(params, "token")
        params.pop("token", None)
        # A token from an install acts in its own workspace (or, org-wide, in the one the
        # call names); the emulator's own token acts here, as when installed by hand.
        target: SlackEmulator = self
        grant = None
        if method == "oauth.v2.access":
            answer = self._oauth_call(params, headers, decode_error)
        else:
            routed = self._target(token or "", params) if token and token != self.token else None
            if routed is not None:
                target, grant = routed
            answer = None
        with target._lock:
            if answer is not None:
                reply, error = answer
            else:
                try:
                    if grant is not None and grant.revoked:
                        raise ApiError("token_revoked")
                    reply = target._dispatch(
                        method, params, target.token if grant else token, decode_error
                    )
                    if grant is not None and grant.org_wide and method == "auth.test":
                        reply = _org_wide(reply, grant.enterprise_id)
                    error = None
                except ApiError as exc:
                    reply = json_reply(200, {"ok": False, "error": exc.code, **exc.extra})
                    error = exc.code
                if reply.status != 200:
                    error = json.loads(reply.body).get("error")
            target._calls.append(Call(method, params, time.time(), error))
        # Slack names every answer, so that a support ticket can point at the request.
        reply.headers["x-slack-req-id"] = uuid.uuid4().hex
        if token == self.token or grant is not None:
            reply.headers["x-oauth-scopes"] = ",".join(target.scopes)
            reply.headers["x-accepted-oauth-scopes"] = ",".join(METHOD_SCOPES.get(method, ()))
        return reply

    def _oauth_call(
        self, params: dict[str, Any], headers: Any, decode_error: str | None
    ) -> tuple[Reply, str | None]:
        """Answer ``oauth.v2.access``, which takes the app's credentials instead of a token."""
        try:
            if decode_error:
                raise ApiError(decode_error)
            return json_reply(200, {"ok": True, **self._oauth_v2_access(params, headers)}), None
        except ApiError as exc:
            return json_reply(200, {"ok": False, "error": exc.code, **exc.extra}), exc.code

    def _dispatch(
        self, method: str, params: dict[str, Any], token: str | None, decode_error: str | None
    ) -> Reply:
        failure = self._take_failure(method)
        if failure is not None:
            return failure
        if decode_error:
            raise ApiError(decode_error)
        app_level = method in self._APP_LEVEL_METHODS
        handler = SlackEmulator._apps_connections_open if app_level else self._METHODS.get(method)
        if handler is None:
            raise ApiError("unknown_method", req_method=method)
        if not token:
            raise ApiError("not_authed")
        valid = self.app_token if app_level else self.token
        if token != valid or (app_level and self.app_token_revoked):
            other = self.token if app_level else self.app_token
            raise ApiError("not_allowed_token_type" if token == other else "invalid_auth")
        if not app_level and self.token_revoked:
            raise ApiError("token_revoked")
        limited = self._rate_limited(method, params)
        if limited is not None:
            return limited
        needed = METHOD_SCOPES.get(method)
        if needed and not set(needed) & set(self.scopes):
            raise ApiError("missing_scope", needed=needed[0], provided=",".join(self.scopes))
        return json_reply(200, {"ok": True, **handler(self, params)})


def _org_wide(reply: Reply, enterprise_id: str | None) -> Reply:
    """auth.test with an org-wide token: it names the org and says it is an org install."""
    body = json.loads(reply.body)
    if body.get("ok"):
        body.update(enterprise_id=enterprise_id, is_enterprise_install=True)
    return json_reply(reply.status, body)
