"""What is derived from the votes: per-idea stats, the ranking index, scoring facts.

Stats are rewritten with every vote in the vote's own transaction; the ranking index
(`storage.ranks`) answers rank and bucket of one idea with a few indexed reads. Both are
rebuilt when they were made by an older version or with another scoring config.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlite_utils.utils import chunks

from prioritize.config import Capacity, ScoringConfig, Weights
from prioritize.models import Bucket, Idea, IdeaStatus
from prioritize.scoring import Consensus, IdeaFacts, Score, consensus, disagreement, scorer

from . import ranks
from .ideas import IDEA_COLUMNS, ideas_of
from .repository import Repository

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Stats"]

# Listed column by column: facts() unpacks the rows positionally, which must not
# break when a later migration adds a column to idea_stats.
WEIGHTS_KEY = "weights"
"""The `workspace_settings` key of a workspace's own scoring weights (JSON of `Weights`)."""

_FACTS_COLUMNS = """
    i.id, i.status, i.pinned_bucket, s.n_estimates, s.impact, s.complexity,
    s.weeks, s.impact_spread, s.complexity_spread, s.weeks_spread, s.impact_ends,
    s.complexity_ends, s.estimate_teams, s.supporters, s.teams, s.pain_points,
    s.pain_severity, s.max_severity
"""
# "+i.team_id": without statistics SQLite would rather probe the workspace's index
# for every idea (twice the time of a plain scan at 100,000 ideas) or for a dozen
# ids (instead of their primary keys); the unary plus rules that index out.
_FACTS_SQL = f"""
    select {_FACTS_COLUMNS}
    from ideas i join idea_stats s on s.idea_id = i.id
    where +i.team_id = ? and i.merged_into is null
"""
_RANK_SQL = f"""
    select i.team_id, i.merged_into, {_FACTS_COLUMNS}
    from ideas i join idea_stats s on s.idea_id = i.id
    where i.id = ?
"""
_STATS_FACTS = tuple(c.strip() for c in _FACTS_COLUMNS.split(","))


class _Rating(NamedTuple):
    """An estimate as a plain row: what `consensus` reads, without validating it again."""

    team: str | None
    impact: int | None
    complexity: int | None
    weeks: float | None


_STATS_COLUMNS = (
    "idea_id",
    "n_estimates",
    "impact",
    "complexity",
    "weeks",
    "impact_spread",
    "complexity_spread",
    "weeks_spread",
    "disagreement",
    "estimate_teams",
    "supporters",
    "teams",
    "pain_points",
    "pain_severity",
    "max_severity",
    "impact_ends",
    "complexity_ends",
)
_UPSERT_STATS = (
    f"insert or replace into idea_stats ({', '.join(_STATS_COLUMNS)})"
    f" values ({', '.join('?' * len(_STATS_COLUMNS))})"
)
# Severity of each open pain point linked to an idea; callers add "and ..." to narrow it.
_OPEN_SEVERITIES = """
    select l.idea_id, p.severity from idea_pain_points l
    join pain_points p on p.id = l.pain_point_id
    where p.status = 'Open'
"""


