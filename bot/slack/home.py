"""Publishing a person's App Home tab."""

from __future__ import annotations

from functools import partial

from .blocks.home import home_view
from .deps import Deps

__all__ = ["publish_home", "refresh_home"]

HOME_DELAY = 0.1
"""Seconds to gather a person's clicks (team, DMs) into one redraw of their Home tab."""


def refresh_home(deps: Deps, team_id: str, user: str) -> None:
    """Redraw `user`'s App Home soon, once per burst, never two drawings at a time.

    Two clicks in a row each change the database; drawn concurrently, the slower
    drawing could read before the other click's change and publish a stale tab.
    """
    deps.runtime.coalesce(
        ("home", team_id, user), partial(publish_home, deps, team_id, user), delay=HOME_DELAY
    )


def publish_home(deps: Deps, team_id: str, user: str) -> None:
    """Build `user`'s App Home from the database and publish it (views.publish)."""
    entries = deps.services.roadmap(team_id)
    active = [e for e in entries if e.idea.status.is_active]
    estimated = deps.store.estimated_by(team_id, user)
    view = home_view(
        team=deps.store.team_of(team_id, user),
        teams=deps.journey.teams,
        notify=deps.store.wants_dms(team_id, user),
        pain_points=list(reversed(deps.store.pain_points(team_id, reporter=user))),
        ideas=[e for e in reversed(entries) if e.idea.proposer == user],
        waiting=[e for e in active if e.idea.id not in estimated],
        top=active[:5],
    )
    deps.client.views_publish(user_id=user, view=view)
