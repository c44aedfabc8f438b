"""Modal submissions: pain point (new and edit), idea, estimate, admin."""

from __future__ import annotations

from slack_bolt import App

from ...deps import Deps
from . import admin, estimate, everyday, idea, pain, workspace

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register every view submission listener."""
    for module in (pain, idea, estimate, admin, everyday, workspace):
        module.register(app, deps)