class Stats(Repository):
    """Per-idea stats, the ranking index and the scoring facts read from them
    (`store.stats`)."""

    def __init__(self, store: Store, scoring: ScoringConfig) -> None:
        super().__init__(store)
        self.configure(scoring)

    def configure(self, scoring: ScoringConfig) -> None:
        """Score with `scoring` from now on (`ensure` rebuilds what another config made)."""
        self._scoring = scoring
        self._score: Callable[[IdeaFacts], Score] = scorer(scoring)
        self._fingerprint = ranks.fingerprint(scoring)
        self._weights: dict[str, Weights] = {}
        self._scorers: dict[str, tuple[Weights, Callable[[IdeaFacts], Score]]] = {}

    def refresh(self, idea_id: int) -> None:
        """Recompute the idea's stored aggregates from its estimates, support and links,
        and its place in the ranking index."""
        with self.store.transaction() as db:
            self.ensure()
            conn = db.conn
            ratings = [
                _Rating(*row)
                for row in conn.execute(
                    "select team, impact, complexity, weeks from estimates where idea_id = ?",
                    [idea_id],
                )
            ]
            support_teams = [
                team
                for (team,) in conn.execute(
                    "select team from supports where idea_id = ?", [idea_id]
                )
            ]
            severities = [
                severity
                for (_, severity) in conn.execute(
                    _OPEN_SEVERITIES + " and l.idea_id = ?", [idea_id]
                )
            ]
            conn.execute(
                _UPSERT_STATS, self._stats_row(idea_id, ratings, support_teams, severities)
            )
            self._rerank(idea_id)

    def _rerank(self, idea_id: int) -> None:
        """Rewrite the idea's row of the ranking index (none for a merged idea)."""
        conn = self.db.conn
        row = conn.execute(_RANK_SQL, [idea_id]).fetchone()
        if row is None or row[1] is not None:
            conn.execute("delete from idea_rank where idea_id = ?", [idea_id])
            return
        (facts,) = _facts_of([row[2:]], self.store.disagree_spread)
        conn.execute(ranks.UPSERT, ranks.rank_row(row[0], self._scorer_of(row[0])(facts)))

    def _rebuild_ranks(self, team_ids: Iterable[str]) -> None:
        """Rewrite the workspaces' rows of the ranking index from their stats.

        In bulk: the index's own indexes and triggers are set aside meanwhile (within the
        transaction, so nobody sees them missing) and the band counts summed once, which
        is several times faster than 100,000 rows each updating two indexes and a count.
        """
        with self.store.transaction() as db:
            conn = db.conn
            aside = conn.execute(
                "select type, name, sql from sqlite_master where tbl_name = 'idea_rank'"
                " and type in ('index', 'trigger') and sql is not null"
            ).fetchall()
            for kind, name, _ in aside:
                conn.execute(f'drop {kind} "{name}"')
            for team_id in team_ids:
                score = self._scorer_of(team_id)
                conn.execute("delete from idea_rank where team_id = ?", [team_id])
                conn.execute("delete from rank_bands where team_id = ?", [team_id])
                conn.executemany(
                    ranks.UPSERT,
                    [ranks.rank_row(team_id, score(f)) for f in self.facts(team_id, _checked=True)],
                )
                conn.execute(
                    "insert into rank_bands (team_id, off, needs, band, n)"
                    " select team_id, off, needs, band, count(*) from idea_rank"
                    " where team_id = ? group by team_id, off, needs, band",
                    [team_id],
                )
            for _, _, sql in aside:
                conn.execute(sql)

    def ensure(self) -> bool:
        """Rebuild stats of an older version and a ranking scored with another config.

        Cheap when nothing changed (two small reads). Also run before every read and
        write of the index, so that a process with another config (a command run with an
        edited config file while the bot runs) never mixes its scores into this one's.
        A workspace with weights of its own (`WEIGHTS_KEY` in `workspace_settings`) is
        scored with them, and rebuilt alone when they change. Returns whether anything
        was rebuilt.
        """
        if self.store.readonly:
            return False  # reads the whole roadmap through `prioritize`, not the index
        wanted = self._wanted_fingerprints()
        if self._stored_fingerprints() == wanted:
            return False
        with self.store.transaction() as db:
            wanted = self._wanted_fingerprints()
            stored = self._stored_fingerprints()
            if stored == wanted:
                return False  # another thread or process got there first
            teams = [t for (t,) in db.execute("select distinct team_id from ideas")]
            if stored.get(ranks.STATS_VERSION_KEY) != ranks.STATS_VERSION:
                for team_id in teams:
                    self._rebuild_stats(team_id)
            everything = any(
                stored.get(key) != wanted[key]
                for key in (ranks.STATS_VERSION_KEY, ranks.RANKS_FINGERPRINT)
            )
            changed = {
                key.rsplit(":", 1)[1]
                for key in set(wanted) | set(stored)
                if ":" in key and stored.get(key) != wanted.get(key)
            }
            self._rebuild_ranks(teams if everything else [t for t in teams if t in changed])
            db.execute("delete from meta where key like ?", [f"{ranks.RANKS_FINGERPRINT}:%"])
            for key, value in wanted.items():
                db["meta"].insert({"key": key, "value": value}, replace=True)
        return True

    def _wanted_fingerprints(self) -> dict[str, str]:
        # Weights a workspace's admins set are read here, so every process scores with
        # them, whatever config file it started with.
        rows = self.db.execute(
            "select team_id, value from workspace_settings where key = ?", [WEIGHTS_KEY]
        ).fetchall()
        self._weights = {team_id: Weights.model_validate_json(value) for team_id, value in rows}
        wanted = {
            ranks.STATS_VERSION_KEY: ranks.STATS_VERSION,
            ranks.RANKS_FINGERPRINT: self._fingerprint,
        }
        for team_id in self._weights:
            wanted[f"{ranks.RANKS_FINGERPRINT}:{team_id}"] = ranks.fingerprint(
                self.scoring_of(team_id)
            )
        return wanted

    def _stored_fingerprints(self) -> dict[str, str]:
        return dict(
            self.db.execute(
                "select key, value from meta where key in (?, ?) or key like ?",
                [ranks.STATS_VERSION_KEY, ranks.RANKS_FINGERPRINT, f"{ranks.RANKS_FINGERPRINT}:%"],
            ).fetchall()
        )

    def scoring_of(self, team_id: str) -> ScoringConfig:
        """Return the workspace's scoring config: the config file's, with its own weights
        if its admins set them."""
        weights = self._weights.get(team_id)
        if weights is None:
            return self._scoring
        return self._scoring.model_copy(update={"weights": weights})

    def _scorer_of(self, team_id: str) -> Callable[[IdeaFacts], Score]:
        weights = self._weights.get(team_id)
        if weights is None:
            return self._score
        cached = self._scorers.get(team_id)
        if cached is None or cached[0] != weights:
            cached = (weights, scorer(self.scoring_of(team_id)))
            self._scorers[team_id] = cached
        return cached[1]

    def _stats_row(
        self,
        idea_id: int,
        ratings: list[_Rating],
        support_teams: list[str | None],
        severities: list[int],
    ) -> tuple[Any, ...]:
        c = consensus(ratings, disagree_spread=self.store.disagree_spread)
        # The verdict (`disagreement`) is made when read, with the spread of that moment.
        teams = {r.team for r in ratings if r.team} | {team for team in support_teams if team}
        # The named teams are the ones the count counts (estimates and +1s alike), so a card,
        # a one-line explanation and Notion never name fewer teams than "N teams" says.
        return (
            idea_id,
            c.count,
            c.impact,
            c.complexity,
            c.weeks,
            c.impact_spread,
            c.complexity_spread,
            c.weeks_spread,
            None,
            json.dumps(sorted(teams)),
            len(support_teams),
            len(teams),
            len(severities),
            sum(severities),
            max(severities, default=0),
            c.impact_ends,
            c.complexity_ends,
        )

    def rebuild(self, team_id: str) -> int:
        """Recompute every idea's aggregates from scratch; return how many ideas.

        One pass over the workspace's estimates in idea order, written in batches: the
        same numbers as `refresh` on each idea, without a million small queries.
        """
        with self.store.transaction():
            self.ensure()
            n = self._rebuild_stats(team_id)
            self._rebuild_ranks([team_id])
        return n

    def _rebuild_stats(self, team_id: str) -> int:
        with self.store.transaction() as db:
            conn = db.conn
            support_teams: dict[int, list[str | None]] = {}
            for idea_id, team in conn.execute(
                "select idea_id, team from supports where team_id = ?", [team_id]
            ):
                support_teams.setdefault(idea_id, []).append(team)
            severities: dict[int, list[int]] = {}
            for idea_id, severity in conn.execute(
                _OPEN_SEVERITIES + " and p.team_id = ?", [team_id]
            ):
                severities.setdefault(idea_id, []).append(severity)
            ids = [
                i
                for (i,) in conn.execute(
                    "select id from ideas where team_id = ? order by id", [team_id]
                )
            ]
            # The primary key (idea_id, voter) index yields estimates in idea order, no sort.
            estimates = conn.execute(
                "select idea_id, team, impact, complexity, weeks from estimates"
                " where idea_id in (select id from ideas where team_id = ?) order by idea_id",
                [team_id],
            )
            groups = groupby(estimates, key=itemgetter(0))
            group = next(groups, None)
            batch: list[tuple[Any, ...]] = []
            for idea_id in ids:
                ratings: list[_Rating] = []
                if group is not None and group[0] == idea_id:
                    ratings = [_Rating(*row[1:]) for row in group[1]]
                    group = next(groups, None)
                batch.append(
                    self._stats_row(
                        idea_id,
                        ratings,
                        support_teams.get(idea_id, []),
                        severities.get(idea_id, []),
                    )
                )
                if len(batch) >= 10_000:
                    conn.executemany(_UPSERT_STATS, batch)
                    batch.clear()
            conn.executemany(_UPSERT_STATS, batch)
        return len(ids)

    def facts(
        self,
        team_id: str,
        *,
        idea_id: int | None = None,
        ids: Iterable[int] | None = None,
        _checked: bool = False,
    ) -> list[IdeaFacts]:
        """Return the scoring facts of every idea in the workspace (or of one idea, or some).

        Whether raters disagree is judged here, with the configured `disagree_spread`.
        """
        if not _checked:
            self.ensure()  # stats of an older version are rebuilt first
        sql, params = _FACTS_SQL, [team_id]
        if idea_id is not None:
            sql += " and i.id = ?"
            params.append(idea_id)
        if ids is not None:
            out: list[IdeaFacts] = []
            for chunk in map(list, chunks(ids, 900)):
                rows = self.db.execute(
                    sql + f" and i.id in ({','.join('?' * len(chunk))})", [*params, *chunk]
                ).fetchall()
                out.extend(_facts_of(rows, self.store.disagree_spread))
            return out
        return _facts_of(self.db.execute(sql, params).fetchall(), self.store.disagree_spread)

    def standing(
        self, team_id: str, idea_id: int, *, capacity: Capacity | None = None
    ) -> tuple[int, Bucket | None] | None:
        """Return the idea's rank and bucket, as `prioritize.roadmap` would give them.

        None for an idea that is not ranked (merged, or unknown). A few indexed reads,
        whatever the size of the workspace (see `storage.ranks`).
        """
        self.ensure()
        with self._snapshot() as conn:
            rank = ranks.position(conn, team_id, idea_id)
            if rank is None:
                return None
            capacity = capacity or self.store.scoring.capacity
            return rank, ranks.bucket_of(conn, team_id, idea_id, capacity)

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """Run several reads on one snapshot of the database (a read transaction).

        A rank and a bucket take a few queries; a vote committed between two of them must
        not leave them describing two different rankings.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("begin")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("commit")

    def ranked(
        self, team_id: str, ids: Iterable[int], *, capacity: Capacity | None = None
    ) -> dict[int, tuple[int, Bucket | None]]:
        """Return the rank and bucket of each of `ids` that is ranked (one capacity walk)."""
        self.ensure()
        with self._snapshot() as conn:
            positions = {i: ranks.position(conn, team_id, i) for i in ids}
            buckets = ranks.buckets_of(
                conn,
                team_id,
                [i for i, r in positions.items() if r is not None],
                capacity or self.store.scoring.capacity,
            )
        return {i: (r, buckets[i]) for i, r in positions.items() if r is not None}

    def top_ids(self, team_id: str, n: int) -> list[int]:
        """Return the ids of the `n` best ranked ideas still on the roadmap, best first."""
        self.ensure()
        return ranks.top_ids(self.db.conn, team_id, n)

    def waiting_ids(self, team_id: str, voter: str, n: int) -> list[int]:
        """Return the `n` best ranked ideas on the roadmap that `voter` has not estimated."""
        self.ensure()
        return ranks.waiting_ids(self.db.conn, team_id, voter, n)

    def own_ids(self, team_id: str, proposer: str, n: int) -> list[int]:
        """Return up to `n` of the ranked ideas `proposer` proposed, lowest ranked first."""
        self.ensure()
        return ranks.own_ids(self.db.conn, team_id, proposer, n)

    def active_count(self, team_id: str) -> int:
        """Return how many live ideas are on the roadmap (not merged, Done or Won't do)."""
        self.ensure()
        return ranks.active_count(self.db.conn, team_id)

    def ideas_and_facts(self, team_id: str) -> tuple[dict[int, Idea], list[IdeaFacts]]:
        """Return every live idea of the workspace and its scoring facts, read together.

        What the whole roadmap needs, in one pass over the ideas and one over the links:
        at 100,000 ideas, building the Idea models is most of the cost of the roadmap.
        """
        self.ensure()
        conn = self.db.conn
        links: dict[int, list[int]] = {}
        for idea_id, pain_id in conn.execute(
            # CROSS JOIN keeps the links outermost: read in primary key order (no sort),
            # one look-up per link rather than one per idea of the workspace.
            "select l.idea_id, l.pain_point_id from idea_pain_points l"
            " cross join ideas i on i.id = l.idea_id"
            " where i.team_id = ? and i.merged_into is null"
            " order by l.idea_id, l.pain_point_id",
            [team_id],
        ):
            links.setdefault(idea_id, []).append(pain_id)
        rows = conn.execute(
            f"select {_FACTS_COLUMNS}, {IDEA_COLUMNS}"
            " from ideas i join idea_stats s on s.idea_id = i.id"
            " where +i.team_id = ? and i.merged_into is null",
            [team_id],
        )
        # Streamed, not fetched whole: all rows at once are about 130 MB at 100,000 ideas,
        # and allocating them is a good part of the time. Only each row's idea columns are
        # kept until the ideas are built (the Idea models hold most of those values anyway).
        width = len(_STATS_FACTS)
        idea_rows: list[tuple[Any, ...]] = []
        keep = idea_rows.append

        def stats_part(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            for row in rows:
                keep(row[width:])
                yield row[:width]

        facts = _facts_of(stats_part(rows), self.store.disagree_spread)
        ideas = ideas_of(idea_rows, links, team_id)
        return ideas, facts

    def cards_drawn_with(self, scoring: ScoringConfig) -> bool:
        """Whether the cards were last drawn under `scoring` (see `cards_to_redraw`)."""
        wanted = ranks.fingerprint(scoring, everything=True)
        return self.store.meta.get(ranks.CARDS_FINGERPRINT) == wanted

    def cards_to_redraw(self, scoring: ScoringConfig) -> dict[str, list[int]]:
        """Return, per workspace, the live ideas with a card, when the cards were last
        drawn under another scoring config than `scoring` (else nothing); and remember
        `scoring` as the one they are drawn with from now on.

        Unlike the ranking's fingerprint this covers every setting a card shows (capacity
        moves buckets, `min_estimates` the "needs estimates" note).
        """
        key = ranks.CARDS_FINGERPRINT
        wanted = ranks.fingerprint(scoring, everything=True)
        with self.store.transaction() as db:
            if self.store.meta.get(key) == wanted:
                return {}
            db["meta"].insert({"key": key, "value": wanted}, replace=True)
            found: dict[str, list[int]] = {}
            for team_id, idea_id in db.execute(
                "select team_id, id from ideas where card_ts is not null"
                " and merged_into is null order by team_id, id"
            ):
                found.setdefault(team_id, []).append(idea_id)
            return found


def _facts_of(rows: Iterable[tuple[Any, ...]], spread: int) -> list[IdeaFacts]:
    """Return IdeaFacts from rows of `_FACTS_COLUMNS`, judging disagreement at `spread`."""
    statuses = {s.value: s for s in IdeaStatus}
    buckets: dict[str | None, Bucket | None] = {b.value: b for b in Bucket}
    buckets[None] = buckets[""] = None
    # Few distinct team lists recur across many ideas: decode each JSON text once.
    team_lists: dict[str, tuple[str, ...]] = {"[]": ()}
    out = []
    append = out.append
    # Column order is fixed by _FACTS_COLUMNS; tuples and positional arguments (in the
    # dataclasses' field order) are much faster than dicts and keywords over 100,000 ideas.
    for (
        iid, status, pinned, n, impact, complexity, weeks, i_spread, c_spread,
        w_spread, i_ends, c_ends, teams_json, supporters, teams, pains, severity, max_sev,
    ) in rows:  # fmt: skip
        estimate_teams = team_lists.get(teams_json)
        if estimate_teams is None:
            estimate_teams = team_lists[teams_json] = tuple(json.loads(teams_json))
        verdict = (
            disagreement(i_spread, i_ends, c_spread, c_ends, spread=spread)
            if i_ends is not None or c_ends is not None
            else None
        )
        c = Consensus(
            n, impact, complexity, weeks, i_spread, c_spread, w_spread, verdict,
            estimate_teams, i_ends, c_ends,
        )  # fmt: skip
        f = IdeaFacts(
            iid, c, supporters, pains, severity, max_sev, teams, statuses[status],
            buckets[pinned],
        )  # fmt: skip
        append(f)
    return out
