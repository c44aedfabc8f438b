"""Export a workspace as JSON-ready data: pain points with their +1s, every idea ranked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prioritize.models import Idea

from ..services import Services
from .files import EXPORT_FORMAT

__all__ = ["export_data"]


def export_data(services: Services, team_id: str) -> dict[str, Any]:
    """Return the workspace as JSON-ready data: pain points, and every idea ranked.

    Ideas carry their estimates, +1s and status history; pain points the people who hit
    them too. Merged ideas are included (with no rank) so that a restore keeps the merge.
    """
    store = services.store
    votes = _votes(services, team_id)
    pains = []
    for pain in store.pains.all(team_id):
        row = pain.model_dump(mode="json", exclude={"team_id"})
        row["me_too"] = votes.pain_votes.get(pain.id, [])
        pains.append(row)
    ideas = []
    ranked = services.roadmap(team_id)
    on_roadmap = {entry.idea.id for entry in ranked}
    merged = [i for i in store.ideas.all(team_id, include_merged=True) if i.id not in on_roadmap]
    for entry in ranked:
        s = entry.score
        ideas.append(
            {
                **_idea_row(entry.idea, votes),
                "rank": entry.item.rank,
                "score": s.value,
                "bucket": entry.item.bucket.value if entry.item.bucket else None,
                "quadrant": s.quadrant.value if s.quadrant else None,
                "needs_estimates": s.needs_estimates,
                "teams": list(s.facts.consensus.teams),
                "breakdown": entry.breakdown,
            }
        )
    for idea in merged:
        ideas.append({**_idea_row(idea, votes), "rank": None, "score": None, "bucket": None,
                      "quadrant": None, "needs_estimates": None, "teams": [],
                      "breakdown": None})  # fmt: skip
    return {"format": EXPORT_FORMAT, "workspace": team_id, "pain_points": pains, "ideas": ideas}


def _idea_row(idea: Idea, votes: _Votes) -> dict[str, Any]:
    row = idea.model_dump(mode="json", exclude={"team_id", "card_channel", "card_ts"})
    row["estimates"] = votes.estimates.get(idea.id, [])
    row["supports"] = votes.supports.get(idea.id, [])
    row["status_history"] = votes.history.get(idea.id, [])
    return row


@dataclass
class _Votes:
    estimates: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    supports: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    history: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pain_votes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _votes(services: Services, team_id: str) -> _Votes:
    # One query per table for the whole workspace, rather than three per idea. The store
    # has no workspace-wide readers for these yet; these are plain reads of its tables.
    db = services.store.db

    def by_owner(sql: str) -> dict[int, list[dict[str, Any]]]:
        # The first column names the idea (or pain point) each row belongs to.
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in db.query(sql, [team_id]):
            owner = row.pop(next(iter(row)))
            grouped.setdefault(owner, []).append(row)
        return grouped

    return _Votes(
        estimates=by_owner(
            "select idea_id, voter, team, impact, complexity, weeks, created_at from estimates"
            " where team_id = ? order by idea_id, created_at, voter"
        ),
        supports=by_owner(
            "select idea_id, user, team, created_at from supports where team_id = ?"
            " order by idea_id, created_at, user"
        ),
        history=by_owner(
            "select c.idea_id, c.old, c.new, c.by, c.source, c.at from status_changes c"
            " join ideas i on i.id = c.idea_id where i.team_id = ? order by c.id"
        ),
        pain_votes=by_owner(
            "select pain_point_id, user, created_at from pain_votes where team_id = ?"
            " order by pain_point_id, created_at, user"
        ),
    )
