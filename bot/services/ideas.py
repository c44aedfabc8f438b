"""Ideas and votes: propose, estimate, +1, and the card that shows them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pydantic import ValidationError

from prioritize.config import Criterion
from prioritize.errors import NotAllowed
from prioritize.models import Bucket, Estimate, Idea, Support
from prioritize.parsing import parse_id
from prioritize.scoring import RoadmapEntry

from .core import Change, Effects, UseCases, Vote, _wall, invalid_input


class IdeaUseCases(UseCases):
    """What people do with ideas: propose them, estimate them, +1 them."""

    def propose_idea(
        self,
        team_id: str,
        proposer: str,
        title: str,
        *,
        description: str = "",
        owning_team: str | None = None,
        pain_point_ids: Iterable[int] = (),
        impact: int | None = None,
        complexity: int | None = None,
        weeks: float | None = None,
        channel: str | None = None,
        once: str | None = None,
    ) -> Idea:
        """Store a new idea (with the proposer's own estimate when given) and its card post.

        `channel` is where the person proposed it, to tell them where the card went.
        """
        try:
            idea = Idea(
                team_id=team_id,
                proposer=proposer,
                title=title,
                description=description or "",
                owning_team=self.journey_of(team_id).team(owning_team, field="owning_team")
                if owning_team
                else None,
                pain_point_ids=list(pain_point_ids),
            )
        except ValidationError as e:
            raise invalid_input(e) from None
        estimate = None
        if impact is not None or complexity is not None or weeks is not None:
            # Validate the estimate before storing anything, so a bad one stores nothing.
            estimate = self._estimate(team_id, 0, proposer, impact, complexity, weeks)
        with self._unit(once) as unit:
            if unit.replayed:
                return self.store.ideas.get(team_id, int(unit.previous or 0))
            stored = self.store.ideas.add(idea, now=self.clock())
            unit.result = str(stored.id)
            if estimate is not None:
                self.store.votes.record_estimate(
                    estimate.model_copy(update={"idea_id": stored.id}), now=self.clock()
                )
            self.outbox.add(
                team_id,
                Effects.POST_CARD,
                {"idea_id": stored.id, "user": proposer, "channel": channel},
                key=f"post_card:{team_id}:{stored.id}",
                now=_wall(),
            )
            self.refresh_home(team_id, proposer)
        self._emit(Change(team_id, idea_ids=(stored.id,)))
        return stored

    def repost_card(self, team_id: str, idea_id: int, *, by: str, admin: bool = False) -> Idea:
        """Post an idea's card again (after it could not be posted); admins only.

        `admin=True` is the operator at the command line. The bot posts it.
        """
        if not admin:
            self._require_admin(by, team_id)
        with self._unit():
            idea = self.live(team_id, idea_id)
            self.outbox.add(
                team_id,
                Effects.POST_CARD,
                {"idea_id": idea.id, "user": by, "channel": None, "again": True},
                key=f"post_card:{team_id}:{idea.id}:{uuid.uuid4().hex}",
                now=_wall(),
            )
        return idea

    def card_posted(self, team_id: str, idea_id: int, *, channel: str, ts: str) -> None:
        """Remember where an idea's card was posted."""
        self.store.ideas.get(team_id, idea_id)
        self.store.ideas.set_card(idea_id, channel=channel, ts=ts)

    def card_drawn(self, team_id: str, idea_id: int, bucket: Bucket | None) -> None:
        """Remember the bucket the idea's card now shows."""
        from storage.edits import CardBuckets

        CardBuckets(self.store).set(team_id, idea_id, bucket.value if bucket else "")

    def redraw_moved_cards(self, team_id: str) -> list[int]:
        """Record a redraw of every card that shows another bucket than the roadmap gives.

        Returns the ideas whose cards are redrawn (only those: the others are right).
        """
        from storage.edits import CardBuckets

        # Ranked outside the transaction, so votes are not held up meanwhile; a vote that
        # lands in between records another check of its own.
        drawn = CardBuckets(self.store).drawn(team_id)
        now = self._buckets(team_id)
        movers = [
            i
            for i, shown in drawn.items()
            if i in now and shown != (now[i].value if now[i] else "")
        ]
        if movers:
            with self._unit():
                self._card(team_id, movers)
        return movers

    def _estimate(
        self,
        team_id: str,
        idea_id: int,
        voter: str,
        impact: int | None,
        complexity: int | None,
        weeks: float | None,
    ) -> Estimate:
        team = self.team_of(team_id, voter)
        for criterion, value in (
            (Criterion.IMPACT, impact),
            (Criterion.COMPLEXITY, complexity),
            (Criterion.WEEKS, weeks),
        ):
            if value is not None and not self.journey_of(team_id).may_rate(team, criterion):
                who = self.journey_of(team_id).who_may_rate(criterion)
                yours = f"you are in {team}" if team else "tell me your team with /journey team"
                raise NotAllowed(f"{criterion.value} is rated by {who} ({yours})")
        try:
            return Estimate(
                team_id=team_id,
                idea_id=idea_id,
                voter=voter,
                team=team,
                impact=impact,
                complexity=complexity,
                weeks=weeks,
            )
        except ValidationError as e:
            raise invalid_input(e) from None

    def idea(self, team_id: str, idea_id: int) -> Idea:
        """Return one idea as stored (merged ones too); raises NotFound."""
        return self.store.ideas.get(team_id, idea_id)

    def idea_by_card(self, team_id: str, channel: str, ts: str) -> Idea | None:
        """Return the idea whose card is the message at (channel, ts), if any."""
        return self.store.ideas.by_card(team_id, channel, ts)

    def live(self, team_id: str, idea_id: int) -> Idea:
        """Return the idea, following a merge to the idea that absorbed it; raises NotFound."""
        idea = self.store.ideas.get(team_id, idea_id)
        seen = {idea_id}
        while idea.merged_into is not None and idea.merged_into not in seen:
            seen.add(idea.merged_into)
            idea = self.store.ideas.get(team_id, idea.merged_into)
        return idea

    def record_estimate(
        self,
        team_id: str,
        idea_id: int,
        voter: str,
        *,
        impact: int | None = None,
        complexity: int | None = None,
        weeks: float | None = None,
        once: str | None = None,
        receipt: tuple[str, str] | None = None,
    ) -> Vote:
        """Store a person's estimate, replacing their earlier one; raises InvalidInput.

        `receipt` is the (channel, ts) of the message that holds the vote, to be marked
        as counted.
        """
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return Vote(idea, replayed=True)
            estimate = self._estimate(team_id, idea.id, voter, impact, complexity, weeks)
            stored, replaced = self.store.votes.record_estimate(estimate, now=self.clock())
            self._card(team_id, [idea.id])
            self._check_buckets(team_id)
            self._receipt(team_id, receipt)
        self._emit(Change(team_id, idea_ids=(idea.id,)))
        return Vote(idea, estimate=stored, replaced=replaced)

    def support(
        self,
        team_id: str,
        idea_id: int,
        user: str,
        *,
        once: str | None = None,
        receipt: tuple[str, str] | None = None,
    ) -> Vote:
        """Record a +1; a second +1 by the same person changes nothing."""
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return Vote(idea, replayed=True)
            team = self.team_of(team_id, user)
            added = self.store.votes.add_support(
                Support(team_id=team_id, idea_id=idea.id, user=user, team=team),
                now=self.clock(),
            )
            if added:
                self._card(team_id, [idea.id])
                self._check_buckets(team_id)
            self._receipt(team_id, receipt)
        if added:
            self._emit(Change(team_id, idea_ids=(idea.id,)))
        return Vote(idea, support_added=added)

    def _receipt(self, team_id: str, receipt: tuple[str, str] | None) -> None:
        if receipt is None:
            return
        channel, ts = receipt
        self.outbox.add(
            team_id,
            Effects.RECEIPT,
            {"channel": channel, "ts": ts},
            key=f"receipt:{team_id}:{channel}:{ts}",
            now=_wall(),
        )

    def retract_support(
        self, team_id: str, idea_id: int, user: str, *, once: str | None = None
    ) -> bool:
        """Take back a +1; False when there was none."""
        with self._unit(once) as unit:
            idea = self.live(team_id, idea_id)
            if unit.replayed:
                return False
            removed = self.store.votes.remove_support(team_id, idea.id, user)
            if removed:
                self._card(team_id, [idea.id])
                self._check_buckets(team_id)
        if removed:
            self._emit(Change(team_id, idea_ids=(idea.id,)))
        return removed

    def estimate_of(self, team_id: str, idea_id: int, user: str) -> tuple[Idea, Estimate | None]:
        """Return the live idea and `user`'s current estimate of it (to prefill a form)."""
        idea = self.live(team_id, idea_id)
        return idea, next((e for e in self.store.votes.estimates(idea.id) if e.voter == user), None)

    def why(self, team_id: str, idea_id: int) -> tuple[RoadmapEntry, list[Estimate]]:
        """Return the idea's roadmap entry and every estimate behind its score."""
        idea = self.live(team_id, idea_id)
        return self.entry(team_id, idea.id), self.store.votes.estimates(idea.id)

    def idea_options(self, team_id: str, query: str, *, limit: int) -> list[Idea]:
        """Return ideas for a picker: `#12` or `12` finds that idea, words search titles."""
        query = query.strip()
        if (idea_id := parse_id(query)) is not None:
            return self.store.ideas.all(team_id, ids=[idea_id])
        if query:
            return self.store.ideas.search(team_id, query, limit=limit)
        return list(reversed(self.store.ideas.all(team_id)))[:limit]
