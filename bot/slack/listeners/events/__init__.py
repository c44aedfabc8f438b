"""Events API: thread replies on idea cards, :+1: reactions, the App Home tab."""

from __future__ import annotations

from slack_bolt import App

from ...deps import Deps
from . import app_home, reactions, thread_replies

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register every event listener."""
    for module in (thread_replies, reactions, app_home):
        module.register(app, deps)
