"""The shape of journeybot's Notion workspace: property schemas of the two data sources and
the views leaders open first. Pure data: no requests are made here.

Property names are the contract between `render` (page values), `sync` (read-back and
repair) and Notion. Writes address properties by name, so a property a person renamed
fails loudly and gets repaired instead of silently receiving nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prioritize.config import JourneyConfig
from prioritize.models import Bucket, EvidenceSource, IdeaStatus, PainStatus, Quadrant
from prioritize.outcomes import Verdict

__all__ = [
    "BOARD_VIEW",
    "EDITABLE",
    "PAINS_TITLE",
    "PAIN_EDITABLE",
    "PAIN_PROPS",
    "ROADMAP_PROPS",
    "ROADMAP_TITLE",
    "SUMMARY_TITLE",
    "TABLE_VIEW",
    "IdeaProp",
    "PainProp",
    "board_view",
    "option_name",
    "pain_schema",
    "property_type",
    "roadmap_schema",
    "table_view",
]

ROADMAP_TITLE = "Roadmap"
PAINS_TITLE = "Pain points"
SUMMARY_TITLE = "Journey roadmap"
BOARD_VIEW = "Now / Next / Later"
TABLE_VIEW = "Ranked"


class IdeaProp:
    """Property names of the Roadmap data source."""

    NAME = "Name"
    IDEA_ID = "Idea ID"
    RANK = "Rank"
    SCORE = "Score"
    BUCKET = "Bucket"
    STATUS = "Status"
    QUADRANT = "Quadrant"
    IMPACT = "Impact"
    COMPLEXITY = "Complexity"
    WEEKS = "Time to deliver (weeks)"
    SUPPORTERS = "Supporters"
    ESTIMATES = "Estimates"
    TEAMS = "Teams"
    PROPOSER = "Proposed by"
    STAGES = "Journey stages"
    NEEDS_ESTIMATES = "Needs estimates"
    DISAGREE = "Estimates disagree"
    SLACK = "Slack thread"
    BREAKDOWN = "Score breakdown"
    PAIN_POINTS = "Pain points"
    OUTCOME = "Outcome"
    """Did a Done idea work: journeybot's verdict, never read back from Notion."""
    OUTCOME_FIGURES = "Outcome figures"
    EDITED_BY = "Last edited by"


class PainProp:
    """Property names of the Pain points data source."""

    NAME = "Pain point"
    PAIN_ID = "Pain ID"
    TEXT = "Text"
    STAGE = "Journey stage"
    TOUCHPOINT = "Touchpoint"
    PERSONA = "Persona"
    SEVERITY = "Severity"
    SOURCE = "Evidence source"
    EVIDENCE = "Evidence link"
    OWNING_TEAM = "Owning team"
    REPORTER = "Reporter"
    STATUS = "Status"
    ME_TOO = "Also hit by"
    IDEAS = "Related ideas"
    EDITED_BY = "Last edited by"


ROADMAP_PROPS = frozenset(
    value for name, value in vars(IdeaProp).items() if name.isupper() and isinstance(value, str)
)
"""Every property name of the Roadmap data source."""
EDITABLE = frozenset({IdeaProp.STATUS, IdeaProp.BUCKET})
"""Roadmap properties a leader may change in Notion; journeybot reads them back."""
PAIN_PROPS = frozenset(
    value for name, value in vars(PainProp).items() if name.isupper() and isinstance(value, str)
)
"""Every property name of the Pain points data source."""
PAIN_EDITABLE = frozenset({PainProp.STATUS, PainProp.SEVERITY, PainProp.STAGE, PainProp.TOUCHPOINT})
"""Pain points properties a leader may triage in Notion; journeybot reads them back."""

_COLORS = ("blue", "green", "orange", "purple", "pink", "yellow", "red", "brown", "gray")
_BUCKET_COLORS = {Bucket.NOW: "green", Bucket.NEXT: "yellow", Bucket.LATER: "gray"}
_STATUS_COLORS = {
    IdeaStatus.PROPOSED: "gray",
    IdeaStatus.PLANNED: "blue",
    IdeaStatus.IN_PROGRESS: "yellow",
    IdeaStatus.DONE: "green",
    IdeaStatus.WONT_DO: "red",
}
_QUADRANT_COLORS = {
    Quadrant.QUICK_WIN: "green",
    Quadrant.BIG_BET: "blue",
    Quadrant.FILL_IN: "gray",
    Quadrant.MONEY_PIT: "red",
}
_VERDICT_COLORS = {
    Verdict.WORKED: "green",
    Verdict.NO_CHANGE: "gray",
    Verdict.WORSE: "red",
    Verdict.TOO_EARLY: "yellow",
}


def option_name(name: str) -> str:
    """Return `name` as a select option: no commas (Notion splits on them), at most 100 chars."""
    return " ".join(name.replace(",", " ").split())[:100]


def _options(names: Iterable[str], colors: Mapping[str, str] | None = None) -> dict[str, Any]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(option_name(name), None)
    return {
        "options": [
            {"name": n, "color": (colors or {}).get(n, _COLORS[i % len(_COLORS)])}
            for i, n in enumerate(seen)
        ]
    }


_NUMBER = {"number": {"format": "number"}}


