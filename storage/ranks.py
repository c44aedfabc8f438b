"""The ranking index: each live idea's rank key and bucket lane, kept in `idea_rank`.

`prioritize.roadmap` ranks and buckets a whole workspace; this answers the same questions
for one idea, or for the top of the ranking, with a few indexed reads, so that a vote and
its card redraw cost the same at 100 ideas or 100,000:

- a rank is the ideas in better (closed, needs estimates, score band) groups, summed from
  `rank_bands` (kept by triggers), plus the better ideas inside the idea's own band;
- a bucket: closed ideas have none, pins and In progress fix theirs, ideas that need
  estimates are Later, and the rest are placed by `placed()`, the capacity walk of
  `prioritize.scoring.plan` run over the index. It visits only the ideas that can still
  fit: after Now and Next are nearly full, it jumps, for each distinct time to deliver
  that still fits, to the next such idea in rank order.

Rows are written by `Stats.refresh` in `storage.stats` (a vote, a +1, a link, a pain
point change) and by the triggers of migration m009 (a status, a pin, a merge); the scores
in them depend on the scoring config, whose fingerprint is kept in `meta` (see
`Store.use_scoring`).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any

from prioritize.config import Capacity, ScoringConfig
from prioritize.models import Bucket
from prioritize.scoring import Score, bucket_for, fits

__all__ = [
    "CARDS_FINGERPRINT",
    "RANKS_FINGERPRINT",
    "STATS_VERSION",
    "STATS_VERSION_KEY",
    "fingerprint",
    "placed",
    "position",
    "rank_row",
    "top_ids",
]

STATS_VERSION = "2"
"""Bumped when what `idea_stats` holds changes: rows of an older version are rebuilt."""
STATS_VERSION_KEY = "stats.version"
RANKS_FINGERPRINT = "ranks.fingerprint"
CARDS_FINGERPRINT = "cards.fingerprint"
_RANKS_VERSION = 1

_COLUMNS = (
    "idea_id",
    "team_id",
    "off",
    "needs",
    "band",
    "neg_value",
    "neg_supporters",
    "neg_severity",
    "weeks",
    "lane",
    "fixed",
)
UPSERT = (
    f"insert into idea_rank ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})"
    " on conflict (idea_id) do update set " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
)
"""An upsert, not `insert or replace`: REPLACE deletes without firing delete triggers."""

_KEY = "band, neg_value, neg_supporters, neg_severity, idea_id"
_R_KEY = ", ".join(f"r.{column}" for column in _KEY.split(", "))
_LANE_PLACED, _LANE_FIXED, _LANE_NEEDS, _LANE_CLOSED = 0, 1, 2, 3


def fingerprint(scoring: ScoringConfig, *, everything: bool = False) -> str:
    """Return what the stored scores depend on, hashed: everything but capacity and sizes.

    Capacity is read at every bucket walk and t-shirt sizes only turn words into weeks, so
    changing them needs no rebuild. With `everything`, of the whole scoring config.
    """
    skipped = set() if everything else {"capacity", "tshirt_weeks"}
    relevant = scoring.model_dump(mode="json", exclude=skipped)
    text = json.dumps({"v": _RANKS_VERSION, "scoring": relevant}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rank_row(team_id: str, s: Score) -> tuple[Any, ...]:
    """Return the `idea_rank` row of one scored idea (columns as in `UPSERT`)."""
    f = s.facts
    off = not f.status.is_active
    fixed = bucket_for(f.status, f.pinned_bucket)
    if off:
        lane = _LANE_CLOSED
    elif fixed is not None:
        lane = _LANE_FIXED
    elif s.needs_estimates:
        lane = _LANE_NEEDS
    else:
        lane = _LANE_PLACED
    return (
        s.idea_id,
        team_id,
        int(off),
        int(s.needs_estimates),
        math.floor(-s.value),
        -s.value,
        -f.supporters,
        -f.pain_severity,
        s.weeks,
        lane,
        fixed.value if fixed is not None else None,
    )


def position(conn: sqlite3.Connection, team_id: str, idea_id: int) -> int | None:
    """Return the idea's rank (1 is first, closed ideas last), or None when it has none."""
    row = conn.execute(
        f"select off, needs, {_KEY} from idea_rank where idea_id = ? and team_id = ?",
        [idea_id, team_id],
    ).fetchone()
    if row is None:
        return None
    off, needs, band, *key = row
    (above,) = conn.execute(
        "select coalesce(sum(n), 0) from rank_bands where team_id = ?"
        " and (off, needs, band) < (?, ?, ?)",
        [team_id, off, needs, band],
    ).fetchone()
    (beside,) = conn.execute(
        "select count(*) from idea_rank where team_id = ? and off = ? and needs = ?"
        " and band = ? and (neg_value, neg_supporters, neg_severity, idea_id) < (?, ?, ?, ?)",
        [team_id, off, needs, band, *key],
    ).fetchone()
    return int(above) + int(beside) + 1


