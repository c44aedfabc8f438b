"""The bot's HTTP server: Slack's requests at `/slack/events`, and `GET /healthz`.

    server, url = serve_http(app, signing_secret=secret)   # on a free port, in a thread
    ...
    server.shutdown(); server.server_close()

It checks Slack's signature on the raw body before anything in it is parsed, answers a
malformed, unsigned or slow request with a 4xx (never logging its body), and gives a
client `REQUEST_TIMEOUT` seconds to send a whole request.
"""

from __future__ import annotations

import io
import json
import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_sdk.signature import SignatureVerifier

from ..config import ConfigError
from .install import INSTALL_PATH, REDIRECT_PATH

__all__ = [
    "EVENTS_PATH",
    "HEALTH_PATH",
    "REQUEST_TIMEOUT",
    "HealthSource",
    "SlackHTTPServer",
    "bind",
    "bolt_request",
    "serve_http",
    "serve_in_thread",
]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000
"""Largest request accepted, in bytes: a 40,000-character slash command is ~120 KB encoded."""
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def bolt_request(raw: str, headers: Mapping[str, str], query: str = "") -> BoltRequest:
    """Return the BoltRequest for a raw HTTP body, reading slash commands that say "payload".

    Bolt 1.30 takes any form body containing the word "payload" for an interactivity
    payload and, finding no `payload` field, reads it as empty: `/pain payload fails` would
    go unanswered. Such a body is read as the plain form it is; the signature is still
    checked by Bolt against the untouched raw body.
    """
    request = BoltRequest(body=raw, query=query, headers=dict(headers))
    if request.body or not raw or request.content_type != FORM:
        return request
    form = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in form or "command" not in form:
        return request
    request.body = form
    # Bolt derives team, user, channel and response_url from the body when it builds a
    # request; a dict body (allowed for Socket Mode requests) gives us that context.
    request.context = BoltRequest(body=form, mode="socket_mode").context
    return request


REQUEST_TIMEOUT = 5.0
"""Seconds a client has to send a whole request (line, headers, body), counted from when the
server is ready to read it; an idle keep-alive connection is closed after as long."""
MAX_TIMESTAMP_DIGITS = 12


class _DeadlineReader(io.RawIOBase):
    """A socket's input where every read is bounded by what is left before `deadline`.

    A per-read timeout alone would let a client sending one byte every few seconds hold a
    thread forever; bounding each read by the request's deadline bounds the whole request.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.deadline = math.inf

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request was not received in time")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _Refused(Exception):
    """A request answered with a 4xx before anything in it is parsed or dispatched."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


HealthSource = Callable[[], tuple[int, dict[str, Any]]]
"""Returns the status and JSON body of `GET /healthz` (see `bot/health.py`)."""


def _always_ok() -> tuple[int, dict[str, Any]]:
    return 200, {"status": "ok", "checks": {}}