def pain_schema(journey: JourneyConfig) -> dict[str, Any]:
    """Return the Pain points data source properties (the reverse relation is added by Notion)."""
    return {
        PainProp.NAME: {"title": {}},
        PainProp.PAIN_ID: _NUMBER,
        PainProp.TEXT: {"rich_text": {}},
        PainProp.STAGE: {"select": _options(journey.stages)},
        PainProp.TOUCHPOINT: {"select": _options(journey.touchpoints)},
        PainProp.PERSONA: {"select": _options(journey.personas)},
        PainProp.SEVERITY: _NUMBER,
        PainProp.SOURCE: {"select": _options(s.value for s in EvidenceSource)},
        PainProp.EVIDENCE: {"url": {}},
        PainProp.OWNING_TEAM: {"select": _options(journey.teams)},
        PainProp.REPORTER: {"rich_text": {}},
        PainProp.STATUS: {"select": _options(s.value for s in PainStatus)},
        PainProp.ME_TOO: _NUMBER,
        # Lets the read-back query skip journeybot's own writes, as on the Roadmap.
        PainProp.EDITED_BY: {"last_edited_by": {}},
    }


def roadmap_schema(journey: JourneyConfig, pains_data_source_id: str) -> dict[str, Any]:
    """Return the Roadmap data source properties, related both ways to the pain points."""
    return {
        IdeaProp.NAME: {"title": {}},
        IdeaProp.IDEA_ID: _NUMBER,
        IdeaProp.RANK: _NUMBER,
        IdeaProp.SCORE: _NUMBER,
        IdeaProp.BUCKET: {"select": _options((b.value for b in Bucket), _BUCKET_COLORS)},
        IdeaProp.STATUS: {"select": _options((s.value for s in IdeaStatus), _STATUS_COLORS)},
        IdeaProp.QUADRANT: {"select": _options((q.value for q in Quadrant), _QUADRANT_COLORS)},
        IdeaProp.IMPACT: _NUMBER,
        IdeaProp.COMPLEXITY: _NUMBER,
        IdeaProp.WEEKS: _NUMBER,
        IdeaProp.SUPPORTERS: _NUMBER,
        IdeaProp.ESTIMATES: _NUMBER,
        IdeaProp.TEAMS: {"multi_select": _options(journey.teams)},
        IdeaProp.PROPOSER: {"rich_text": {}},
        IdeaProp.STAGES: {"multi_select": _options(journey.stages)},
        IdeaProp.NEEDS_ESTIMATES: {"checkbox": {}},
        IdeaProp.DISAGREE: {"checkbox": {}},
        IdeaProp.SLACK: {"url": {}},
        IdeaProp.BREAKDOWN: {"rich_text": {}},
        IdeaProp.PAIN_POINTS: {
            "relation": {
                "data_source_id": pains_data_source_id,
                "type": "dual_property",
                "dual_property": {"synced_property_name": PainProp.IDEAS},
            }
        },
        IdeaProp.OUTCOME: {"select": _options((v.value for v in Verdict), _VERDICT_COLORS)},
        IdeaProp.OUTCOME_FIGURES: {"rich_text": {}},
        # Lets the read-back query skip journeybot's own writes (see sync.read_back).
        IdeaProp.EDITED_BY: {"last_edited_by": {}},
    }


def property_type(schema_entry: Mapping[str, Any]) -> str:
    """Return the property type of one schema entry, e.g. "number"."""
    return next(k for k in schema_entry if k not in ("name", "id", "description", "type"))


_TABLE_COLUMNS = (
    IdeaProp.NAME,
    IdeaProp.RANK,
    IdeaProp.BUCKET,
    IdeaProp.NEEDS_ESTIMATES,
    IdeaProp.SCORE,
    IdeaProp.STATUS,
    IdeaProp.QUADRANT,
    IdeaProp.IMPACT,
    IdeaProp.COMPLEXITY,
    IdeaProp.WEEKS,
    IdeaProp.SUPPORTERS,
    IdeaProp.ESTIMATES,
    IdeaProp.DISAGREE,
    IdeaProp.TEAMS,
    IdeaProp.OUTCOME,
    IdeaProp.PROPOSER,
    IdeaProp.BREAKDOWN,
)
# The roadmap's own order: ideas that need estimates and ideas done come after the rest,
# which a sort by score alone would not show.
_RANK_SORT = [{"property": IdeaProp.RANK, "direction": "ascending"}]
# The table reads like the board: Now, Next, Later (a select sorts in option order), each
# in rank order, since capacity can put a better-ranked idea in a later bucket.
_TABLE_SORT = [{"property": IdeaProp.BUCKET, "direction": "ascending"}, *_RANK_SORT]


def board_view(database_id: str, data_source_id: str, ids: Mapping[str, str]) -> dict[str, Any]:
    """Return the views.create body of the Now / Next / Later board, sorted by Rank.

    `ids` maps property names to the property ids Notion assigned.
    """
    return {
        "database_id": database_id,
        "data_source_id": data_source_id,
        "name": BOARD_VIEW,
        "type": "board",
        "sorts": _RANK_SORT,
        "configuration": {
            "type": "board",
            "group_by": {
                "type": "select",
                "property_id": ids[IdeaProp.BUCKET],
                "sort": {"type": "manual"},
                "hide_empty_groups": False,
            },
            "properties": [
                {"property_id": ids[name], "visible": True}
                for name in (IdeaProp.RANK, IdeaProp.SCORE, IdeaProp.STATUS, IdeaProp.QUADRANT)
                if name in ids
            ],
        },
    }


def table_view(database_id: str, data_source_id: str, ids: Mapping[str, str]) -> dict[str, Any]:
    """Return the views.create body of the table by bucket and rank, with the scoring columns."""
    return {
        "database_id": database_id,
        "data_source_id": data_source_id,
        "name": TABLE_VIEW,
        "type": "table",
        "sorts": _TABLE_SORT,
        "configuration": {
            "type": "table",
            "properties": [
                {"property_id": ids[name], "visible": True}
                for name in _TABLE_COLUMNS
                if name in ids
            ],
        },
    }
