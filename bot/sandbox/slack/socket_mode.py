"""Slack's side of Socket Mode: the link an app opens, envelopes out, acks back.

The app calls ``apps.connections.open`` with its app-level token and connects to the
``url`` it gets; Slack says ``hello``, then sends each slash command, interaction and
event in an envelope, and waits for the app to ack its ``envelope_id`` (with a
``payload`` where Slack uses one: slash command replies, modal ``response_action``,
options). Slack may ask the app to reconnect (``disconnect``); what was sent on a link
that closed before its ack is sent again on the next one. See
https://docs.slack.dev/apis/events-api/using-socket-mode.

    ack = slack.socket_mode.deliver("slash_commands", fields, accepts_response_payload=True)
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from .websocket import TEXT, ClosedError, WebSocket

__all__ = ["Ack", "SocketModeClientLike", "SocketModeHub"]

DISCONNECT_REASONS = ("warning", "refresh_requested", "link_disabled")
"""Reasons Slack gives in a ``disconnect`` message."""
EVENT_RETRIES = 3
"""Times Slack sends an events_api envelope again when its ack does not come in time."""


class SocketModeClientLike(Protocol):
    """What ``hang_up`` needs of a client, such as slack_sdk's SocketModeClient."""

    closed: bool

    def close(self) -> None: ...


@dataclass(frozen=True)
class Ack:
    """An envelope the app acknowledged: its type, what it carried and the ack's payload."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    ack: dict[str, Any]
    retry_attempt: int


@dataclass
class _Envelope:
    type: str
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str | None
    envelope_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    link: _Link | None = None
    sent_at: float = 0.0
    due: float = 0.0
    """When it may be sent (again): at once at first, after the ack window once orphaned."""
    ack: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def message(self) -> dict[str, Any]:
        """The envelope as Slack writes it on the socket."""
        out: dict[str, Any] = {
            "envelope_id": self.envelope_id,
            "payload": self.payload,
            "type": self.type,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            out["retry_attempt"] = self.retry_attempt
            out["retry_reason"] = self.retry_reason or ""
        return out


@dataclass(eq=False)
class _Link:
    socket: WebSocket
    retiring: bool = False
    """Asked to reconnect: closed once the app's next link is open."""