def active_count(conn: sqlite3.Connection, team_id: str) -> int:
    """Return how many live ideas are still on the roadmap (not Done or Won't do)."""
    (n,) = conn.execute(
        "select coalesce(sum(n), 0) from rank_bands where team_id = ? and off = 0", [team_id]
    ).fetchone()
    return int(n)


def top_ids(conn: sqlite3.Connection, team_id: str, n: int) -> list[int]:
    """Return the ids of the `n` best ranked ideas still on the roadmap, best first."""
    return [
        i
        for (i,) in conn.execute(
            f"select idea_id from idea_rank where team_id = ? and off = 0 order by"
            f" off, needs, {_KEY} limit ?",
            [team_id, n],
        )
    ]


def waiting_ids(conn: sqlite3.Connection, team_id: str, voter: str, n: int) -> list[int]:
    """Return the `n` best ranked ideas on the roadmap that `voter` has not estimated."""
    return [
        i
        for (i,) in conn.execute(
            f"select r.idea_id from idea_rank r where r.team_id = ? and r.off = 0"
            " and not exists (select 1 from estimates e where e.idea_id = r.idea_id"
            f" and e.voter = ?) order by r.off, r.needs, {_R_KEY}"
            " limit ?",
            [team_id, voter, n],
        )
    ]


def own_ids(conn: sqlite3.Connection, team_id: str, proposer: str, n: int) -> list[int]:
    """Return the ids of up to `n` ranked ideas `proposer` proposed, lowest ranked first."""
    descending = ", ".join(f"r.{c} desc" for c in ("off", "needs", *_KEY.split(", ")))
    return [
        i
        for (i,) in conn.execute(
            "select r.idea_id from ideas i join idea_rank r on r.idea_id = i.id"
            f" where i.team_id = ? and i.proposer = ? order by {descending} limit ?",
            [team_id, proposer, n],
        )
    ]


def bucket_of(
    conn: sqlite3.Connection, team_id: str, idea_id: int, capacity: Capacity
) -> Bucket | None:
    """Return the idea's bucket as `prioritize.scoring.plan` would give it."""
    row = conn.execute(
        "select lane, fixed from idea_rank where idea_id = ? and team_id = ?", [idea_id, team_id]
    ).fetchone()
    if row is None:
        return None
    return _bucket(row[0], row[1], idea_id, lambda: placed(conn, team_id, capacity))


def buckets_of(
    conn: sqlite3.Connection, team_id: str, ids: Iterable[int], capacity: Capacity
) -> dict[int, Bucket | None]:
    """Return the bucket of each idea in `ids` (one capacity walk for all of them)."""
    wanted = list(ids)
    found: dict[int, tuple[int, str | None]] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        # By primary key only: with the workspace in the WHERE clause as well, SQLite
        # may walk the workspace's index instead, which is every idea of it.
        for idea_id, row_team, lane, fixed in conn.execute(
            "select idea_id, team_id, lane, fixed from idea_rank"
            f" where idea_id in ({','.join('?' * len(chunk))})",
            chunk,
        ):
            if row_team == team_id:
                found[idea_id] = (lane, fixed)
    walk: dict[int, Bucket] | None = None

    def plan() -> dict[int, Bucket]:
        nonlocal walk
        if walk is None:
            walk = placed(conn, team_id, capacity)
        return walk

    return {i: _bucket(found[i][0], found[i][1], i, plan) if i in found else None for i in wanted}


