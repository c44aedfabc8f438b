"""Which bot token a Web API call uses: the one of the workspace being served.

With one workspace there is one client. Installed in many, each request is served with
its own installation's client (Bolt's authorize puts it in the request's context) and
each outbox effect with its workspace's; the helpers that call Slack (cards, notices,
admin checks, answers after the ack) ask `current` rather than keep a client of their
own, so they can never post into one workspace with another's token.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from slack_sdk import WebClient

__all__ = ["current", "serving", "use"]

_CURRENT: ContextVar[WebClient | None] = ContextVar("journeybot_client", default=None)


def current(default: WebClient) -> WebClient:
    """The client of the workspace being served, else `default` (the one-workspace client)."""
    return _CURRENT.get() or default


def use(client: WebClient) -> None:
    """Serve the rest of this request (and the work it hands on) with `client`.

    Set, not reset, like the requester in `deps`: Bolt runs the listener after the
    middleware returns, and each request on the thread sets its own.
    """
    _CURRENT.set(client)


@contextmanager
def serving(client: WebClient) -> Iterator[WebClient]:
    """Use `client` for the calls made inside the block (an outbox effect's delivery)."""
    token = _CURRENT.set(client)
    try:
        yield client
    finally:
        _CURRENT.reset(token)