class SlackHTTPServer(ThreadingHTTPServer):
    """The bot's HTTP server: `/slack/events` for Slack (when `app` is set) and `/healthz`."""

    daemon_threads = True
    # Slack may open many connections at once (a burst of votes); the default of 5
    # queued connections would refuse some of them.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        app: App | None,
        *,
        signing_secret: str | None = None,
        health: HealthSource = _always_ok,
        request_timeout: float = REQUEST_TIMEOUT,
        oauth: OAuthFlow | None = None,
    ) -> None:
        if app is not None and not signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is not set")
        super().__init__(address, _Handler)
        self.app = app
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.health = health
        self.oauth: OAuthFlow | None = oauth or getattr(app, "oauth_flow", None)
        """Slack's install flow (`/slack/install`, `/slack/oauth_redirect`), when it is on."""
        self.request_timeout = request_timeout
        self.stopping = False
        """Set when shutting down: answers close their connection instead of keeping it."""
        self._active = 0
        self._idle = threading.Condition()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; a client that vanished is not news.
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("connection from %s ended: %s", client_address[0], error)
        else:
            log.exception("unexpected error serving %s", client_address[0])

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count a request being handled, for `wait_idle`."""
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being handled; False if some still are after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def check(self, raw: bytes, headers: Message) -> str:
        """Return the body as text if it is signed by Slack and shaped as Slack sends it.

        Raises _Refused (401 unsigned or badly signed, 400 malformed) before anything in it
        is parsed; the signature is checked on the bytes as received.
        """
        assert self.verifier is not None
        timestamp = (headers.get("X-Slack-Request-Timestamp") or "").strip()
        signature = (headers.get("X-Slack-Signature") or "").strip()
        if not timestamp or not signature:
            raise _Refused(401, "not signed by Slack")
        if (
            not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > MAX_TIMESTAMP_DIGITS
        ):
            raise _Refused(400, "X-Slack-Request-Timestamp is not a number of seconds")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(400, "the body is not UTF-8") from None
        if not self.verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            raise _Refused(401, "invalid signature or timestamp too old")
        kind = headers.get_content_type()
        if kind == FORM:
            form = parse_qs(text, keep_blank_values=True)
            if "payload" in form and "command" not in form:
                _json_object(form["payload"][-1], "payload")
        elif kind == JSON:
            _json_object(text, "body")
        else:
            raise _Refused(415, f"unsupported Content-Type {kind}")
        return text


def _json_object(text: str, what: str) -> None:
    """Raise _Refused(400) unless `text` is a JSON object with a string `type`."""
    try:
        value = json.loads(text)
    except ValueError:
        raise _Refused(400, f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise _Refused(400, f"the {what} is not a JSON object")
    if not isinstance(value.get("type"), str):
        raise _Refused(400, f"the {what} has no type")


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this the body can wait for the
        # client's delayed ACK of the headers (Nagle), tens of milliseconds per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # The whole next request, from its first byte to its last, must arrive in time;
        # the base class closes the connection quietly on a timeout while reading the
        # request line or the headers.
        self._reader.deadline = time.monotonic() + self.server.request_timeout
        super().handle_one_request()

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        if self.server.app is None or self.server.verifier is None or path != EVENTS_PATH:
            self._drain_and_refuse(404, "not found")
            return
        with self.server.busy():
            try:
                text = self._read_signed()
            except _Refused as refused:
                self._refuse(refused.status, refused.reason)
                return
            # Writing the answer gets its own timeout: the reading deadline is spent.
            self.connection.settimeout(self.server.request_timeout)
            try:
                response = self.server.app.dispatch(bolt_request(text, self.headers, query))
            except Exception:
                # A bug of ours, not the request's: say so rather than drop the connection.
                log.exception("dispatching a request to %s failed", path)
                self._send(500, b"internal error", {"content-type": ["text/plain"]})
                return
            body = (response.body or "").encode("utf-8")
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            self._send(response.status, body, headers)

    def _read_signed(self) -> str:
        """Read the body and check it (see `SlackHTTPServer.check`); raises _Refused."""
        if self.headers.get("Transfer-Encoding"):
            raise _Refused(411, "send the body with a Content-Length")
        value = self.headers.get("Content-Length")
        if value is None:
            raise _Refused(411, "Content-Length is required")
        if not (value.isascii() and value.isdigit()):
            raise _Refused(400, "Content-Length is not a number")
        length = int(value)
        if length > MAX_BODY:
            self._drain(length)
            raise _Refused(413, "request too large")
        try:
            raw = self.rfile.read(length)
        except TimeoutError:
            raise _Refused(408, "the body was not sent in time") from None
        if len(raw) < length:
            raise _Refused(400, "the body is shorter than its Content-Length")
        return self.server.check(raw, self.headers)

    def _drain(self, length: int) -> None:
        # Read what the client is still sending (within reason) before answering: a client
        # that cannot finish its upload never reads the answer, it sees a broken pipe.
        left = length if 0 <= length <= 8 * MAX_BODY else 0
        try:
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except TimeoutError:
            pass

    def _drain_and_refuse(self, status: int, reason: str) -> None:
        value = self.headers.get("Content-Length") or ""
        self._drain(int(value) if value.isascii() and value.isdigit() else 0)
        self._refuse(status, reason)

    def _refuse(self, status: int, reason: str) -> None:
        # The body is never logged: it may carry a verification token and a response_url.
        log_at = logging.WARNING if status == 401 else logging.INFO
        log.log(
            log_at,
            "refused %s %s from %s: %s",
            status,
            self.path.partition("?")[0],
            self.client_address[0],
            reason,
        )
        self.close_connection = True
        self.connection.settimeout(self.server.request_timeout)
        self._send(
            status,
            reason.encode("utf-8"),
            {"content-type": ["text/plain; charset=utf-8"], "connection": ["close"]},
        )

    def do_GET(self) -> None:
        # The health check for load balancers and Docker; Slack itself only POSTs. People
        # installing the app open the install page and come back to the redirect URL.
        path, _, query = self.path.partition("?")
        if self.server.oauth is not None and path in (INSTALL_PATH, REDIRECT_PATH):
            self._oauth(path, query, self.server.oauth)
            return
        if path != HEALTH_PATH:
            self._send(404, b"not found")
            return
        status, report = self.server.health()
        body = json.dumps(report, separators=(",", ":")).encode("utf-8")
        self._send(status, body, {"content-type": ["application/json"]})

    def do_HEAD(self) -> None:
        # Some load balancers probe with HEAD: the health check's status, without a body.
        path = self.path.partition("?")[0]
        status = self.server.health()[0] if path == HEALTH_PATH else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_allowed(self) -> None:
        self._drain_and_refuse(405, "method not allowed: journeybot answers GET and POST")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _oauth(self, path: str, query: str, flow: OAuthFlow) -> None:
        """Serve the "Add to Slack" page or Slack's redirect back; never a 500 for bad input."""
        with self.server.busy():
            request = BoltRequest(body="", query=query, headers=dict(self.headers))
            try:
                if path == INSTALL_PATH:
                    response = flow.handle_installation(request)
                else:
                    response = flow.handle_callback(request)
            except Exception:
                log.exception("the install flow failed on %s", path)
                response = BoltResponse(
                    status=503,
                    body="journeybot could not finish the install; nothing was installed."
                    " Please try again.",
                    headers={"content-type": "text/plain; charset=utf-8"},
                )
            body = (response.body or "").encode("utf-8")
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            self._send(response.status, body, headers)

    def _send(
        self, status: int, body: bytes, headers: Mapping[str, Sequence[str] | str] | None = None
    ) -> None:
        if self.server.stopping:
            self.close_connection = True
        self.send_response(status)
        for name, values in (headers or {"content-type": ["text/plain"]}).items():
            for value in [values] if isinstance(values, str) else values:
                self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def serve_http(
    app: App | None,
    *,
    signing_secret: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    health: HealthSource = _always_ok,
    request_timeout: float = REQUEST_TIMEOUT,
    oauth: OAuthFlow | None = None,
) -> tuple[SlackHTTPServer, str]:
    """Serve `app` over HTTP in a background thread; return the server and its events URL.

    Each connection gets its own thread (ThreadingHTTPServer). With `app=None` only
    `/healthz` is served (the health listener of Socket Mode), and the install pages when
    `oauth` is given (an app using Socket Mode still needs them on HTTP). Stop with
    `server.shutdown(); server.server_close()`.
    """
    server = SlackHTTPServer(
        (host, port),
        app,
        signing_secret=signing_secret,
        health=health,
        request_timeout=request_timeout,
        oauth=oauth,
    )
    # A short poll interval makes shutdown() quick, which the tests and the demo notice.
    serve_in_thread(server, poll_interval=0.05)
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}{EVENTS_PATH}"


def bind(
    host: str,
    port: int,
    option: str,
    *,
    signing_secret: str | None = None,
    health: HealthSource,
) -> SlackHTTPServer:
    """Listen on host:port (the app is set once built); raises ConfigError naming `option`."""
    try:
        server = SlackHTTPServer((host, port), None, health=health)
    except OSError as e:
        raise ConfigError(f"{option} {port}: cannot listen on {host}: {e.strerror or e}") from None
    if signing_secret is not None:
        server.verifier = SignatureVerifier(signing_secret)
    return server


def serve_in_thread(server: SlackHTTPServer, *, poll_interval: float = 0.2) -> None:
    """Serve in a daemon thread; `server.shutdown()` returns within `poll_interval`."""
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": poll_interval},
        name="journeybot-http",
        daemon=True,
    ).start()
