"""The server side of RFC 6455 WebSockets: the handshake and frames, standard library only.

Only what Slack's Socket Mode link needs: text, ping, pong and close frames, masked
from the client and unmasked from the server, fragmented messages reassembled.
See https://www.rfc-editor.org/rfc/rfc6455.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
from typing import BinaryIO

__all__ = ["CLOSE", "PING", "PONG", "TEXT", "ClosedError", "WebSocket", "accept_key"]

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_MAX_MESSAGE = 16 * 1024 * 1024
"""Largest message read, in bytes: far above any Slack ack, small enough to bound memory."""


class ClosedError(Exception):
    """The connection is closed (or broke) and no more frames can be read or sent."""


def accept_key(key: str) -> str:
    """Return ``Sec-WebSocket-Accept`` for the client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key.strip() + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


class WebSocket:
    """One accepted connection: read the client's messages, send text and control frames."""

    def __init__(self, sock: socket.socket, reader: BinaryIO) -> None:
        self._sock = sock
        self._reader = reader
        self._send_lock = threading.Lock()
        self.closed = False

    def send_text(self, text: str) -> None:
        """Send one text frame; raises ClosedError when the connection is gone."""
        self._send(TEXT, text.encode("utf-8"))

    def send_close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake (the client answers with its own close frame)."""
        self._send(CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))

    def receive(self) -> tuple[int, bytes]:
        """Return the next message as (opcode, payload); pings are answered here.

        Raises ClosedError at the end of the stream or when the client closes.
        """
        pieces: list[bytes] = []
        first_opcode = None
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == PING:
                self._send(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                # Answer the close as RFC 6455 asks, then stop reading.
                code = payload[:2] if len(payload) >= 2 else struct.pack("!H", 1000)
                with contextlib.suppress(ClosedError):
                    self._send(CLOSE, code)
                self.close()
                raise ClosedError("closed by the client")
            if opcode != CONTINUATION:
                first_opcode = opcode
            pieces.append(payload)
            if sum(len(p) for p in pieces) > _MAX_MESSAGE:
                self.close()
                raise ClosedError("message too large")
            if fin and first_opcode is not None:
                return first_opcode, b"".join(pieces)

    def close(self) -> None:
        """Close the TCP connection at once (no closing handshake)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _read_exactly(self, size: int) -> bytes:
        try:
            data = self._reader.read(size) if size else b""
        except (OSError, ValueError) as exc:
            raise ClosedError(str(exc)) from None
        if len(data) < size:
            raise ClosedError("end of stream")
        return data

    def _read_frame(self) -> tuple[bool, int, bytes]:
        head = self._read_exactly(2)
        fin = bool(head[0] & 0x80)
        opcode = head[0] & 0x0F
        masked = bool(head[1] & 0x80)
        length = head[1] & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exactly(8))
        if length > _MAX_MESSAGE:
            self.close()
            raise ClosedError("frame too large")
        mask = self._read_exactly(4) if masked else b""
        payload = self._read_exactly(length)
        if masked and length:
            # XOR as one big integer: far quicker than byte by byte in Python.
            key = (mask * (length // 4 + 1))[:length]
            unmasked = int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")
            payload = unmasked.to_bytes(length, "big")
        return fin, opcode, payload

    def _send(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self._send_lock:
            if self.closed:
                raise ClosedError("already closed")
            try:
                self._sock.sendall(header + payload)
            except OSError as exc:
                raise ClosedError(str(exc)) from None
