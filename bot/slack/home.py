"""Publishing a person's App Home tab."""

from __future__ import annotations

from .blocks.home import home_view
from .deps import Deps

__all__ = ["publish_home"]


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
