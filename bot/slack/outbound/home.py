"""Publishing a person's App Home tab."""

from __future__ import annotations

from slack_sdk import WebClient

from ...services import Services
from ..blocks.home import home_view

__all__ = ["publish_home"]


def publish_home(services: Services, client: WebClient, team_id: str, user: str) -> None:
    """Build `user`'s App Home from the database and publish it (views.publish)."""
    home = services.home(team_id, user)
    view = home_view(
        team=home.team,
        teams=list(home.teams),
        notify=home.notify,
        pain_points=home.pain_points,
        ideas=home.ideas,
        waiting=home.waiting,
        top=home.top,
        admin=home.admin,
        questions=home.questions.answers if home.questions else None,
    )
    client.views_publish(user_id=user, view=view)
