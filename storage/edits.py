"""Edit history and finding pain points again: the `edits` table and a filtered search.

history = EditHistory(store)
history.add("T1", "pain", 7, by="U1", now=now, changes={"severity": [3, 5]})
history.of("T1", "pain", 7)  # [{"by": "U1", "at": ..., "changes": {...}}]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prioritize.models import PainPoint, PainStatus

from .pains import pain_of
from .store import Store, iso

__all__ = [
    "COUNT_UP_TO",
    "CardBuckets",
    "EditHistory",
    "PainFilter",
    "PainPage",
    "find_pain_points",
    "search_words",
]


def _iso(moment: datetime) -> str:
    return iso(moment, timespec="seconds")


class EditHistory:
    """Who changed which fields of a pain point or an idea, and when."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        team_id: str,
        kind: str,
        item_id: int,
        *,
        by: str,
        now: datetime,
        changes: dict[str, list[Any]],
    ) -> None:
        """Record one edit: `changes` maps each changed field to [old, new]."""
        with self.store.transaction() as db:
            db["edits"].insert(
                {
                    "team_id": team_id,
                    "kind": kind,
                    "item_id": item_id,
                    "by": by,
                    "at": _iso(now),
                    "changes": json.dumps(changes, ensure_ascii=False, default=str),
                }
            )

    def last_change(
        self, team_id: str, kind: str, item_id: int, field: str
    ) -> tuple[str, datetime] | None:
        """Return who last changed `field` of the item and when, or None if nobody did."""
        rows = self.store.db.execute(
            "select by, at from edits where team_id = ? and kind = ? and item_id = ?"
            " and json_type(changes, '$.' || ?) is not null order by id desc limit 1",
            [team_id, kind, item_id, field],
        ).fetchall()
        if not rows:
            return None
        by, at = rows[0]
        return by, datetime.fromisoformat(at)

    def of(self, team_id: str, kind: str, item_id: int) -> list[dict[str, Any]]:
        """Return the item's edits, oldest first, each as {"by", "at", "changes"}."""
        rows = self.store.db.execute(
            "select by, at, changes from edits where team_id = ? and kind = ? and item_id = ?"
            " order by id",
            [team_id, kind, item_id],
        ).fetchall()
        return [{"by": by, "at": at, "changes": json.loads(changes)} for by, at, changes in rows]


class CardBuckets:
    """The bucket each idea's card shows, as last drawn."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set(self, team_id: str, idea_id: int, bucket: str) -> None:
        """Remember that the idea's card now shows `bucket` ("" for none)."""
        with self.store.transaction() as db:
            db.execute(
                "update ideas set card_bucket = ? where team_id = ? and id = ?",
                [bucket, team_id, idea_id],
            )

    def drawn(self, team_id: str) -> dict[int, str]:
        """Return the bucket each posted card shows ("" for none), where known."""
        rows = self.store.db.execute(
            "select id, card_bucket from ideas where team_id = ? and card_ts is not null"
            " and card_bucket is not null and merged_into is null",
            [team_id],
        ).fetchall()
        return dict(rows)


@dataclass(frozen=True, slots=True)
class PainFilter:
    """What `/pain list` and `/pain search` narrow by; empty fields do not filter."""

    words: tuple[str, ...] = ()
    stage: str | None = None
    touchpoint: str | None = None
    team: str | None = None
    reporter: str | None = None
    statuses: tuple[PainStatus, ...] = (PainStatus.OPEN, PainStatus.ADDRESSED)


@dataclass(frozen=True, slots=True)
class PainPage:
    """One page of pain points found, newest first, with how many there are in all."""

    items: list[PainPoint]
    total: int
    people: dict[int, int]
    """How many people hit each pain point shown: its reporter plus every +1."""


_WORDS = re.compile(r"\w+", re.UNICODE)
COUNT_UP_TO = 1000
"""Found pain points are counted up to this many (the total says "or more" past it)."""


def find_pain_points(
    store: Store, team_id: str, wanted: PainFilter, *, offset: int, limit: int
) -> PainPage:
    """Return one page of the workspace's pain points matching `wanted`, newest first.

    Words match by prefix in the full-text index, all of them required.
    """
    where = ["p.team_id = ?"]
    params: list[Any] = [team_id]
    source = "pain_points p"
    if wanted.words:
        # The index drives, newest match first (CROSS JOIN fixes the loop order in SQLite),
        # so a page of ten stops early; the other way round SQLite may walk the
        # workspace's rows and run the match for each.
        source = (
            "(select rowid as id from pain_points_fts where pain_points_fts match ?"
            " order by rowid desc) f cross join pain_points p on p.id = f.id"
        )
        params.insert(0, " ".join(f'"{w}"*' for w in wanted.words))
    for column, value in (
        ("stage", wanted.stage),
        ("touchpoint", wanted.touchpoint),
        ("owning_team", wanted.team),
        ("reporter", wanted.reporter),
    ):
        if value is not None:
            where.append(f"p.{column} = ?")
            params.append(value)
    where.append(f"p.status in ({','.join('?' * len(wanted.statuses))})")
    params.extend(s.value for s in wanted.statuses)
    sql = f"from {source} where {' and '.join(where)}"
    db = store.db
    # Counting stops at COUNT_UP_TO: past that, "1,000 or more" is all anyone needs.
    (total,) = db.execute(
        f"select count(*) from (select 1 {sql} limit ?)", [*params, COUNT_UP_TO]
    ).fetchone()
    order = "" if wanted.words else " order by p.id desc"
    cursor = db.execute(f"select p.* {sql}{order} limit ? offset ?", [*params, limit, offset])
    columns = [c[0] for c in cursor.description]
    items = [pain_of(dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]
    people = {p.id: 1 for p in items if p.id is not None}
    if people:
        for pain_id, votes in db.execute(
            "select pain_point_id, count(*) from pain_votes"
            f" where pain_point_id in ({','.join('?' * len(people))}) group by pain_point_id",
            list(people),
        ):
            people[pain_id] += votes
    return PainPage(items, total, people)


def search_words(text: str) -> list[str]:
    """Return the words of a search as the full-text index sees them."""
    return _WORDS.findall(text.casefold())
