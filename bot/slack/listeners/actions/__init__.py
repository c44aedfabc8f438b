"""Interactive elements: the /pain confirmation, idea cards, App Home, select searches,
the "Is this better now?" DM."""

from __future__ import annotations

from slack_bolt import App

from ...deps import Deps
from . import everyday, home, idea_card, pain, search, survey, workspace

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register every block action and options listener."""
    # everyday first: it takes the Edit choice of the card's admin menu.
    for module in (everyday, pain, idea_card, home, search, survey, workspace):
        module.register(app, deps)
