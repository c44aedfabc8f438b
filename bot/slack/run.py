"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at `/slack/events`.

    server, url = serve_http(app)          # in-process, on a free port, in a thread
    ...
    server.shutdown(); server.server_close()

`run_bot` is what `journeybot run` calls; `on_start` hooks are where the scheduler of
`bot/jobs.py` (periodic and debounced Notion sync, weekly digest) is started.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from storage.slack_state import SlackState

from ..config import AppConfig, ConfigError, Settings
from ..services import Services
from .app import build_app
from .runtime import Runtime

__all__ = [
    "EVENTS_PATH",
    "Started",
    "bolt_request",
    "connect_socket_mode",
    "run_bot",
    "serve_http",
]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000
"""Largest request accepted, in bytes: a 40,000-character slash command is ~120 KB encoded."""
FORM = "application/x-www-form-urlencoded"


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Slack may open many connections at once (a burst of votes); the default of 5
    # queued connections would refuse some of them.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, _Handler)
        self.app = app


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if path != EVENTS_PATH or not 0 <= length <= MAX_BODY:
            self._refuse(404 if path != EVENTS_PATH else 413, length)
            return
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        response = self.server.app.dispatch(bolt_request(raw, self.headers, query))
        body = (response.body or "").encode("utf-8")
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        self._send(response.status, body, headers)

    def _refuse(self, status: int, length: int) -> None:
        # Read what the client is still sending (within reason) before answering: a client
        # that cannot finish its upload never reads the answer, it sees a broken pipe.
        left = length if 0 <= length <= 8 * MAX_BODY else 0
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            left -= len(chunk)
        self.close_connection = True
        message = b"not found" if status == 404 else b"request too large"
        self._send(status, message, {"content-type": ["text/plain"], "connection": ["close"]})

    def do_GET(self) -> None:
        # A health check for load balancers; Slack itself only POSTs.
        if self.path.partition("?")[0] == "/healthz":
            self._send(200, b"ok")
        else:
            self._send(404, b"not found")

    def _send(
        self, status: int, body: bytes, headers: Mapping[str, Sequence[str] | str] | None = None
    ) -> None:
        self.send_response(status)
        for name, values in (headers or {"content-type": ["text/plain"]}).items():
            for value in [values] if isinstance(values, str) else values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def serve_http(app: App, *, host: str = "127.0.0.1", port: int = 0) -> tuple[_Server, str]:
    """Serve `app` over HTTP in a background thread; return the server and its events URL.

    Each request gets its own thread (ThreadingHTTPServer). Stop with
    `server.shutdown(); server.server_close()`.
    """
    server = _Server((host, port), app)
    # A short poll interval makes shutdown() quick, which the tests and the demo notice.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="journeybot-http",
        daemon=True,
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}{EVENTS_PATH}"


class _HeldBack(logging.Filter):
    """Holds back the Socket Mode client's own log lines while a first connection is tried.

    A failed first connection is reported once, as a ConfigError naming the cause; lines
    logged after a successful start pass. The lines held are kept per thread, since the
    client reports a failed handshake from the thread that called connect().
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._holds = 0
        self._messages: dict[int | None, list[str]] = {}

    def hold(self) -> None:
        with self._lock:
            self._holds += 1
            self._messages[threading.get_ident()] = []

    def release(self) -> None:
        with self._lock:
            self._holds -= 1
            if not self._holds:
                self._messages.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if not self._holds:
                return True
            self._messages.setdefault(record.thread, []).append(record.getMessage())
            return False

    def cause(self) -> str:
        """Why the WebSocket did not open, in a few words, from this thread's lines."""
        with self._lock:
            messages = list(self._messages.get(threading.get_ident(), []))
        for message in reversed(messages):
            if found := re.search(r"status: (\d+)", message):
                return f"the handshake was answered with HTTP {found[1]}"
            if found := re.search(r"error: ([^)]*)\)", message):
                return found[1]
        return "the handshake failed"


_SOCKET_LOG = logging.getLogger("journeybot.socket_mode")
_HELD_BACK = _HeldBack()
_SOCKET_LOG.addFilter(_HELD_BACK)