class SocketModeHub:
    """Open Socket Mode links, tickets to open new ones, and envelopes awaiting their ack."""

    def __init__(self, *, app_id: str, host: str = "applink-emulator") -> None:
        self.app_id = app_id
        self.host = host
        self.connections_opened = 0
        """How many links were opened since the start, reconnects included."""
        self.ack_window = 3.0
        """Seconds Slack waits for an ack before it sends an event again, or an envelope
        a closed link left unacked."""
        self.accepting = True
        """False to refuse new links (503), as when Slack's WebSocket host is unreachable."""
        self._lock = threading.Lock()
        self._opened = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._pending: dict[str, _Envelope] = {}
        self._acks: list[Ack] = []

    # -- links --------------------------------------------------------------------------

    def new_ticket(self) -> str:
        """A one-time ticket for the ``url`` that ``apps.connections.open`` answers."""
        with self._lock:
            ticket = secrets.token_hex(16)
            self._tickets.add(ticket)
            return ticket

    def take_ticket(self, ticket: str) -> bool:
        """Use up ``ticket``; False when it was never issued or is already used."""
        with self._lock:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return True
            return False

    def serve(self, socket: WebSocket) -> None:
        """Run one accepted link until it closes: hello, envelopes out, acks in."""
        link = _Link(socket)
        with self._lock:
            retired = [old for old in self._links if old.retiring]
            self._links.append(link)
            self.connections_opened += 1
            count = len(self._links)
            self._opened.notify_all()
        for old in retired:
            old.socket.close()
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": self.host,
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        try:
            socket.send_text(json.dumps(hello))
            self._send_waiting()
            while True:
                opcode, data = socket.receive()
                if opcode == TEXT:
                    self._on_message(data)
        except ClosedError:
            pass
        finally:
            socket.close()
            self._forget(link)

    @property
    def open_connections(self) -> int:
        """Links open right now."""
        with self._lock:
            return len(self._links)

    def wait_for_connections(self, opened: int, timeout: float = 5.0) -> bool:
        """Wait until ``opened`` links were opened in all; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.connections_opened < opened or not self._links:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._opened.wait(left)
            return True

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does before it recycles a link."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"unknown disconnect reason {reason!r}")
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": self.host}}
        )
        for link in self._snapshot():
            link.retiring = True
            with contextlib.suppress(ClosedError):
                link.socket.send_text(message)

    def drop(self) -> None:
        """Close every link as a server going away does (close frame 1001, then TCP)."""
        for link in self._snapshot():
            with contextlib.suppress(ClosedError):
                link.socket.send_close(1001, "going away")
            link.socket.close()

    def close(self) -> None:
        """Close every link at once, for the emulator's shutdown."""
        for link in self._snapshot():
            link.socket.close()

    def hang_up(self, client: SocketModeClientLike, timeout: float = 5.0) -> None:
        """Close an app's Socket Mode client connected here, without waiting seconds.

        slack_sdk's close() joins a reader that wakes only when data comes (or after
        3 s) and a queue poller that wakes each second. Once the client has marked
        itself closed it neither reconnects nor dispatches, so the rest of close()
        may finish in the background; closing the links from Slack's side wakes the
        reader at once.
        """
        closing = threading.Thread(target=client.close, name="socket-mode-close", daemon=True)
        closing.start()
        deadline = time.monotonic() + timeout
        while closing.is_alive() and not client.closed and time.monotonic() < deadline:
            time.sleep(0.001)
        self.close()

    # -- envelopes ----------------------------------------------------------------------

    def deliver(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any] | None:
        """Send an envelope and wait for its ack; return the ack's payload ({} when bare).

        Without an open link the envelope waits for one. Returns None when no ack came
        within ``timeout`` seconds (Slack then tells the person the app did not answer).
        """
        envelope = _Envelope(kind, payload, accepts_response_payload, retry_attempt, retry_reason)
        with self._lock:
            self._pending[envelope.envelope_id] = envelope
        deadline = time.monotonic() + timeout
        # The waiting person's thread also sends again what a closed link left unacked.
        while not envelope.done.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                with self._lock:
                    self._pending.pop(envelope.envelope_id, None)
                return None
            self._send_waiting()
            envelope.done.wait(min(left, 0.05))
        return envelope.ack

    @property
    def acks(self) -> list[Ack]:
        """Every envelope acked, in the order the acks arrived."""
        with self._lock:
            return list(self._acks)

    @property
    def unacked(self) -> int:
        """Envelopes sent or waiting to be sent that have no ack yet."""
        with self._lock:
            return len(self._pending)

    # -- internals ----------------------------------------------------------------------

    def _snapshot(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    def _send_waiting(self) -> None:
        """Send every envelope due and not on a live link over the newest link, if any.

        An event not acked within the ack window is due again, as a retry, like the
        Events API's retries (Slack spaces them out over minutes; here, one window).
        """
        now = time.monotonic()
        with self._lock:
            if not self._links:
                return
            link = self._links[-1]
            for envelope in self._pending.values():
                if (
                    envelope.type == "events_api"
                    and envelope.link is not None
                    and envelope.retry_attempt < EVENT_RETRIES
                    and now - envelope.sent_at >= self.ack_window
                ):
                    envelope.link = None
                    envelope.retry_attempt += 1
                    envelope.retry_reason = "timeout"
            waiting = [e for e in self._pending.values() if e.link is None and e.due <= now]
            for envelope in waiting:
                envelope.link = link
                envelope.sent_at = now
        # When the link is gone mid-way, _forget() puts its envelopes back in line.
        with contextlib.suppress(ClosedError):
            for envelope in waiting:
                link.socket.send_text(json.dumps(envelope.message()))

    def _on_message(self, data: bytes) -> None:
        try:
            message = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._lock:
            envelope = self._pending.pop(envelope_id, None) if envelope_id else None
            if envelope is None:
                return  # Slack ignores acks of unknown or already acked envelopes.
            ack = message.get("payload")
            envelope.ack = ack if isinstance(ack, dict) else {}
            self._acks.append(
                Ack(
                    envelope.envelope_id,
                    envelope.type,
                    envelope.payload,
                    envelope.ack,
                    envelope.retry_attempt,
                )
            )
        envelope.done.set()

    def _forget(self, link: _Link) -> None:
        """Drop a closed link; what it carried is sent again, as a retry, if still unacked
        once the ack window is over (the ack may yet come on the app's new link)."""
        with self._lock:
            if link in self._links:
                self._links.remove(link)
            for envelope in self._pending.values():
                if envelope.link is link:
                    envelope.link = None
                    envelope.due = envelope.sent_at + self.ack_window
                    envelope.retry_attempt += 1
                    envelope.retry_reason = "timeout"
        self._send_waiting()
