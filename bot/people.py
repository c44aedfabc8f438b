"""People by name: the Slack display names Notion shows instead of user ids.

`Services.people` exposes these use cases. A person journeybot has not named yet gets a
`PERSON_NAME` effect in the outbox (once); the courier asks Slack (`users.info`, off any
ack path) and hands the answer back to `named`, which asks for a sync so the pages that
show that person are rewritten with the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storage.people_names import PeopleNames

if TYPE_CHECKING:
    from .services import Services

__all__ = ["People", "display_name"]

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def display_name(user: dict[str, object]) -> str:
    """Return the name Slack shows for a user object: display name, else real name, else handle."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    for name in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return " ".join(name.split())
    return ""


class People:
    """Who is called what, for every surface that shows people to people."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = PeopleNames(services.store)

    def names(self, team_id: str, users: Iterable[str] | None = None) -> dict[str, str]:
        """Return the known names of `users` (of everyone named when None)."""
        return self.store.of(team_id, users)

    def want_names(self, team_id: str, users: Iterable[str]) -> int:
        """Record a look-up of each of `users` never looked up; return how many were recorded."""
        from .services import Effects

        s = self.services
        wanted = [u for u in self.store.unknown(team_id, users) if _USER_ID.match(u)]
        if not wanted:
            return 0
        added = 0
        with s._unit():
            for user in wanted:
                # One look-up per person, ever: the key makes a second one a no-op.
                added += s.outbox.add(
                    team_id,
                    Effects.PERSON_NAME,
                    {"user": user},
                    key=f"name:{team_id}:{user}",
                    now=datetime.now(UTC),
                )
        return added

    def named(self, team_id: str, user: str, name: str) -> None:
        """Remember what Slack calls `user` ("" for nobody); a new name asks for a sync."""
        from .services import Change

        if self.store.set(team_id, user, name, now=self.services.clock()) and name:
            self.services._emit(Change(team_id))
