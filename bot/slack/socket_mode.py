"""Socket Mode: the bot's link to Slack over a WebSocket, opened with Bolt's own handler.

A refused app token or an unreachable Slack is reported once, as a ConfigError in one line,
instead of the client's own retry log lines.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from ..config import ConfigError

__all__ = ["connect_socket_mode"]


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
