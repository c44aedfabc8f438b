"""The Bolt listeners, a package per Slack surface; each has a `register(app, deps)`.

A listener acks, parses the request into plain values, calls one use case and hands what
the person should see to the runtime. None of them touches storage (a test holds them to it).
"""

from __future__ import annotations

from . import actions, commands, events, shortcuts, views

SURFACES = (commands, shortcuts, actions, views, events)
"""Every surface, in the order their listeners are registered."""

__all__ = ["SURFACES", "actions", "commands", "events", "shortcuts", "views"]
