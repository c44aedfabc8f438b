"""People: which cross-functional team each person is in, and whether they want DMs."""

from __future__ import annotations

from .repository import Repository

__all__ = ["People"]


class People(Repository):
    """What people said about themselves, per workspace (`store.people`)."""

    def team_of(self, team_id: str, user: str) -> str | None:
        """Return the cross-functional team a person said they belong to, if any."""
        rows = list(
            self.db.query(
                "select team from people where team_id = ? and user_id = ?", [team_id, user]
            )
        )
        return rows[0]["team"] if rows else None

    def set_team(self, team_id: str, user: str, team: str) -> None:
        """Remember which cross-functional team a person belongs to."""
        with self.store.transaction() as db:
            db.execute(
                "insert into people (team_id, user_id, team, notify) values (?, ?, ?, 1)"
                " on conflict (team_id, user_id) do update set team = excluded.team",
                [team_id, user, team],
            )

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        """Turn a person's direct messages on or off."""
        with self.store.transaction() as db:
            db.execute(
                "insert into people (team_id, user_id, notify) values (?, ?, ?)"
                " on conflict (team_id, user_id) do update set notify = excluded.notify",
                [team_id, user, int(notify)],
            )

    def wants_dms(self, team_id: str, user: str) -> bool:
        """Whether a person still accepts direct messages from journeybot."""
        rows = list(
            self.db.query(
                "select notify from people where team_id = ? and user_id = ?", [team_id, user]
            )
        )
        return not rows or bool(rows[0]["notify"])
