"""What the Slack bot remembers for itself: work already done, DMs already sent.

Lives beside `Store` on the same database, so a claim and the change it guards share one
transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .store import Store, iso

__all__ = ["SlackState"]


def _iso(moment: datetime) -> str:
    return iso(moment, timespec="seconds")


class SlackState:
    """Claims (do-once keys) and the DM log, on the Store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, key: str, *, now: datetime) -> bool:
        """Return True the first time `key` is claimed, False ever after."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "insert or ignore into slack_claims (key, at) values (?, ?)", [key, _iso(now)]
            )
            return cursor.rowcount == 1

    def result_of(self, key: str) -> str | None:
        """Return what the first claim of `key` recorded as its result, if anything."""
        row = self.store.db.execute(
            "select result from slack_claims where key = ?", [key]
        ).fetchone()
        return row[0] if row else None

    def set_result(self, key: str, result: str) -> None:
        """Record the result of the work `key` guards, for a replay to return."""
        with self.store.transaction() as db:
            db.execute("update slack_claims set result = ? where key = ?", [result, key])

    def forget_claims(self, *, before: datetime) -> int:
        """Drop claims older than `before` (Slack stops redelivering after an hour)."""
        with self.store.transaction() as db:
            return db.execute("delete from slack_claims where at < ?", [_iso(before)]).rowcount

    def count_dm(self, team_id: str, user: str, idea_id: int, *, now: datetime) -> None:
        """Count a DM to `user` about `idea_id` that Slack took today."""
        day = now.astimezone(UTC).date().isoformat()
        with self.store.transaction() as db:
            db.execute(
                "insert into slack_dms (team_id, user_id, idea_id, day, sent)"
                " values (?, ?, ?, ?, 1) on conflict (team_id, user_id, idea_id, day)"
                " do update set sent = sent + 1",
                [team_id, user, idea_id, day],
            )

    def dms_sent(self, team_id: str, user: str, idea_id: int, *, day: str) -> int:
        """Return how many DMs `user` got about `idea_id` on `day` (YYYY-MM-DD, UTC)."""
        rows = self.store.db.execute(
            "select sent from slack_dms where team_id = ? and user_id = ? and idea_id = ?"
            " and day = ?",
            [team_id, user, idea_id, day],
        ).fetchall()
        return rows[0][0] if rows else 0
