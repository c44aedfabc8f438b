"""Slash commands: /pain, /idea, /roadmap, /journey."""

from __future__ import annotations

from slack_bolt import App

from ...deps import Deps
from . import idea, journey, pain, roadmap

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register every slash command listener."""
    for module in (pain, idea, roadmap, journey):
        module.register(app, deps)
