"""Pain points: what people hit on the customer journey, and who hits them too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prioritize.errors import NotFound
from prioritize.heat import PainFact
from prioritize.models import EvidenceSource, PainPoint, PainStatus
from prioritize.parsing import parse_id

from .repository import Repository
from .rows import from_iso, iso, keywords

__all__ = ["PainPoints", "pain_of"]


class PainPoints(Repository):
    """The pain points of every workspace, and their "me too" votes (`store.pains`)."""

    def add(self, pain: PainPoint, *, now: datetime) -> PainPoint:
        """Store a new pain point and return it with its id."""
        return self.add_all([pain], now=now)[0]

    def add_all(self, pains: Iterable[PainPoint], *, now: datetime) -> list[PainPoint]:
        """Store many pain points in one transaction: all of them or, on error, none."""
        stored = []
        with self.store.transaction() as db:
            for pain in pains:
                row = pain.model_dump(mode="json", exclude={"id"})
                row["created_at"] = iso(pain.created_at or now)
                pk = db["pain_points"].insert(row).last_pk
                stored.append(
                    pain.model_copy(update={"id": pk, "created_at": from_iso(row["created_at"])})
                )
        return stored

    def get(self, team_id: str, pain_id: int) -> PainPoint:
        """Return pain point `pain_id`; raises NotFound."""
        rows = list(
            self.db.query(
                "select * from pain_points where team_id = ? and id = ?", [team_id, pain_id]
            )
        )
        if not rows:
            raise NotFound(f"pain point #{pain_id} does not exist")
        return pain_of(rows[0])

    def all(
        self,
        team_id: str,
        *,
        status: PainStatus | None = None,
        reporter: str | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[PainPoint]:
        """Return the workspace's pain points, oldest first, optionally filtered."""
        sql, params = "select * from pain_points where team_id = ?", [team_id]
        if status is not None:
            sql += " and status = ?"
            params.append(status.value)
        if reporter is not None:
            sql += " and reporter = ?"
            params.append(reporter)
        if ids is not None:
            wanted = list(ids)
            sql += f" and id in ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        return [pain_of(row) for row in list(self.db.query(sql + " order by id", params))]

    def update(self, team_id: str, pain_id: int, **changes: Any) -> PainPoint:
        """Apply `changes` (validated as a PainPoint) and return the result; raises NotFound."""
        with self.store.transaction() as db:
            current = self.get(team_id, pain_id)
            updated = PainPoint.model_validate({**current.model_dump(), **changes})
            row = updated.model_dump(mode="json", exclude={"id", "created_at", "team_id"})
            db["pain_points"].update(pain_id, row)
            for idea_id in self.store.ideas.linked_to(pain_id):
                self.store.stats.refresh(idea_id)
        return updated

    def similar(
        self, team_id: str, text: str, *, limit: int = 3, exclude: int | None = None
    ) -> list[PainPoint]:
        """Return open pain points sharing most of `text`'s significant words, best first."""
        words = keywords(text)
        if len(words) < 2:
            return []
        query = " OR ".join(f'"{w}"' for w in words)
        rows = list(
            self.db.query(
                """
            select p.* from pain_points_fts f join pain_points p on p.id = f.rowid
            where pain_points_fts match ? and p.team_id = ? and p.status = 'Open'
              and p.id is not ?
            order by f.rank limit 20
            """,
                [query, team_id, exclude],
            )
        )
        wanted = set(words)
        picked = []
        for row in rows:
            shared = wanted & set(keywords(row["text"]))
            if len(shared) >= 2 and len(shared) >= 0.5 * min(len(wanted), 8):
                picked.append(pain_of(row))
                if len(picked) == limit:
                    break  # building models is the costly part; stop at what is asked
        return picked

    def search(self, team_id: str, text: str, *, limit: int = 50) -> list[PainPoint]:
        """Return open pain points as a person types: `#12` by id, words by prefix, newest first.

        With no words, return the newest open pain points.
        """
        text = text.strip()
        if (pain_id := parse_id(text)) is not None:
            rows = list(
                self.db.query(
                    "select * from pain_points where team_id = ? and id = ? and status = 'Open'",
                    [team_id, pain_id],
                )
            )
            return [pain_of(row) for row in rows]
        words = re.findall(r"\w+", text.casefold())[:8]
        if not words:
            rows = list(
                self.db.query(
                    "select * from pain_points where team_id = ? and status = 'Open'"
                    " order by id desc limit ?",
                    [team_id, limit],
                )
            )
            return [pain_of(row) for row in rows]
        rows = list(
            self.db.query(
                """
            select p.* from pain_points_fts f join pain_points p on p.id = f.rowid
            where pain_points_fts match ? and p.team_id = ? and p.status = 'Open'
            order by p.id desc limit ?
            """,
                [" ".join(f'"{w}"*' for w in words), team_id, limit],
            )
        )
        return [pain_of(row) for row in rows]

    def vote(self, team_id: str, pain_id: int, user: str, *, now: datetime) -> bool:
        """Record that `user` hits this pain point too; False if they had said so already."""
        with self.store.transaction() as db:
            self.get(team_id, pain_id)
            before = db["pain_votes"].count_where("pain_point_id = ? and user = ?", [pain_id, user])
            db["pain_votes"].insert(
                {
                    "pain_point_id": pain_id,
                    "user": user,
                    "team_id": team_id,
                    "created_at": iso(now),
                },
                replace=True,
            )
        return before == 0

    def votes(self, pain_id: int) -> int:
        """Return how many people said they hit this pain point too."""
        return self.db["pain_votes"].count_where("pain_point_id = ?", [pain_id])

    def vote_counts(self, team_id: str) -> dict[int, int]:
        """Return, for each pain point of the workspace that has any, how many hit it too."""
        rows = list(
            self.db.query(
                "select pain_point_id, count(*) as n from pain_votes where team_id = ?"
                " group by pain_point_id",
                [team_id],
            )
        )
        return {row["pain_point_id"]: row["n"] for row in rows}

    def facts(self, team_id: str) -> list[PainFact]:
        """Return what journey heat needs of every pain point in the workspace."""
        rows = list(
            self.db.query(
                "select id, stage, severity, status from pain_points where team_id = ?", [team_id]
            )
        )
        return [PainFact(r["id"], r["stage"], r["severity"], PainStatus(r["status"])) for r in rows]


def pain_of(row: dict[str, Any]) -> PainPoint:
    """Return the PainPoint a `pain_points` row holds."""
    return PainPoint(
        id=row["id"],
        team_id=row["team_id"],
        reporter=row["reporter"],
        text=row["text"],
        stage=row["stage"],
        touchpoint=row["touchpoint"],
        persona=row["persona"],
        severity=row["severity"],
        source=EvidenceSource(row["source"]) if row["source"] else None,
        link=row["link"],
        owning_team=row["owning_team"],
        status=PainStatus(row["status"]),
        created_at=from_iso(row["created_at"]),
    )
