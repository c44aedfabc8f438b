"""Admin rules and settings: status, pins and merges, who hears of a status change,
people's teams and DMs, and the roadmap channel."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from prioritize.errors import InvalidInput, NotAllowed, NotFound
from prioritize.models import Bucket, Idea, IdeaStatus

from .core import _USER_ID, Change, Effects, StatusChange, UseCases, _wall


class Why:
    """Why a person hears about an idea's status change."""

    REPORTED = "reported"
    SUPPORTED = "supported"
    ESTIMATED = "estimated"
    PROPOSED = "proposed"


ROADMAP_CHANNEL = "slack.roadmap_channel"
"""The meta key (with `:team_id`) of the roadmap channel an admin picked on App Home."""


_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


NOTION_ROADMAP_URL = "notion.roadmap_url"
"""The meta key (with `:team_id`) under which the Notion sync stores the roadmap's URL."""


class AdminUseCases(UseCases):
    """What admins decide (status, bucket, merge, the roadmap channel) and what people set
    about themselves (team, DMs)."""

    def manageable(self, team_id: str, idea_id: int, user: str) -> Idea:
        """Return the idea `user` is about to manage; raises NotAllowed or NotFound.

        A merged idea is managed through the idea that absorbed it.
        """
        self._require_admin(user, team_id)
        idea = self.store.ideas.get(team_id, idea_id)
        if idea.merged_into is not None:
            raise NotFound(f"#{idea.id} was merged into #{idea.merged_into}; manage that one.")
        return idea

    def manage(
        self,
        team_id: str,
        idea_id: int,
        user: str,
        *,
        status: IdeaStatus | str | None = None,
        bucket: Bucket | str | None = None,
        merge_into: int | None = None,
        once: str | None = None,
    ) -> Idea:
        """Apply an admin's changes to an idea in one transaction; raises NotAllowed.

        `bucket` "auto" (or None) unpins; a merge leaves the pin alone.
        """
        self._require_admin(user, team_id)
        with self._unit(once) as unit:
            idea = self.store.ideas.get(team_id, idea_id)
            if unit.replayed:
                return idea
            if merge_into is not None:
                self.merge(team_id, idea_id, merge_into, by=user)
            if status is not None and _status(status) is not idea.status:
                self.change_status(team_id, idea_id, status, by=user)
            pinned = _bucket(None if bucket == "auto" else bucket)
            if pinned != idea.pinned_bucket and merge_into is None:
                self.pin_bucket(team_id, idea_id, pinned, by=user)
            return self.store.ideas.get(team_id, idea_id)

    def change_status(
        self,
        team_id: str,
        idea_id: int,
        status: IdeaStatus | str,
        *,
        by: str,
        source: str = "slack",
    ) -> StatusChange | None:
        """Set an idea's status; return the change, or None when it already had it.

        The card's thread and the people who care hear of it through the outbox.
        """
        status = _status(status)
        with self._unit():
            old = self.store.ideas.set_status(
                team_id, idea_id, status, by=by, source=source, now=self.clock()
            )
            if old is None:
                return None
            change = StatusChange(team_id, idea_id, old, status, by, source)
            self._announce(change)
            self._check_buckets(team_id)
        self._emit(change)
        return change

    def _announce(self, change: StatusChange) -> None:
        """Record the card redraw, thread notice and DMs of a status change (in its unit)."""
        team_id, idea_id = change.team_id, change.idea_id
        idea = self.store.ideas.get(team_id, idea_id)
        history = self.store.ideas.status_changes(idea_id)
        # The history row identifies this change: its notices are keyed by it.
        ref = history[-1]["id"] if history else uuid.uuid4().hex
        facts = {"idea_id": idea_id, "old": change.old.value, "new": change.new.value}
        self._card(team_id, [idea_id, *self._linked_ideas_moved(idea)])
        self.outbox.add(
            team_id,
            Effects.STATUS_THREAD,
            {**facts, "source": change.source},
            key=f"status:{team_id}:{idea_id}:{ref}",
            now=_wall(),
        )
        for user, why in self.status_recipients(change, idea).items():
            self.outbox.add(
                team_id,
                Effects.STATUS_DM,
                {**facts, "user": user, "why": why},
                key=f"status_dm:{team_id}:{idea_id}:{ref}:{user}",
                now=_wall(),
            )

    def _linked_ideas_moved(self, idea: Idea) -> list[int]:
        # Done or reopened: linked pain points change status, which moves their other ideas.
        linked = self.store.ideas.for_pain_points(idea.pain_point_ids)
        return [i for ids in linked.values() for i in ids if i != idea.id]

    def status_recipients(self, change: StatusChange, idea: Idea) -> dict[str, str]:
        """Return who hears about a status change and why: its proposer, the people who
        estimated it, reporters and supporters, minus the person who made it and the people
        who turned DMs off. Each hears once, for the closest reason."""
        people: dict[str, str] = {}
        for pain in self.store.pains.all(change.team_id, ids=idea.pain_point_ids):
            people.setdefault(pain.reporter, Why.REPORTED)
        for user in self.store.votes.supporters(idea.id):
            people[user] = Why.SUPPORTED
        for estimate in self.store.votes.estimates(idea.id):
            people[estimate.voter] = Why.ESTIMATED
        people[idea.proposer] = Why.PROPOSED
        return {
            user: why
            for user, why in people.items()
            if user != change.by
            and _USER_ID.match(user)
            and self.store.people.wants_dms(change.team_id, user)
        }

    def defer_status_dm(self, team_id: str, idea_id: int, user: str, why: str) -> bool:
        """Record one end-of-day DM about the idea to `user`, whose DMs about it are spent.

        Later changes the same day are absorbed by it (it reads the idea when sent); False
        when one is already waiting.
        """
        wall = _wall()
        day_end = datetime.combine(wall.date() + timedelta(days=1), datetime.min.time(), UTC)
        day = wall.date().isoformat()
        key = f"status_day_end:{team_id}:{idea_id}:{user}:{day}"
        with self._unit():
            return self.outbox.add(
                team_id,
                Effects.STATUS_DAY_END,
                {"idea_id": idea_id, "user": user, "why": why, "day": day},
                key=key,
                coalesce=key,
                now=wall,
                delay=max(0.0, (day_end - wall).total_seconds() - 60),
            )

    def pin_bucket(
        self, team_id: str, idea_id: int, bucket: Bucket | str | None, *, by: str
    ) -> Idea:
        """Pin an idea to a bucket (None unpins) so ranking no longer moves it."""
        pinned = _bucket(bucket)
        # The bucket before is read first; the thread notice compares it with the bucket
        # when it is sent, and says nothing if the pin moved nothing.
        old = self._buckets(team_id).get(idea_id)
        with self._unit():
            idea = self.store.ideas.update(team_id, idea_id, now=self.clock(), pinned_bucket=pinned)
            self._card(team_id, [idea_id])
            self._check_buckets(team_id)
            self.outbox.add(
                team_id,
                Effects.BUCKET_THREAD,
                {"idea_id": idea_id, "old": old.value if old else None, "by": by},
                key=f"bucket:{team_id}:{idea_id}:{uuid.uuid4().hex}",
                now=_wall(),
            )
        self._emit(Change(team_id, idea_ids=(idea_id,)))
        return idea

    def merge(self, team_id: str, duplicate_id: int, into_id: int, *, by: str) -> Idea:
        """Merge a duplicate idea into another; votes and links move. Returns the survivor."""
        with self._unit():
            survivor = self.store.ideas.merge(team_id, duplicate_id, into_id, now=self.clock())
            self._card(team_id, [duplicate_id, into_id])
        self._emit(Change(team_id, idea_ids=(duplicate_id, into_id)))
        return survivor

    def set_team(self, team_id: str, user: str, team: str, *, by: str | None = None) -> str:
        """Remember `user`'s team (`by` an admin, or themselves while none is set).

        A team decides whose estimates count under `[journey.raters]`, so once set it is
        changed only by an admin, and a team from `[journey.members]` not at all here.
        Returns the configured spelling; raises InvalidInput or NotAllowed.
        """
        name = self.journey_of(team_id).team(team)
        by = by or user
        if user in self.journey_of(team_id).members:
            raise NotAllowed(
                f"your team is {self.journey_of(team_id).members[user]}, set in the config file"
                f" ([journey.members]); {self.admins_to_ask(team_id)} can change it there"
            )
        # Asked before the transaction: whether one is a workspace admin may ask Slack.
        current = self.store.people.team_of(team_id, user)
        if by != user and not self.is_admin(by, team_id):
            raise NotAllowed("only an admin can set someone else's team")
        if current is not None and current != name and not self.is_admin(by, team_id):
            raise NotAllowed(
                f"you are in {current}; once set, a team is changed only by an admin"
                f" (ask {self.admins_to_ask(team_id)} to set it under [journey.members])"
            )
        with self._unit():
            self.store.people.set_team(team_id, user, name)
            self.refresh_home(team_id, user)
        return name

    def set_notify(self, team_id: str, user: str, notify: bool) -> None:
        """Turn a person's status-update DMs on or off."""
        with self._unit():
            self.store.people.set_notify(team_id, user, notify)
            self.refresh_home(team_id, user)

    def wants_dms(self, team_id: str, user: str) -> bool:
        """Whether `user` still wants DMs from journeybot (`/journey notify off` says no)."""
        return self.store.people.wants_dms(team_id, user)

    def roadmap_channel(self, team_id: str) -> str | None:
        """Return where idea cards go: the channel an admin picked, else the config's."""
        return self.store.meta.get(f"{ROADMAP_CHANNEL}:{team_id}") or self.default_channel

    def set_roadmap_channel(self, team_id: str, channel: str, *, by: str) -> str:
        """Make `channel` the roadmap channel (admins only); return it."""
        self._require_admin(by, team_id)
        if not _CHANNEL_ID.match(channel or ""):
            raise InvalidInput("channel", f"{channel!r} is not a Slack channel id")
        with self._unit():
            self.store.meta.set(f"{ROADMAP_CHANNEL}:{team_id}", channel)
            self.refresh_home(team_id, by)
        return channel

    def no_channel_message(self) -> str:
        """Return what a person is told while no roadmap channel is set."""
        admins = self.admins_to_ask()
        return (
            "journeybot has no roadmap channel yet, so ideas have nowhere to go. Ask "
            f"{admins} to pick one on journeybot's App Home (Settings: *Roadmap channel*), "
            "or to set `roadmap_channel` under `[slack]` in the config file."
        )

    def notion_url(self, team_id: str) -> str | None:
        """Return the workspace's Notion roadmap URL, once a sync has created it."""
        return self.store.meta.get(f"{NOTION_ROADMAP_URL}:{team_id}")


def _status(value: IdeaStatus | str) -> IdeaStatus:
    try:
        return IdeaStatus(value)
    except ValueError:
        choices = ", ".join(s.value for s in IdeaStatus)
        raise InvalidInput("status", f"unknown status {value!r}; choose {choices}") from None


def _bucket(value: Bucket | str | None) -> Bucket | None:
    try:
        return Bucket(value) if value else None
    except ValueError:
        raise InvalidInput(
            "bucket", f"unknown bucket {value!r}; choose Now, Next or Later"
        ) from None
