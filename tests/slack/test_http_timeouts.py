"""Slow and idle clients against a real server on 127.0.0.1: nobody holds a thread for long."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from slack_bolt import Ack, App
from slack_helpers import SECRET
from slack_sdk import WebClient

from bot.sandbox.slack import SlackEmulator, Workspace, signed_headers
from bot.slack.http_server import serve_http

TIMEOUT = 1.0
"""The server's request timeout in these tests (5 s in production)."""


@pytest.fixture
def url(slack: SlackEmulator) -> Iterator[str]:
    app = App(client=WebClient(base_url=slack.api_url, token=slack.token), signing_secret=SECRET)

    @app.command("/pain")
    def pain(ack: Ack) -> None:
        ack("noted")

    server, events_url = serve_http(app, signing_secret=SECRET, request_timeout=TIMEOUT)
    yield events_url
    server.shutdown()
    server.server_close()


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT + 5)


def _closed_by_server(sock: socket.socket) -> bytes:
    """Return what the server sent before closing; fails if it keeps the socket open."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_an_idle_connection_is_closed_without_an_answer(url: str) -> None:
    with _connect(url) as sock:
        started = time.monotonic()
        assert _closed_by_server(sock) == b""
    assert time.monotonic() - started < TIMEOUT + 2


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_deadline(url: str) -> None:
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"y" * 200 + b"\r\n"
    sent = 0
    started = time.monotonic()
    with _connect(url) as sock:
        try:
            for byte in head:  # 0.05 s a byte: all of it would take about 12 s
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.05)
                if time.monotonic() - started > TIMEOUT + 3:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: what this test wants
        sock.settimeout(1.0)
        with contextlib.suppress(ConnectionResetError):
            assert _closed_by_server(sock) == b""
    assert sent < len(head)
    assert time.monotonic() - started < TIMEOUT + 3


def test_a_body_that_stops_arriving_gets_408(url: str) -> None:
    raw = urlencode({"command": "/pain", "text": "slow"}).encode()
    headers = signed_headers(SECRET, raw)
    head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(raw)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with _connect(url) as sock:
        sock.sendall(head.encode() + raw[:5])
        answer = _closed_by_server(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_keep_alive_connection_serves_requests_then_closes_when_idle(url: str) -> None:
    raw = urlencode({"command": "/pain", "text": "kept alive"}).encode()
    with _connect(url) as sock:
        for _ in range(2):
            headers = signed_headers(SECRET, raw)
            head = f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(raw)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            sock.sendall(head.encode() + raw)
            answer = b""
            while not answer.endswith(b"noted"):  # the headers and the body may come apart
                chunk = sock.recv(65536)
                assert chunk, answer
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 "), answer
        assert _closed_by_server(sock) == b""


def test_a_thousand_half_open_sockets_neither_block_slack_nor_keep_their_threads(
    url: str, slack: SlackEmulator
) -> None:
    sockets = []
    try:
        for _ in range(1000):
            sock = _connect(url)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nContent-Length: 100\r\n")
            sockets.append(sock)
        # Slack's own request still gets its answer while all of them hang.
        reply = Workspace(slack, url, SECRET).slash("U0BEN", "/pain", "still answered")
        assert (reply.status, reply.body) == (200, "noted")
        for sock in sockets:
            assert _closed_by_server(sock) == b""
    finally:
        for sock in sockets:
            sock.close()
    deadline = time.monotonic() + 10
    while _connection_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _connection_threads() == []


def _connection_threads() -> list[str]:
    """The server's per-connection threads still alive (named by socketserver)."""
    return [t.name for t in threading.enumerate() if "process_request" in t.name]
