"""Use cases: what people do with journeybot, independent of Slack and Notion.

Listeners parse a request into plain values and call one of these. A use case validates
against the journey map and the rules of who may, runs in one transaction of its own, and
in that same transaction records what Slack must hear because of the change (the outbox:
card redraws, thread notices, DMs, App Home refreshes). Whichever process runs the bot
delivers them, so a change made by `journeybot sync` or `import` reaches Slack as surely
as one made in Slack. `once=` makes a use case idempotent: the same key (a view id, an
event id, a trigger id) changes nothing the second time and returns the first result.
Subscribers hear of each change after it is committed (the debounced Notion sync).

One module per concern, put together in `Services`:

- `core`: the store, units of work (`_unit`), events and the outbox effects they share
- `pains`: log, import, change and +1 pain points
- `ideas`: propose, estimate and +1 ideas, and where their cards are
- `admin`: status, pins and merges, who hears of a status change, teams, DMs, settings
- `reading`: the ranked roadmap, one idea's standing, App Home, the journey heat
- `journey`: the journey questions, "Is this better now?" and the weekly digest
- `restore`: records from `journeybot export`, checked and stored as they were
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from prioritize.errors import InvalidInput, NotAllowed, NotFound, NotSaved
from prioritize.scoring import RoadmapEntry

from .admin import NOTION_ROADMAP_URL, ROADMAP_CHANNEL, AdminUseCases, Why
from .core import (
    Change,
    Effects,
    LoggedPain,
    Questions,
    StatusChange,
    UseCases,
    Vote,
    invalid_input,
)
from .ideas import IdeaUseCases
from .journey import SURVEY_WINDOW_DAYS, JourneyUseCases
from .pains import PainPointUseCases
from .reading import HOME_SHOWN, AdminHome, Home, ReadingUseCases
from .restore import RestoredIdea, RestoredPain, RestoreUseCases, StatusStep

if TYPE_CHECKING:
    from ..editing import Editing
    from ..people import People

__all__ = [
    "HOME_SHOWN",
    "NOTION_ROADMAP_URL",
    "ROADMAP_CHANNEL",
    "SURVEY_WINDOW_DAYS",
    "AdminHome",
    "Change",
    "Effects",
    "Home",
    "InvalidInput",
    "LoggedPain",
    "NotAllowed",
    "NotFound",
    "NotSaved",
    "Questions",
    "RestoredIdea",
    "RestoredPain",
    "RoadmapEntry",
    "Services",
    "StatusChange",
    "StatusStep",
    "UseCases",
    "Vote",
    "Why",
    "invalid_input",
]


class Services(
    PainPointUseCases,
    IdeaUseCases,
    AdminUseCases,
    ReadingUseCases,
    JourneyUseCases,
    RestoreUseCases,
):
    """The use cases, bound to one store and one journey map.

    Built like `UseCases` (`Services(store, journey=..., admins=...)`); each group of use
    cases lives in its own module and calls the others through `self`.
    """

    @cached_property
    def people(self) -> People:
        """People's Slack names, for Notion (see `bot/people.py`)."""
        from ..people import People

        return People(self)

    @cached_property
    def editing(self) -> Editing:
        """Edit, withdraw, close, archive, find and +1 (see `bot/editing.py`)."""
        from ..editing import Editing

        return Editing(self)
