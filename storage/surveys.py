"""Did it work? Who was asked about a Done idea, what they answered, and the digest's
snapshots of the journey answers.

Lives beside `Store` on the same database, so asking someone and recording the DM in the
outbox share one transaction.

    surveys = Surveys(store)
    with store.transaction():
        if surveys.ask(team_id, idea_id, user, now=now):
            ...record the DM...
    surveys.answer(team_id, idea_id, user, SurveyAnswer.YES, now=now)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prioritize.outcomes import SurveyAnswer

from .store import Store
from .store import iso as _iso

__all__ = ["Surveys"]


class Surveys:
    """The `surveys` and `answer_snapshots` tables, on the Store's database and transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def ask(self, team_id: str, idea_id: int, user: str, *, now: datetime) -> bool:
        """Record that `user` is asked about `idea_id`; False when they were asked before."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "insert or ignore into surveys (team_id, idea_id, user_id, asked_at)"
                " values (?, ?, ?, ?)",
                [team_id, idea_id, user, _iso(now)],
            )
            return cursor.rowcount == 1

    def people(self, team_id: str, pain_ids: Iterable[int]) -> list[str]:
        """Return who reported or said "me too" to any of `pain_ids`, first seen first."""
        ids = list(pain_ids)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self.store.db.execute(
            f"select reporter from pain_points where team_id = ? and id in ({marks})"
            f" union all select user from pain_votes where team_id = ?"
            f" and pain_point_id in ({marks})",
            [team_id, *ids, team_id, *ids],
        )
        return list(dict.fromkeys(r[0] for r in rows))

    def asked(self, team_id: str, idea_id: int) -> set[str]:
        """Return everyone asked about `idea_id` so far."""
        rows = self.store.db.execute(
            "select user_id from surveys where team_id = ? and idea_id = ?", [team_id, idea_id]
        )
        return {r[0] for r in rows}

    def answer(
        self, team_id: str, idea_id: int, user: str, answer: SurveyAnswer, *, now: datetime
    ) -> SurveyAnswer | None:
        """Store `user`'s answer (replacing an earlier one); return the earlier one.

        Raises LookupError when `user` was never asked about `idea_id`.
        """
        with self.store.transaction() as db:
            row = db.execute(
                "select answer from surveys where team_id = ? and idea_id = ? and user_id = ?",
                [team_id, idea_id, user],
            ).fetchone()
            if row is None:
                raise LookupError(f"{user} was not asked about idea #{idea_id}")
            db.execute(
                "update surveys set answer = ?, answered_at = ?"
                " where team_id = ? and idea_id = ? and user_id = ?",
                [answer.value, _iso(now), team_id, idea_id, user],
            )
            return SurveyAnswer(row[0]) if row[0] else None

    def answers(
        self, team_id: str, *, idea_ids: Iterable[int] | None = None
    ) -> dict[int, list[SurveyAnswer]]:
        """Return the answers given so far, per idea (ideas nobody answered are left out)."""
        sql = "select idea_id, answer from surveys where team_id = ? and answer is not null"
        params: list[Any] = [team_id]
        if idea_ids is not None:
            ids = list(idea_ids)
            if not ids:
                return {}
            sql += f" and idea_id in ({', '.join('?' * len(ids))})"
            params += ids
        found: dict[int, list[SurveyAnswer]] = {}
        for idea_id, text in self.store.db.execute(sql + " order by idea_id, user_id", params):
            found.setdefault(idea_id, []).append(SurveyAnswer(text))
        return found

    def save_snapshot(self, team_id: str, taken_at: datetime, data: dict[str, Any]) -> None:
        """Remember the journey answers as of `taken_at` (one JSON document)."""
        with self.store.transaction() as db:
            db.execute(
                "insert or replace into answer_snapshots (team_id, taken_at, data)"
                " values (?, ?, ?)",
                [team_id, _iso(taken_at), json.dumps(data, sort_keys=True)],
            )

    def snapshot_before(self, team_id: str, moment: datetime) -> dict[str, Any] | None:
        """Return the latest snapshot taken before `moment`, if any."""
        row = self.store.db.execute(
            "select data from answer_snapshots where team_id = ? and taken_at < ?"
            " order by taken_at desc limit 1",
            [team_id, _iso(moment)],
        ).fetchone()
        return json.loads(row[0]) if row else None
