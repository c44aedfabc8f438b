"""Votes: each person's estimate of an idea, and their +1s."""

from __future__ import annotations

from datetime import datetime

from prioritize.models import Estimate, Support

from .repository import Repository
from .rows import iso

__all__ = ["Votes"]

_VOTE_COLUMNS = {
    "estimates": "voter, team_id, team, impact, complexity, weeks, created_at",
    "supports": "user, team_id, team, created_at",
}


class Votes(Repository):
    """Estimates and +1s of every workspace's ideas (`store.votes`)."""

    def record_estimate(self, estimate: Estimate, *, now: datetime) -> tuple[Estimate, bool]:
        """Store a person's estimate over their earlier one; return it and whether it replaced.

        Criteria the new estimate leaves out keep their earlier values.
        """
        with self.store.transaction() as db:
            self.store.ideas.get(estimate.team_id, estimate.idea_id)
            rows = list(
                self.db.query(
                    "select * from estimates where idea_id = ? and voter = ?",
                    [estimate.idea_id, estimate.voter],
                )
            )
            older = Estimate.model_validate(rows[0]) if rows else None
            merged = estimate.merged_over(older).model_copy(update={"created_at": now})
            db["estimates"].insert(merged.model_dump(mode="json"), replace=True)
            self.store.stats.refresh(estimate.idea_id)
        return merged, older is not None

    def estimates(self, idea_id: int) -> list[Estimate]:
        """Return every estimate of the idea, oldest first."""
        rows = list(
            self.db.query(
                "select * from estimates where idea_id = ? order by created_at, voter", [idea_id]
            )
        )
        return [Estimate.model_validate(row) for row in rows]

    def add_support(self, support: Support, *, now: datetime) -> bool:
        """Record a +1; False when this person supported the idea already."""
        with self.store.transaction() as db:
            self.store.ideas.get(support.team_id, support.idea_id)
            cursor = db.execute(
                "insert or ignore into supports (idea_id, user, team_id, team, created_at)"
                " values (?, ?, ?, ?, ?)",
                [support.idea_id, support.user, support.team_id, support.team, iso(now)],
            )
            added = cursor.rowcount == 1
            if added:
                self.store.stats.refresh(support.idea_id)
        return added

    def remove_support(self, team_id: str, idea_id: int, user: str) -> bool:
        """Retract a +1; False when there was none."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "delete from supports where team_id = ? and idea_id = ? and user = ?",
                [team_id, idea_id, user],
            )
            removed = cursor.rowcount == 1
            if removed:
                self.store.stats.refresh(idea_id)
        return removed

    def supporters(self, idea_id: int) -> list[str]:
        """Return the user ids of the idea's supporters, earliest first."""
        rows = list(
            self.db.query(
                "select user from supports where idea_id = ? order by created_at, user", [idea_id]
            )
        )
        return [row["user"] for row in rows]

    def estimated_by(self, team_id: str, voter: str) -> set[int]:
        """Return the ids of the ideas `voter` has estimated."""
        rows = list(
            self.db.query(
                "select idea_id from estimates where team_id = ? and voter = ?", [team_id, voter]
            )
        )
        return {row["idea_id"] for row in rows}

    def move(self, from_idea: int, to_idea: int) -> None:
        """Move the estimates and +1s of one idea to another (a merge), inside the caller's
        transaction; someone who voted on both keeps the vote they gave `to_idea`."""
        with self.store.transaction() as db:
            for table, columns in _VOTE_COLUMNS.items():
                db.execute(
                    f"insert or ignore into {table} (idea_id, {columns})"
                    f" select ?, {columns} from {table} where idea_id = ?",
                    [to_idea, from_idea],
                )
                db.execute(f"delete from {table} where idea_id = ?", [from_idea])
