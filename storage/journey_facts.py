"""Read what the journey questions need of a workspace: one query per table.

Reads only; the scoring facts come from `store.stats.facts`, which the caller passes in,
so the aggregates are read the one way they are read everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from prioritize.models import EvidenceSource, IdeaStatus, PainStatus
from prioritize.questions import JourneyIdea, JourneyPain
from prioritize.scoring import IdeaFacts

__all__ = ["JourneyFacts", "journey_facts"]


@dataclass(frozen=True, slots=True)
class JourneyFacts:
    pains: list[JourneyPain]
    ideas: list[JourneyIdea]


def journey_facts(db: Database, team_id: str, *, facts: Iterable[IdeaFacts] = ()) -> JourneyFacts:
    """Return the workspace's pain points and live ideas as the questions read them.

    An idea's `since` is the time of its last status change when that change led to its
    current status, else its creation. An Addressed pain point was resolved when the
    earliest Done idea addressing it reached Done; a Closed one has no known date.
    """
    conn = db.conn
    statuses = {s.value: s for s in IdeaStatus}
    pain_statuses = {s.value: s for s in PainStatus}
    sources: dict[str | None, EvidenceSource | None] = {s.value: s for s in EvidenceSource}
    sources[None] = sources[""] = None
    parse = datetime.fromisoformat

    last_change: dict[int, tuple[str, str]] = {
        idea_id: (new, at)
        for idea_id, new, at in conn.execute(
            """
            select c.idea_id, c.new, c.at from status_changes c
            join (
              select s.idea_id, max(s.id) as last from status_changes s
              join ideas i on i.id = s.idea_id where i.team_id = ? group by s.idea_id
            ) l on l.last = c.id
            """,
            [team_id],
        )
    }
    links: dict[int, list[int]] = {}
    for idea_id, pain_id in conn.execute(
        "select l.idea_id, l.pain_point_id from idea_pain_points l"
        " join ideas i on i.id = l.idea_id where i.team_id = ? and i.merged_into is null",
        [team_id],
    ):
        links.setdefault(idea_id, []).append(pain_id)
    by_id = {f.idea_id: f for f in facts}
    ideas = []
    done_at: dict[int, datetime] = {}
    for idea_id, title, status_text, created in conn.execute(
        "select id, title, status, created_at from ideas"
        " where team_id = ? and merged_into is null order by id",
        [team_id],
    ):
        status = statuses[status_text]
        change = last_change.get(idea_id)
        since = parse(change[1] if change and change[0] == status_text else created)
        pain_ids = tuple(links.get(idea_id, ()))
        ideas.append(JourneyIdea(idea_id, title, status, since, pain_ids, by_id.get(idea_id)))
        if status is IdeaStatus.DONE:
            for pain_id in pain_ids:
                if pain_id not in done_at or since < done_at[pain_id]:
                    done_at[pain_id] = since
    addressed = PainStatus.ADDRESSED
    mine = conn.execute("select count(*) from pain_points where team_id = ?", [team_id])
    everyone = conn.execute("select count(*) from pain_points")
    # Through the index the rows come in index order, one random read each; a workspace with
    # most of the table reads about three times faster in a plain scan (unary + skips the index).
    team = "+team_id" if 2 * mine.fetchone()[0] >= everyone.fetchone()[0] else "team_id"
    # `_make` builds the tuple without the keyword-handling `__new__`: 100,000 rows, each
    # read straight into its tuple (`for status in [...]` is a plain assignment).
    make = JourneyPain._make
    rows = conn.execute(
        "select id, stage, touchpoint, severity, status, source, created_at"
        f" from pain_points where {team} = ?",
        [team_id],
    )
    pains = [
        make(
            (
                r[0], r[1], r[2], r[3], status, sources[r[5]], parse(r[6]),
                done_at.get(r[0]) if status is addressed else None,
            )
        )
        for r in rows
        for status in [pain_statuses[r[4]]]
    ]  # fmt: skip
    return JourneyFacts(pains, ideas)