def connect_socket_mode(
    app: App, app_token: str, *, ping_interval: float = 10
) -> SocketModeHandler:
    """Open the app's Socket Mode connection with Bolt's built-in handler; return it.

    Raises ConfigError in one line when Slack refuses SLACK_APP_TOKEN, cannot be reached,
    or the WebSocket it names cannot be opened. Close the handler to disconnect.
    """
    handler = SocketModeHandler(app, app_token, logger=_SOCKET_LOG, ping_interval=ping_interval)
    _HELD_BACK.hold()
    problem = None
    try:
        handler.connect()
        if not handler.client.is_connected():
            problem = f"Socket Mode: cannot open the WebSocket to Slack ({_HELD_BACK.cause()})"
    except SlackApiError as e:
        problem = f"SLACK_APP_TOKEN is rejected by Slack ({e.response['error']})"
    except (URLError, OSError) as e:
        problem = f"Socket Mode: cannot reach Slack ({getattr(e, 'reason', e)})"
    if problem is None:
        _HELD_BACK.release()
        return handler

    def close_quietly() -> None:
        # The client retries in the background until closed, and its close() takes a
        # second (a queue poll): hold its lines back till then, without making run wait.
        try:
            handler.close()
        finally:
            _HELD_BACK.release()

    threading.Thread(target=close_quietly, name="socket-mode-close", daemon=True).start()
    raise ConfigError(problem)


@dataclass(frozen=True)
class Started:
    """What an `on_start` hook gets: the running bot's parts."""

    settings: Settings
    config: AppConfig
    services: Services
    app: App
    runtime: Runtime


StartHook = Callable[[Started], Callable[[], None] | None]
"""Called once the app is built; may return a function to call on shutdown."""


def run_bot(
    settings: Settings,
    config: AppConfig,
    services: Services,
    *,
    port: int = 3000,
    host: str = "0.0.0.0",
    on_start: Sequence[StartHook] = (),
) -> None:
    """Run the bot until interrupted; raises ConfigError naming a missing setting."""
    socket_mode = settings.slack_app_token is not None
    settings.require("SLACK_BOT_TOKEN")
    if not socket_mode:
        settings.require("SLACK_SIGNING_SECRET")
    # Slack stops redelivering an event within the hour; a week of claims is plenty.
    SlackState(services.store).forget_claims(before=services.clock() - timedelta(days=7))
    runtime = Runtime()
    try:
        # Bolt checks the token with auth.test as it starts.
        app = build_app(settings, config, services, runtime=runtime, socket_mode=socket_mode)
    except SlackApiError as e:
        runtime.close()
        raise ConfigError(f"SLACK_BOT_TOKEN is rejected by Slack ({e.response['error']})") from None
    except (URLError, OSError) as e:
        runtime.close()
        reason = getattr(e, "reason", e)
        raise ConfigError(
            f"SLACK_API_URL {settings.slack_api_url}: cannot reach Slack ({reason})"
        ) from None
    started = Started(settings, config, services, app, runtime)
    # The scheduler of bot/jobs.py (Notion sync, weekly digest) starts here, as a hook.
    stops = [stop for hook in on_start if (stop := hook(started)) is not None]
    try:
        if socket_mode:
            handler = connect_socket_mode(app, settings.secret("SLACK_APP_TOKEN"))
            log.info("journeybot: Socket Mode, connected")
            try:
                # Wake now and then: Ctrl-C may be delivered to one of the client's threads,
                # and Python raises KeyboardInterrupt only once the main thread runs again.
                while True:
                    time.sleep(0.5)
            finally:
                # close() waits up to 3 s for its reader to wake; the process is ending,
                # and the socket closes with it, so give it a second at most.
                closing = threading.Thread(target=handler.close, daemon=True)
                closing.start()
                closing.join(timeout=1)
        else:
            server = _Server((host, port), app)
            log.info("journeybot: HTTP on %s:%s%s", host, port, EVENTS_PATH)
            try:
                server.serve_forever()
            finally:
                server.server_close()
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise ConfigError(f"--port {port}: cannot listen: {e.strerror or e}") from None
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception:
                log.exception("a shutdown hook failed")
        runtime.close()
