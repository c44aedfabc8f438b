"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at `/slack/events`.

The HTTP server is in `http_server` and the Socket Mode link in `socket_mode`. `run_bot`
is what `journeybot run` calls; `on_start` hooks are where the scheduler of `bot/jobs.py`
(periodic and debounced Notion sync, weekly digest) is started, and where they add their
health checks. SIGTERM and Ctrl-C stop it within a bounded time.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from ..config import AppConfig, ConfigError, Settings
from ..health import Provider, database_writable, health, outbox_backlog, slack_connection
from ..services import Services
from .app import JourneyApp, build_app
from .http_server import EVENTS_PATH, HEALTH_PATH, SlackHTTPServer, bind, serve_in_thread
from .install import INSTALL_PATH
from .runtime import Runtime
from .socket_mode import connect_socket_mode

__all__ = ["StartHook", "Started", "run_bot"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    """What an `on_start` hook gets: the running bot's parts."""

    settings: Settings
    config: AppConfig
    services: Services
    app: App
    runtime: Runtime
    team_id: str | None
    """The workspace the bot is installed in: the only one it serves and schedules for
    (None when installed through Slack's install flow: every workspace in the database)."""
    checks: dict[str, Provider] = field(default_factory=dict)
    """The providers behind `GET /healthz`; hooks add theirs (read at each request)."""


StartHook = Callable[[Started], Callable[[], None] | None]
"""Called once the app is built; may return a function to call on shutdown."""


def run_bot(
    settings: Settings,
    config: AppConfig,
    services: Services,
    *,
    port: int = 3000,
    host: str = "0.0.0.0",
    health_port: int | None = None,
    on_start: Sequence[StartHook] = (),
    shutdown_timeout: float = 10.0,
) -> None:
    """Run the bot until SIGTERM or Ctrl-C; raises ConfigError with one line for what is wrong.

    Stopping: the HTTP listener closes at once (no new requests), requests in flight and
    the work they queued, then the `on_start` hooks' stop functions (the scheduler), get
    up to `shutdown_timeout` seconds in all.
    """
    socket_mode = settings.slack_app_token is not None
    oauth = settings.oauth
    if not oauth:
        settings.require("SLACK_BOT_TOKEN")
    if not socket_mode:
        settings.require("SLACK_SIGNING_SECRET")
    _require_writable(settings.journeybot_db)
    # Slack stops redelivering an event within the hour; a week of claims is plenty.
    services.forget_claims(before=services.clock() - timedelta(days=7))
    checks: dict[str, Provider] = {"database": database_writable(settings.journeybot_db)}
    checks["outbox"] = outbox_backlog(settings.journeybot_db)

    def report() -> tuple[int, dict[str, Any]]:
        return health(dict(checks))

    events: SlackHTTPServer | None = None
    pages: SlackHTTPServer | None = None
    """Installing through Slack in Socket Mode: the install pages' own HTTP listener."""
    listeners: list[SlackHTTPServer] = []
    in_threads: list[SlackHTTPServer] = []
    with _stop_on_sigterm():
        try:
            if not socket_mode:
                secret = settings.secret("SLACK_SIGNING_SECRET")
                events = bind(host, port, "--port", signing_secret=secret, health=report)
                listeners.append(events)
            elif oauth:
                # Socket Mode has no HTTP endpoint, but installing needs one: people's
                # browsers open /slack/install and come back to /slack/oauth_redirect.
                pages = bind(host, port, "--port", health=report)
                listeners.append(pages)
            if health_port is not None:
                listeners.append(bind(host, health_port, "--health-port", health=report))
            runtime = Runtime()
            handler = None
            try:
                app = _build(settings, config, services, runtime, socket_mode=socket_mode)
                if socket_mode:
                    # Connected before anything else starts: a refused app token is one
                    # line, with nothing started to stop.
                    handler = connect_socket_mode(app, settings.secret("SLACK_APP_TOKEN"))
                    checks["slack"] = slack_connection(handler.client.is_connected)
            except BaseException:
                runtime.close(timeout=0)
                raise
            team_id = app.installation.team_id if app.installation is not None else None
            started = Started(settings, config, services, app, runtime, team_id, checks)
            # The scheduler of bot/jobs.py (Notion sync, weekly digest) starts here, as a hook.
            stops = [stop for hook in on_start if (stop := hook(started)) is not None]
        except BaseException:
            for server in listeners:
                server.server_close()
            raise
        try:
            if events is not None:
                events.app = app
            for server in (events, pages):
                if server is not None:
                    server.oauth = app.oauth_flow
            for server in listeners:
                if server is not events:
                    serve_in_thread(server)
                    in_threads.append(server)
                    bound_host, bound_port = server.server_address[:2]
                    what = f"{INSTALL_PATH} and {HEALTH_PATH}" if server is pages else HEALTH_PATH
                    log.info("journeybot: %s on %s:%s", what, bound_host, bound_port)
            if handler is not None:
                log.info("journeybot: Socket Mode, connected")
                try:
                    # Wake now and then: Ctrl-C may be delivered to one of the client's
                    # threads, and Python raises KeyboardInterrupt only once the main
                    # thread runs again.
                    while True:
                        time.sleep(0.5)
                finally:
                    # close() waits up to 3 s for its reader to wake; the process is
                    # ending, and the socket closes with it, so give it a second at most.
                    closing = threading.Thread(target=handler.close, daemon=True)
                    closing.start()
                    closing.join(timeout=1)
            elif events is not None:
                bound_host, bound_port = events.server_address[:2]
                log.info("journeybot: HTTP on %s:%s%s", bound_host, bound_port, EVENTS_PATH)
                events.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            log.info("journeybot: stopping")
        except SlackApiError as e:
            raise ConfigError(
                f"SLACK_APP_TOKEN is rejected by Slack ({e.response.get('error')})"
            ) from None
        except (URLError, OSError) as e:
            raise _unreachable(settings, e) from None
        finally:
            _stop(listeners, in_threads, stops, runtime, timeout=shutdown_timeout)


def _require_writable(path: Path) -> None:
    """Raise ConfigError unless the database takes writes: a read-only file fails at once."""
    check = database_writable(path)()
    if not check.ok:
        raise ConfigError(f"JOURNEYBOT_DB {path} is not writable: {check.info['error']}")


def _build(
    settings: Settings,
    config: AppConfig,
    services: Services,
    runtime: Runtime,
    *,
    socket_mode: bool,
) -> JourneyApp:
    """Build the Bolt app; raises ConfigError when Slack rejects the token or is unreachable."""
    try:
        # Bolt checks the token with auth.test as it starts.
        return build_app(settings, config, services, runtime=runtime, socket_mode=socket_mode)
    except (SlackApiError, BoltError) as e:
        # Bolt wraps auth.test's SlackApiError in a BoltError raised while handling it.
        api_error = e if isinstance(e, SlackApiError) else e.__context__
        if not isinstance(api_error, SlackApiError):
            raise ConfigError(f"the Slack app cannot start: {e}") from None
        raise ConfigError(
            f"SLACK_BOT_TOKEN is rejected by Slack ({api_error.response.get('error')})"
        ) from None
    except (URLError, OSError) as e:
        raise _unreachable(settings, e) from None


def _stop(
    listeners: Sequence[SlackHTTPServer],
    in_threads: Sequence[SlackHTTPServer],
    stops: Sequence[Callable[[], None]],
    runtime: Runtime,
    *,
    timeout: float,
) -> None:
    """Stop taking requests, let what is in flight finish within `timeout`, stop the hooks."""
    deadline = time.monotonic() + timeout
    for server in listeners:
        server.stopping = True
    # Closing the listening socket refuses new connections at once; requests already
    # being read or answered go on in their threads. A loop serving in a thread of its
    # own is stopped first (the main thread's loop has already left on the signal).
    for server in in_threads:
        server.shutdown()
    for server in listeners:
        server.server_close()
    for server in listeners:
        if not server.wait_idle(max(0.0, deadline - time.monotonic())):
            log.warning("journeybot: stopped waiting for requests still in flight")
    # What people were promised comes first (answers, card redraws); the scheduler's jobs
    # (a Notion sync, the digest) pick up where they stopped on the next start.
    if not runtime.drain(max(0.0, deadline - time.monotonic())):
        log.warning("journeybot: work still queued after %.0f s is dropped", timeout)
    runtime.close(timeout=0)
    for stop in reversed(stops):
        _call_within(stop, max(0.0, deadline - time.monotonic()))
    log.info("journeybot: stopped")


def _call_within(stop: Callable[[], None], timeout: float) -> None:
    """Call a shutdown hook, giving up on it (it goes on in a daemon thread) after `timeout`."""

    def call() -> None:
        try:
            stop()
        except Exception:
            log.exception("a shutdown hook failed")

    thread = threading.Thread(target=call, name="journeybot-stop", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        log.warning("journeybot: stopped waiting for %s", getattr(stop, "__qualname__", stop))


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Make SIGTERM stop the bot as Ctrl-C does (KeyboardInterrupt in the main thread).

    A second signal while stopping is ignored, so the bounded shutdown can finish. Only
    the main thread can handle signals; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def interrupt(signum: int, frame: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _unreachable(settings: Settings, error: OSError) -> ConfigError:
    """The one line that says Slack at SLACK_API_URL could not be reached, and why."""
    reason = getattr(error, "reason", error)
    return ConfigError(f"SLACK_API_URL {settings.slack_api_url}: cannot reach Slack ({reason})")
