"""Message shortcuts: "Log as pain point"."""

from __future__ import annotations

from slack_bolt import App

from ...deps import Deps
from . import log_pain

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register every shortcut listener."""
    log_pain.register(app, deps)
