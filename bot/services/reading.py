"""Reading the roadmap: ranking, entries, App Home and the journey heat."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prioritize.errors import NotFound
from prioritize.heat import Heat, heat
from prioritize.models import Bucket, Idea, PainPoint
from prioritize.scoring import RoadmapEntry, RoadmapItem, Score, explain, roadmap, score, scorer

from .core import Questions, UseCases, _gc_paused

if TYPE_CHECKING:
    from ..workspace_settings import Workspace


@dataclass(frozen=True, slots=True)
class Home:
    """What a person's App Home shows."""

    team: str | None
    teams: tuple[str, ...]
    notify: bool
    pain_points: list[PainPoint]
    ideas: list[RoadmapEntry]
    waiting: list[RoadmapEntry]
    top: list[RoadmapEntry]
    admin: AdminHome | None = None
    """What only admins see: the roadmap channel and ideas whose card is not posted."""
    questions: Questions | None = None


@dataclass(frozen=True, slots=True)
class AdminHome:
    """The settings part of an admin's App Home."""

    roadmap_channel: str | None
    unposted: list[Idea]
    workspace: Workspace | None = None
    """The settings the workspace runs with (its own, else the config file's)."""


HOME_SHOWN = 10
"""Ideas waiting for a person's estimate that App Home lists."""


class ReadingUseCases(UseCases):
    """What people read: the ranked roadmap, one idea's standing, App Home, heat."""

    def ranking(self, team_id: str) -> list[RoadmapItem]:
        """Return every idea scored, ranked and bucketed, without loading the ideas themselves.

        Done and Won't do ideas are ranked too, with no bucket.
        """
        with _gc_paused():
            return roadmap(self.store.stats.facts(team_id), self.journey_of(team_id).scoring)

    def roadmap(self, team_id: str) -> list[RoadmapEntry]:
        """Return every idea, ranked and bucketed, with the breakdown of its score.

        Done and Won't do ideas are included with no bucket (`item.bucket is None`).
        """
        scoring = self.journey_of(team_id).scoring
        with _gc_paused():
            ideas, facts = self.store.stats.ideas_and_facts(team_id)
            return [
                RoadmapEntry(ideas[item.score.idea_id], item, scoring=scoring)
                for item in roadmap(facts, scoring)
            ]

    def top(self, team_id: str, n: int) -> list[RoadmapEntry]:
        """Return the `n` best ranked ideas still on the roadmap, with rank and bucket.

        Read from the ranking index: the same cost at 100 ideas or 100,000.
        """
        ids = self.store.stats.top_ids(team_id, n)
        entries = self._entries(team_id, ids)
        return [entries[i] for i in ids if i in entries]

    def on_roadmap(self, team_id: str) -> int:
        """Return how many ideas are on the roadmap (not merged, Done or Won't do)."""
        return self.store.stats.active_count(team_id)

    def _entries(self, team_id: str, ids: Iterable[int]) -> dict[int, RoadmapEntry]:
        """Return the roadmap entries of `ids`, each with its rank and bucket."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        scoring = self.journey_of(team_id).scoring
        known = self.store.ideas.live_by_id(team_id, wanted)
        standing = self.store.stats.ranked(team_id, wanted, capacity=scoring.capacity)
        score_one = scorer(scoring)
        out = {}
        for facts in self.store.stats.facts(team_id, ids=wanted):
            i = facts.idea_id
            if i in standing and i in known:
                rank, bucket = standing[i]
                item = RoadmapItem(rank, score_one(facts), bucket)
                out[i] = RoadmapEntry(known[i], item, scoring=scoring)
        return out

    def _buckets(self, team_id: str) -> dict[int, Bucket | None]:
        """Return the bucket the roadmap gives each idea now (inside the caller's unit)."""
        return {item.score.idea_id: item.bucket for item in self.ranking(team_id)}

    def score_of(self, team_id: str, idea_id: int) -> tuple[Score, str]:
        """Return one idea's score and its breakdown, without ranking the others."""
        facts = self.store.stats.facts(team_id, idea_id=idea_id)
        if not facts:
            raise NotFound(f"idea #{idea_id} does not exist")
        s = score(facts[0], self.journey_of(team_id).scoring)
        return s, explain(s, self.journey_of(team_id).scoring)

    def entry(self, team_id: str, idea_id: int) -> RoadmapEntry:
        """Return one idea's roadmap entry: its score, rank and bucket; raises NotFound.

        Rank and bucket come from the ranking index (a few indexed reads), not from
        ranking the whole workspace.
        """
        scoring = self.journey_of(team_id).scoring
        facts = self.store.stats.facts(team_id, idea_id=idea_id)
        standing = self.store.stats.standing(team_id, idea_id, capacity=scoring.capacity)
        if not facts or standing is None:
            raise NotFound(f"idea #{idea_id} is not on the roadmap")
        rank, bucket = standing
        idea = self.store.ideas.get(team_id, idea_id)
        item = RoadmapItem(rank, score(facts[0], scoring), bucket)
        return RoadmapEntry(idea, item, scoring=scoring)

    def weakest_stage(self, team_id: str) -> str | None:
        """Return the journey stage with the most severe pain that no idea addresses yet.

        The weakest stage of `heat`, read with one look-up per open pain point instead of
        every link, for `/roadmap`.
        """
        return heat(
            self.journey_of(team_id).stages,
            self.store.pains.facts(team_id),
            self.store.ideas.addressing(team_id),
        ).weakest

    def heat(self, team_id: str) -> Heat:
        """Return the journey heat table of the workspace."""
        return heat(
            self.journey_of(team_id).stages,
            self.store.pains.facts(team_id),
            self.store.ideas.active_links(team_id),
        )

    def home(self, team_id: str, user: str, *, shown: int = HOME_SHOWN) -> Home:
        """Return what `user`'s App Home shows: at most `shown` ideas waiting for their
        estimate (best ranked first), the top 5, and at most `shown` of their own ideas
        (lowest ranked first).

        Read from the ranking index: the same cost in a workspace of any size.
        """
        own = self.store.stats.own_ids(team_id, user, shown)
        waiting = self.store.stats.waiting_ids(team_id, user, shown)
        top = self.store.stats.top_ids(team_id, 5)
        entries = self._entries(team_id, [*waiting, *top, *own])
        return Home(
            team=self.team_of(team_id, user),
            teams=tuple(self.journey_of(team_id).teams),
            notify=self.store.people.wants_dms(team_id, user),
            pain_points=list(reversed(self.store.pains.all(team_id, reporter=user))),
            ideas=[entries[i] for i in own if i in entries],
            waiting=[entries[i] for i in waiting if i in entries],
            top=[entries[i] for i in top if i in entries],
            admin=AdminHome(
                workspace=self.workspace.of(team_id),
                roadmap_channel=self.roadmap_channel(team_id),
                unposted=self.store.ideas.all(
                    team_id, ids=self.store.ideas.unposted_ids(team_id, limit=shown)
                ),
            )
            if self.is_admin(user, team_id)
            else None,
            questions=self._questions_for_home(team_id),
        )

    def _questions_for_home(self, team_id: str) -> Questions:
        # Every click on App Home redraws it; the answers read the whole workspace (about
        # two seconds for 100,000 pain points), so the summary may be a minute old.
        now = time.monotonic()
        cached = self._home_questions.get(team_id)
        if cached is not None and now - cached[0] < self.home_questions_ttl:
            return cached[1]
        questions = self.questions(team_id)
        self._home_questions[team_id] = (now, questions)
        return questions