def _bucket(
    lane: int, fixed: str | None, idea_id: int, plan: Callable[[], dict[int, Bucket]]
) -> Bucket | None:
    if lane == _LANE_CLOSED:
        return None
    if lane == _LANE_FIXED:
        return Bucket(fixed)
    if lane == _LANE_NEEDS:
        return Bucket.LATER
    return plan().get(idea_id, Bucket.LATER)


def fixed_load(conn: sqlite3.Connection, team_id: str) -> tuple[float, float]:
    """Return the team-weeks pins and In progress ideas take from Now and from Next.

    Summed exactly from (weeks, count) groups: the same float as
    `prioritize.scoring.fixed_load` over the ideas one by one.
    """
    exact = {Bucket.NOW.value: Fraction(0), Bucket.NEXT.value: Fraction(0)}
    for fixed, weeks, n in conn.execute(
        "select fixed, weeks, count(*) from idea_rank where team_id = ? and lane = ?"
        " and fixed in (?, ?) group by fixed, weeks",
        [team_id, _LANE_FIXED, Bucket.NOW.value, Bucket.NEXT.value],
    ):
        exact[fixed] += Fraction(weeks) * n
    return float(exact[Bucket.NOW.value]), float(exact[Bucket.NEXT.value])


def placed(conn: sqlite3.Connection, team_id: str, capacity: Capacity) -> dict[int, Bucket]:
    """Return the ideas the capacity walk puts in Now or Next (every other placed one is Later).

    The walk of `prioritize.scoring.plan`, in rank order over lane 0, but it only visits
    ideas whose time to deliver could still fit: ideas ranked above the walk's position
    that are that small were all placed (what is left of a bucket only shrinks), so for
    each distinct time to deliver it seeks the next such idea in rank order and takes the
    best of those. A walk costs about (ideas placed + distinct times) indexed seeks.
    """
    used_now, used_next = fixed_load(conn, team_id)
    limit_now, limit_next = capacity.now, capacity.next
    out: dict[int, Bucket] = {}

    def room() -> float:
        # A little above what is left, so that rounding never hides an idea that fits;
        # every candidate is then checked with the exact test of `plan`.
        left = max(limit_now - used_now, limit_next - used_next)
        return left + 1e-9 * (1 + abs(limit_now) + abs(limit_next))

    heap: list[tuple[tuple[Any, ...], float]] = []
    for weeks in _distinct_weeks(conn, team_id, room()):
        row = _next_at(conn, team_id, weeks, None)
        if row is not None:
            heap.append((row, weeks))
    heapq.heapify(heap)
    while heap:
        key, weeks = heapq.heappop(heap)
        if weeks > room():
            continue  # nothing this long fits any more: drop the whole series
        idea_id = key[-1]
        if fits(used_now, weeks, limit_now):
            out[idea_id] = Bucket.NOW
            used_now += weeks
        elif fits(used_next, weeks, limit_next):
            out[idea_id] = Bucket.NEXT
            used_next += weeks
        if weeks <= room():
            row = _next_at(conn, team_id, weeks, key)
            if row is not None:
                heapq.heappush(heap, (row, weeks))
    return out


def _distinct_weeks(conn: sqlite3.Connection, team_id: str, most: float) -> Iterator[float]:
    """Yield each distinct time to deliver up to `most` among the placed lane, smallest first."""
    last = -math.inf
    while True:
        row = conn.execute(
            "select weeks from idea_rank where team_id = ? and lane = ? and fixed is null"
            " and weeks > ? order by weeks limit 1",
            [team_id, _LANE_PLACED, last],
        ).fetchone()
        if row is None or row[0] > most:
            return
        last = row[0]
        yield last


def _next_at(
    conn: sqlite3.Connection, team_id: str, weeks: float, after: tuple[Any, ...] | None
) -> tuple[Any, ...] | None:
    """Return the rank key of the next idea of exactly `weeks` after `after`, in rank order."""
    sql = (
        f"select {_KEY} from idea_rank where team_id = ? and lane = ? and fixed is null"
        " and weeks = ?"
    )
    params: list[Any] = [team_id, _LANE_PLACED, weeks]
    if after is not None:
        sql += f" and ({_KEY}) > (?, ?, ?, ?, ?)"
        params.extend(after)
    row = conn.execute(sql + f" order by {_KEY} limit 1", params).fetchone()
    return tuple(row) if row is not None else None
