"""People's Slack display names, so that Notion shows a name where Slack has a user id.

names = PeopleNames(store)
names.set("T1", "U1", "Ada", now=now)
names.of("T1", ["U1", "U2"])  # {"U1": "Ada"}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlite_utils.utils import chunks

from .repository import Repository
from .store import iso

__all__ = ["PeopleNames"]


class PeopleNames(Repository):
    """The `person_names` table, on the Store's database and transactions."""

    def set(self, team_id: str, user: str, name: str, *, now: datetime) -> bool:
        """Remember `user`'s name ("" when Slack has none); True if it changed."""
        with self.store.transaction() as db:
            row = db.execute(
                "select name from person_names where team_id = ? and user_id = ?",
                [team_id, user],
            ).fetchone()
            db.execute(
                "insert or replace into person_names (team_id, user_id, name, fetched_at)"
                " values (?, ?, ?, ?)",
                [team_id, user, name, iso(now)],
            )
            return row is None or row[0] != name

    def of(self, team_id: str, users: Iterable[str] | None = None) -> dict[str, str]:
        """Return the known, non-empty names of `users` (of everyone when None)."""
        db = self.db
        if users is None:
            rows = db.execute(
                "select user_id, name from person_names where team_id = ? and name != ''",
                [team_id],
            ).fetchall()
            return dict(rows)
        found: dict[str, str] = {}
        for part in chunks(sorted(set(users)), 500):
            ids = list(part)
            marks = ", ".join("?" * len(ids))
            found.update(
                db.execute(
                    "select user_id, name from person_names where team_id = ? and name != ''"
                    f" and user_id in ({marks})",
                    [team_id, *ids],
                ).fetchall()
            )
        return found

    def unknown(self, team_id: str, users: Iterable[str]) -> list[str]:
        """Return which of `users` were never looked up (a name of "" counts as looked up)."""
        wanted = sorted(set(users))
        known: set[str] = set()
        for part in chunks(wanted, 500):
            ids = list(part)
            marks = ", ".join("?" * len(ids))
            known.update(
                r[0]
                for r in self.db.execute(
                    f"select user_id from person_names where team_id = ? and user_id in ({marks})",
                    [team_id, *ids],
                )
            )
        return [u for u in wanted if u not in known]
