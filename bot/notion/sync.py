"""Keep the Notion roadmap true to journeybot's database, spending as few requests as it can.

One `RoadmapSync.run()`:

1. makes sure the Pain points and Roadmap databases, their views and the summary page
   exist, found again by the ids stored in SQLite (never by search, which Notion indexes
   late), and repairs a schema a person changed (a property deleted, renamed or retyped);
2. reads back what leaders changed in Notion since the last sync: a query for Roadmap pages
   edited since then by someone other than journeybot. A changed Status or Bucket is
   applied through `Services` (so Slack hears about it); a changed score, estimate or
   title is noted in the log and overwritten, because those come from journeybot;
3. pushes pain points, then ideas, page by page: a page whose rendered fingerprint matches
   the stored one costs nothing, a changed page costs one request carrying only the
   properties that differ (plus its body, if that changed), a new page one create. Ranks
   are not written, so ideas that merely move in the ranking cost nothing;
4. updates only the summary page blocks whose text changed.

Crash safety: a page's Notion id is stored the moment Notion returns it, and a create is
recorded as in flight before it is sent. A create whose outcome is unknown (a killed
process, a dropped connection) is resolved on the next attempt by querying for the Idea
ID, so a sync can be killed anywhere and rerun without duplicating a page.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from prioritize.config import InvalidInput
from prioritize.heat import Heat
from prioritize.models import Bucket, IdeaStatus, PainPoint
from storage.notion_state import CREATING, GONE, LIVE, NotionObject, NotionState, PageState

from ..services import NotFound, RoadmapEntry, Services
from . import render
from .client import NotionClient, NotionError, OutcomeUnknown
from .render import MAX_ARRAY, Rendered, Slot, normalize
from .schema import (
    EDITABLE,
    PAINS_TITLE,
    ROADMAP_TITLE,
    SUMMARY_TITLE,
    IdeaProp,
    PainProp,
    board_view,
    pain_schema,
    property_type,
    roadmap_schema,
    table_view,
)

__all__ = ["IDEA", "PAIN", "Progress", "RoadmapSync", "SyncBusy", "SyncReport"]

log = logging.getLogger(__name__)

IDEA = "idea"
PAIN = "pain"
ROADMAP_URL_META = "notion.roadmap_url"
SUMMARY_URL_META = "notion.summary_url"

Progress = Callable[[int, int], None]
"""Called with (done, total) as the sync works through the pages."""

# Roadmap properties that only journeybot writes; a leader's edit to them is overwritten.
# The relation is left out: Notion returns at most 25 related pages inside a page object.
_OWNED = frozenset(
    {
        IdeaProp.NAME,
        IdeaProp.IDEA_ID,
        IdeaProp.SCORE,
        IdeaProp.QUADRANT,
        IdeaProp.IMPACT,
        IdeaProp.COMPLEXITY,
        IdeaProp.WEEKS,
        IdeaProp.SUPPORTERS,
        IdeaProp.ESTIMATES,
        IdeaProp.TEAMS,
        IdeaProp.STAGES,
        IdeaProp.NEEDS_ESTIMATES,
        IdeaProp.DISAGREE,
        IdeaProp.SLACK,
        IdeaProp.BREAKDOWN,
    }
)
_MISSING = object()
APPENDING = "appending:"
"""Prefix of a body fingerprint whose append was sent but not confirmed."""


LEASE_SECONDS = 180.0
"""A sync that died gives up its workspace lease this long after it last renewed it."""
RENEW_SECONDS = 30.0


class SyncBusy(Exception):
    """Another sync of the same workspace is running (in this process or another)."""


@dataclass
class SyncReport:
    """What one sync did, for the CLI summary, the log and the bench."""

    created: int = 0
    updated: int = 0
    archived: int = 0
    read_back: int = 0
    """Leader edits (Status or Bucket) applied to journeybot's database."""
    overwritten: int = 0
    """Leader edits of journeybot-owned properties that the sync writes back over."""
    requests: int = 0
    rate_limited: int = 0
    seconds: float = 0.0
    repaired: list[str] = field(default_factory=list)
    """Properties or views that had drifted and were put back."""
    follow_up: bool = False
    """A leader edit was noticed mid-push; another sync would bring its effects to Notion."""

    def line(self) -> str:
        """Return the report as one log line."""
        return (
            f"created {self.created}, updated {self.updated}, archived {self.archived}, "
            f"read back {self.read_back}, overwritten {self.overwritten}, "
            f"{self.requests} request{'s' * (self.requests != 1)}"
            f" ({self.rate_limited} rate limited) "
            f"in {self.seconds:.1f} s"
        )


@dataclass(frozen=True, slots=True)
class _Db:
    key: str
    database_id: str
    data_source_id: str
    url: str | None
    props: dict[str, str]
    """Property name -> Notion property id."""


class RoadmapSync:
    """Syncs one Slack workspace's roadmap into Notion under a parent page."""

    def __init__(
        self,
        services: Services,
        client: NotionClient,
        *,
        team_id: str,
        parent_page_id: str,
        clock: Callable[[], datetime] | None = None,
        top: int = render.TOP,
        schema_check_interval: timedelta = timedelta(hours=24),
        lookback: timedelta = timedelta(minutes=5),
    ) -> None:
        self.services = services
        self.store = services.store
        self.state = NotionState(services.store)
        self.client = client
        self.team_id = team_id
        self.parent_page_id = parent_page_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.top = top
        self.schema_check_interval = schema_check_interval
        # Notion rounds last_edited_time down to the minute and clocks drift: read back a
        # little before the last sync; an edit seen twice is recognised and skipped.
        self.lookback = lookback
        self._repaired: set[str] = set()
        self._lease: tuple[str, float] = ("", 0.0)

    # ---------------------------------------------------------------- the run

    def run(self, *, progress: Progress | None = None, check_schema: bool = False) -> SyncReport:
        """Run one sync and return what it did.

        Raises NotionError if Notion fails it, SyncBusy if the workspace is being synced.
        """
        holder = uuid.uuid4().hex
        if not self.state.acquire_lease(self.team_id, holder, now=self.clock(), ttl=LEASE_SECONDS):
            raise SyncBusy(f"another Notion sync of {self.team_id} is running")
        self._lease = (holder, time.monotonic())
        report = SyncReport()
        stats = self.client.stats
        sent, limited, began = stats.sent, stats.rate_limited, time.monotonic()
        started = self.clock()
        self._repaired = set()
        error: str | None = None
        try:
            self._run(report, progress, check_schema)
        except BaseException as e:
            error = f"{type(e).__name__}: {e}"[:500]
            raise
        finally:
            report.requests = stats.sent - sent
            report.rate_limited = stats.rate_limited - limited
            report.seconds = time.monotonic() - began
            try:
                self.state.release_lease(self.team_id, holder)
                self.state.record_run(
                    self.team_id,
                    started_at=started,
                    finished_at=self.clock(),
                    created=report.created,
                    updated=report.updated,
                    archived=report.archived,
                    read_back=report.read_back,
                    requests=report.requests,
                    error=error,
                )
            except Exception:  # bookkeeping; never mask the real outcome
                log.exception("could not record the sync run")
        log.info("Notion sync of %s: %s", self.team_id, report.line())
        return report

    def _renew_lease(self) -> None:
        holder, renewed = self._lease
        if time.monotonic() - renewed >= RENEW_SECONDS:
            self.state.acquire_lease(self.team_id, holder, now=self.clock(), ttl=LEASE_SECONDS)
            self._lease = (holder, time.monotonic())

    def _run(self, report: SyncReport, progress: Progress | None, check_schema: bool) -> None:
        pains_db, roadmap_db = self._ensure(report, check_schema)
        read_from = self.clock()
        self._read_back(roadmap_db, report)

        entries = self.services.roadmap(self.team_id)
        pains = self.store.pain_points(self.team_id)
        heat = self.services.heat(self.team_id)
        total = len(pains) + len(entries) + 1
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            self._renew_lease()
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        pain_pages = self._push_pains(pains, pains_db, report, tick)
        idea_pages = self._push_ideas(entries, pains, pain_pages, roadmap_db, report, tick)
        self._push_summary(entries, heat, idea_pages, roadmap_db, report)
        tick()
        self.state.save_object(
            self.team_id, "readback", notion_id=None, data={"since": read_from.isoformat()}
        )
        if roadmap_db.url:
            self.store.set_meta(ROADMAP_URL_META, roadmap_db.url)

    # ---------------------------------------------------------------- setup and repair

    def _ensure(self, report: SyncReport, check_schema: bool) -> tuple[_Db, _Db]:
        journey = self.services.journey
        if self._object("bot") is None:
            me = self.client.me()
            self.state.save_object(self.team_id, "bot", notion_id=me["id"])
        pains = self._database("pains", PAINS_TITLE, pain_schema(journey), "🩹")
        roadmap = self._database(
            "roadmap", ROADMAP_TITLE, roadmap_schema(journey, pains.data_source_id), "🗺️"
        )
        checked = self._object("schema_checked")
        if checked is None:
            # Databases journeybot just created have its schema; check from here on.
            self._mark_checked()
        due = check_schema or (
            checked is not None
            and self.clock() - datetime.fromisoformat(checked.data["at"])
            >= self.schema_check_interval
        )
        if due:
            pains = self._verify(pains, PAINS_TITLE, pain_schema(journey), "🩹", report)
            roadmap = self._verify(
                roadmap,
                ROADMAP_TITLE,
                roadmap_schema(journey, pains.data_source_id),
                "🗺️",
                report,
            )
        self._views(roadmap, verify=due, report=report)
        if due:
            self._mark_checked()
        return pains, roadmap

    def _mark_checked(self) -> None:
        self.state.save_object(
            self.team_id, "schema_checked", notion_id=None, data={"at": self.clock().isoformat()}
        )

    def _object(self, key: str) -> NotionObject | None:
        return self.state.object(self.team_id, key)

    def _database(self, key: str, title: str, schema: Mapping[str, Any], icon: str) -> _Db:
        """Return the database under `key`, creating it if it was never created.

        Every answer is stored before the next request, so a process killed between any
        two requests resumes from the last one.
        """
        obj = self._object(key)
        if obj is not None and obj.notion_id is None and obj.state == CREATING:
            found = self._find_child("child_database", title)
            if found is not None:
                self.state.save_object(self.team_id, key, notion_id=found)
                obj = self._object(key)
        if obj is None or obj.notion_id is None:
            self.state.save_object(self.team_id, key, notion_id=None, state=CREATING)
            try:
                database = self.client.create_database(
                    self.parent_page_id, title, schema, icon=icon
                )
            except OutcomeUnknown:
                found = self._find_child("child_database", title)
                if found is None:
                    raise
                database = self.client.retrieve_database(found)
            log.info("created the %s database in Notion", title)
            self._save_database(key, database)
            obj = self._object(key)
        assert obj is not None and obj.notion_id is not None
        if "data_source_id" not in obj.data:
            self._save_database(key, self.client.retrieve_database(obj.notion_id))
            obj = self._object(key)
            assert obj is not None and obj.notion_id is not None
        if "props" not in obj.data:
            source = self.client.retrieve_data_source(obj.data["data_source_id"])
            return self._save_db(
                key, obj.notion_id, obj.url, obj.data["data_source_id"], source["properties"]
            )
        return _db(obj)

    def _save_database(self, key: str, database: Mapping[str, Any]) -> None:
        self.state.save_object(
            self.team_id,
            key,
            notion_id=database["id"],
            url=database.get("url"),
            data={"data_source_id": database["data_sources"][0]["id"]},
        )

    def _save_db(
        self,
        key: str,
        database_id: str,
        url: str | None,
        source_id: str,
        properties: Mapping[str, Any],
    ) -> _Db:
        props = {name: prop["id"] for name, prop in properties.items()}
        self.state.save_object(
            self.team_id,
            key,
            notion_id=database_id,
            url=url,
            data={"data_source_id": source_id, "props": props},
        )
        return _Db(key, database_id, source_id, url, props)

    def _find_child(self, kind: str, title: str) -> str | None:
        """Return the newest `kind` block titled `title` directly under the parent page.

        Used only to settle a create whose answer was lost: the parent page is listed,
        not searched, so an object created a moment ago is there.
        """
        children = self.client.list_children(self.parent_page_id)
        taken = {_bare(i) for i in self.state.known_ids()}  # another workspace's, say
        matches = [
            b["id"]
            for b in children
            if b.get("type") == kind
            and b.get(kind, {}).get("title") == title
            and _bare(b["id"]) not in taken
        ]
        return matches[-1] if matches else None

    def _verify(
        self,
        db: _Db,
        title: str,
        expected: Mapping[str, Any],
        icon: str,
        report: SyncReport,
    ) -> _Db:
        """Check a database against its schema; recreate it if trashed, repair drifted props."""
        try:
            database = self.client.retrieve_database(db.database_id)
            gone = bool(database.get("in_trash") or database.get("archived"))
        except NotionError as e:
            if e.status != 404:
                raise
            gone = True
        if gone:
            log.warning("the %s database was deleted in Notion; creating it again", title)
            self.state.forget_object(self.team_id, db.key)
            self.state.forget_pages(self.team_id, PAIN if db.key == "pains" else IDEA)
            if db.key == "roadmap":
                self.state.forget_object(self.team_id, "view_board")
                self.state.forget_object(self.team_id, "view_table")
            report.repaired.append(f"{title} database")
            return self._database(db.key, title, expected, icon)
        source = self.client.retrieve_data_source(db.data_source_id)
        return self._repair(db, expected, source["properties"], report)

    def _repair(
        self,
        db: _Db,
        expected: Mapping[str, Any],
        current: Mapping[str, Any],
        report: SyncReport,
    ) -> _Db:
        """Put back properties a person deleted, renamed or retyped; pages keep their rows."""
        by_id = {prop["id"]: (name, prop) for name, prop in current.items()}
        patch: dict[str, Any] = {}
        lost: list[str] = []
        for name, spec in expected.items():
            kind = property_type(spec)
            have = current.get(name)
            if have is not None and have.get("type") == kind and _same_target(have, spec):
                continue
            if have is None and db.props.get(name) in by_id:
                # Renamed: the property id is unchanged, so its values survived.
                old_name, have = by_id[db.props[name]]
                log.warning(
                    "Notion property %r was renamed to %r; renaming it back", name, old_name
                )
                if have.get("type") == kind and _same_target(have, spec):
                    patch[have["id"]] = {"name": name}
                else:
                    patch[have["id"]] = {"name": name, **spec}
                    lost.append(name)
            elif have is not None:
                log.warning("Notion property %r changed type; putting it back", name)
                patch[have["id"]] = {"name": name, **spec}
                lost.append(name)
            else:
                log.warning("Notion property %r was deleted; adding it back", name)
                patch[name] = spec
                lost.append(name)
            report.repaired.append(name)
        if not patch:
            return db
        source = self.client.update_data_source(db.data_source_id, patch)
        kind = PAIN if db.key == "pains" else IDEA
        for name in lost:
            # Notion dropped these values: forget them so every page sends them again.
            self.state.forget_property(self.team_id, kind, name)
        return self._save_db(
            db.key, db.database_id, db.url, db.data_source_id, source["properties"]
        )

    def _views(self, roadmap: _Db, *, verify: bool, report: SyncReport) -> None:
        """Create the board and table views once; recreate one a person deleted.

        A view names properties by id; when a repair gave a property a new id, the view's
        body changes and the view is updated (its fingerprint is kept for that).
        """
        existing: list[str] | None = None
        for key, build in (("view_board", board_view), ("view_table", table_view)):
            body = build(roadmap.database_id, roadmap.data_source_id, roadmap.props)
            fp = render.fingerprint(body)
            obj = self._object(key)
            if obj is not None and obj.notion_id is None and obj.state == CREATING:
                if self._settle_view(key, obj, roadmap, body["name"], fp):
                    continue
            elif obj is not None and obj.notion_id:
                gone = False
                if verify:
                    if existing is None:
                        existing = self.client.list_views(roadmap.database_id)
                    gone = obj.notion_id not in existing
                if not gone:
                    if obj.data.get("fp") != fp:
                        self.client.update_view(obj.notion_id, body)
                        self.state.save_object(
                            self.team_id, key, notion_id=obj.notion_id, url=obj.url, data={"fp": fp}
                        )
                    continue
                log.warning("the %r view was deleted in Notion; creating it again", body["name"])
                report.repaired.append(f"{body['name']} view")
            self.state.save_object(self.team_id, key, notion_id=None, state=CREATING)
            try:
                view = self.client.create_view(body)
            except OutcomeUnknown:
                obj = self._object(key)
                assert obj is not None
                if self._settle_view(key, obj, roadmap, body["name"], fp):
                    continue
                raise
            self.state.save_object(
                self.team_id, key, notion_id=view["id"], url=view.get("url"), data={"fp": fp}
            )

    def _settle_view(self, key: str, obj: NotionObject, roadmap: _Db, name: str, fp: str) -> bool:
        """Find the view an interrupted create made; True if found (and stored).

        Views are listed by id only, so each candidate is retrieved; the candidates left
        to look at are stored after every request.
        """
        candidates = obj.data.get("candidates")
        if candidates is None:
            known = {o.notion_id for o in self.state.objects(self.team_id).values()}
            candidates = [v for v in self.client.list_views(roadmap.database_id) if v not in known]
            self.state.save_object(
                self.team_id, key, notion_id=None, state=CREATING, data={"candidates": candidates}
            )
        while candidates:
            view = self.client.retrieve_view(candidates[0])
            if view.get("name") == name:
                self.state.save_object(
                    self.team_id, key, notion_id=view["id"], url=view.get("url"), data={"fp": fp}
                )
                return True
            candidates = candidates[1:]
            self.state.save_object(
                self.team_id, key, notion_id=None, state=CREATING, data={"candidates": candidates}
            )
        return False

    # ---------------------------------------------------------------- read back

    def _read_back(self, roadmap: _Db, report: SyncReport) -> None:
        """Apply Status and Bucket that leaders changed in Notion since the last sync."""
        mark = self._object("readback")
        bot = self._object("bot")
        if mark is None or bot is None or not mark.data.get("since"):
            return  # nothing can have been edited in pages journeybot has not written yet
        since = datetime.fromisoformat(mark.data["since"]) - self.lookback
        query = {
            "and": [
                {
                    "timestamp": "last_edited_time",
                    "last_edited_time": {"on_or_after": since.isoformat()},
                },
                # journeybot's own writes are not leader edits; leaving them out keeps the
                # query to one request however many pages the last sync wrote.
                {"property": IdeaProp.EDITED_BY, "people": {"does_not_contain": bot.notion_id}},
            ]
        }
        states = self.state.pages(self.team_id, IDEA)
        by_page = {_bare(s.page_id): s for s in states.values() if s.page_id}
        try:
            pages = list(self.client.query_data_source(roadmap.data_source_id, filter=query))
        except NotionError as e:
            if not self._is_schema_error(e) or "roadmap" in self._repaired:
                raise
            self._repaired.add("roadmap")
            self._repair_now(roadmap, report)
            pages = list(self.client.query_data_source(roadmap.data_source_id, filter=query))
        for page in pages:
            page_state = by_page.get(_bare(page["id"]))
            if page_state is None or page_state.state != LIVE:
                continue  # a row a person added by hand: not journeybot's to manage
            self._absorb(page, page_state, sent=(), report=report)

    def _absorb(
        self,
        page: Mapping[str, Any],
        known: PageState,
        *,
        sent: Iterable[str],
        report: SyncReport,
    ) -> PageState:
        """Compare a page Notion returned with what journeybot last wrote; act on edits.

        `sent` names properties this very request wrote (they are not edits). Returns the
        page state with what Notion now holds; the caller stores it.
        """
        props = page.get("properties", {})
        held = dict(known.props)
        skip = set(sent)
        for name in sorted(EDITABLE - skip):
            if name not in props:
                continue
            seen = normalize(props[name])
            if seen == known.props.get(name, _MISSING):
                continue
            held[name] = seen
            if self._apply_leader_edit(known.local_id, name, seen, page):
                report.read_back += 1
            else:
                report.overwritten += 1
        for name in sorted(_OWNED - skip):
            if name not in props or name not in known.props:
                continue
            seen = normalize(props[name])
            if seen != known.props[name]:
                log.warning(
                    "idea #%d: %r was edited in Notion (%r); journeybot owns it and writes %r back",
                    known.local_id,
                    name,
                    seen,
                    known.props[name],
                )
                held[name] = seen
                report.overwritten += 1
        if held == known.props:
            return known
        updated = replace(known, props=held, props_fp="")
        self.state.save_page(self.team_id, updated)
        return updated

    def _apply_leader_edit(
        self, idea_id: int, name: str, value: Any, page: Mapping[str, Any]
    ) -> bool:
        """Apply a leader's Status or Bucket through Services; False if it was refused."""
        who = self._who((page.get("last_edited_by") or {}).get("id"))
        try:
            if name == IdeaProp.STATUS:
                if value is None:
                    raise InvalidInput("status", "an idea always has a status")
                self.services.change_status(
                    self.team_id, idea_id, IdeaStatus(value), by=who, source="notion"
                )
            else:
                self.services.pin_bucket(
                    self.team_id, idea_id, Bucket(value) if value else None, by=who
                )
        except (InvalidInput, ValueError) as e:
            log.warning("idea #%d: %s %r set in Notion is refused (%s)", idea_id, name, value, e)
            return False
        except NotFound:
            return False
        log.info("idea #%d: %s set to %r in Notion by %s", idea_id, name, value, who)
        return True

    def _who(self, user_id: str | None) -> str:
        """Return the name of the Notion user who edited a page (looked up once, then kept)."""
        if not user_id:
            return "someone in Notion"
        cached = self._object(f"user:{user_id}")
        if cached is not None:
            return str(cached.data.get("name") or "someone in Notion")
        try:
            name = self.client.retrieve_user(user_id).get("name") or ""
        except NotionError:
            name = ""  # no user information capability: keep the generic wording
        self.state.save_object(
            self.team_id, f"user:{user_id}", notion_id=user_id, data={"name": name}
        )
        return name or "someone in Notion"

    # ---------------------------------------------------------------- push pages

    def _push_pains(
        self,
        pains: Sequence[PainPoint],
        db: _Db,
        report: SyncReport,
        tick: Callable[[], None],
    ) -> dict[int, str]:
        votes = self.store.pain_vote_counts(self.team_id)
        rendered = [
            (pain.id, render.pain_page(pain, me_too=votes.get(pain.id, 0)))
            for pain in pains
            if pain.id is not None
        ]
        pushed = self._push_all(PAIN, rendered, db, report, tick)
        return {i: state.page_id for i, state in pushed.items() if state.page_id}

    def _push_ideas(
        self,
        entries: Sequence[RoadmapEntry],
        pains: Sequence[PainPoint],
        pain_pages: Mapping[int, str],
        db: _Db,
        report: SyncReport,
        tick: Callable[[], None],
    ) -> dict[int, str]:
        by_id = {p.id: p for p in pains if p.id is not None}
        stages = self.services.journey.stages
        rendered = [
            (entry.idea.id, render.idea_page(entry, by_id, stages=stages, pain_pages=pain_pages))
            for entry in entries
            if entry.idea.id is not None
        ]
        pushed = self._push_all(IDEA, rendered, db, report, tick)
        return {i: state.url for i, state in pushed.items() if state.url}

    def _push_all(
        self,
        kind: str,
        rendered: Sequence[tuple[int, Rendered]],
        db: _Db,
        report: SyncReport,
        tick: Callable[[], None],
    ) -> dict[int, PageState]:
        """Bring every page of `kind` to its rendering and archive the rest; return states."""
        pushed: dict[int, PageState] = {}
        for first_pass in (True, False):
            repairs = len(self._repaired)
            states = self.state.pages(self.team_id, kind)
            for local_id, page in rendered:
                pushed[local_id] = self._push_page(
                    kind, local_id, page, db, states.get(local_id), report
                )
                if first_pass:
                    tick()
            self._archive(kind, states, keep={i for i, _ in rendered}, report=report)
            if len(self._repaired) == repairs:
                break
            # A repair mid-push dropped values of pages already passed: go round once more.
        return pushed

    def _archive(
        self, kind: str, states: Mapping[int, PageState], *, keep: set[Any], report: SyncReport
    ) -> None:
        """Move pages of merged or removed records to Notion's trash."""
        for local_id, page_state in states.items():
            if local_id in keep or page_state.state != LIVE or not page_state.page_id:
                continue
            try:
                self.client.update_page(page_state.page_id, in_trash=True)
            except NotionError as e:
                if e.status not in (400, 404):
                    raise
                # Already in the trash or deleted by a person: the goal is reached.
            self.state.save_page(self.team_id, replace(page_state, state=GONE))
            report.archived += 1

    def _push_page(
        self,
        kind: str,
        local_id: int,
        rendered: Rendered,
        db: _Db,
        known: PageState | None,
        report: SyncReport,
    ) -> PageState:
        """Bring one page to `rendered`, with as few requests as possible; return its state."""
        if known is not None and known.page_id is None and known.state == CREATING:
            known = self._settle_create(kind, local_id, db, report)
            if known is not None:
                # Created with its body in one request: most likely whole; read it to know.
                known = replace(known, body_fp=APPENDING + rendered.body_fp)
        if known is None or known.page_id is None:
            return self._create(kind, local_id, rendered, db, report)
        if known.body_fp.startswith(APPENDING):
            known = self._confirm_body(known, rendered.children, rendered.body_fp)
        if (
            known.state == LIVE
            and known.props_fp == rendered.props_fp
            and known.body_fp == rendered.body_fp
        ):
            return known
        return self._update(kind, rendered, db, known, report)

    def _id_prop(self, kind: str) -> str:
        return IdeaProp.IDEA_ID if kind == IDEA else PainProp.PAIN_ID

    def _settle_create(
        self, kind: str, local_id: int, db: _Db, report: SyncReport
    ) -> PageState | None:
        """Resolve a create whose answer never arrived: adopt the page if Notion has it."""
        found = list(
            self.client.query_data_source(
                db.data_source_id,
                filter={"property": self._id_prop(kind), "number": {"equals": local_id}},
            )
        )
        if not found:
            return None
        keep, *extra = found
        for duplicate in extra:  # from an older bug or a person's copy: one page per record
            self.client.update_page(duplicate["id"], in_trash=True)
            report.archived += 1
        log.info(
            "%s #%d: adopted page %s created by an interrupted sync", kind, local_id, keep["id"]
        )
        props = {name: normalize(value) for name, value in keep.get("properties", {}).items()}
        # The body may be partial; an empty body fingerprint makes the update rewrite it.
        adopted = PageState(kind, local_id, keep["id"], keep.get("url"), LIVE, props, "", "")
        self.state.save_page(self.team_id, adopted)
        return adopted

    def _create(
        self, kind: str, local_id: int, rendered: Rendered, db: _Db, report: SyncReport
    ) -> PageState:
        intent = PageState(kind, local_id, None, None, CREATING)
        self.state.save_page(self.team_id, intent)  # before sending: a crash leaves a trace
        first, rest = rendered.children[:MAX_ARRAY], rendered.children[MAX_ARRAY:]
        parent = {"type": "data_source_id", "data_source_id": db.data_source_id}
        try:
            page = self._with_repair(
                db, report, lambda: self.client.create_page(parent, rendered.properties, first)
            )
        except OutcomeUnknown:
            settled = self._settle_create(kind, local_id, db, report)
            if settled is not None:
                return self._update(kind, rendered, db, settled, report)
            page = self.client.create_page(parent, rendered.properties, first)
        created = PageState(
            kind,
            local_id,
            page["id"],
            page.get("url"),
            LIVE,
            {name: normalize(value) for name, value in rendered.properties.items()},
            rendered.props_fp,
            rendered.body_fp if not rest else "",
        )
        self.state.save_page(self.team_id, created)  # the id is on disk before anything else
        report.created += 1
        if rest:
            created = self._append_body(created, rest, rendered.children, rendered.body_fp)
        return created

    def _update(
        self, kind: str, rendered: Rendered, db: _Db, known: PageState, report: SyncReport
    ) -> PageState:
        changed = {
            name: value
            for name, value in rendered.properties.items()
            if normalize(value) != known.props.get(name, _MISSING)
        }
        rewrite_body = known.body_fp != rendered.body_fp
        restore = known.state == GONE
        if not changed and not rewrite_body and not restore:
            settled = replace(known, props_fp=rendered.props_fp)
            self.state.save_page(self.team_id, settled)
            return settled
        assert known.page_id is not None
        page_id = known.page_id
        try:
            page = self._with_repair(
                db,
                report,
                lambda: self.client.update_page(
                    page_id,
                    properties=changed,
                    erase_content=rewrite_body,
                    in_trash=False if restore else None,
                ),
            )
        except NotionError as e:
            if e.status == 404:
                # Deleted for good in Notion: forget it and create a new page.
                log.warning(
                    "%s #%d: its Notion page is gone; creating it again", kind, known.local_id
                )
                return self._create(kind, known.local_id, rendered, db, report)
            if e.status == 400 and "archived" in str(e).lower():
                log.warning(
                    "%s #%d: its page was trashed in Notion; restoring it", kind, known.local_id
                )
                page = self.client.update_page(
                    page_id, properties=changed, erase_content=rewrite_body, in_trash=False
                )
            else:
                raise
        held = {**known.props, **{name: normalize(value) for name, value in changed.items()}}
        updated = PageState(
            kind,
            known.local_id,
            page_id,
            page.get("url") or known.url,
            LIVE,
            held,
            rendered.props_fp,
            "" if rewrite_body else known.body_fp,  # erased: not rewritten until appended
        )
        self.state.save_page(self.team_id, updated)
        report.updated += 1
        if kind == IDEA:
            before = report.read_back
            updated = self._absorb(page, updated, sent=changed, report=report)
            report.follow_up = report.follow_up or report.read_back > before
        if rewrite_body:
            updated = self._append_body(
                updated, rendered.children, rendered.children, rendered.body_fp
            )
        return updated

    def _append_body(
        self,
        page: PageState,
        blocks: Sequence[Mapping[str, Any]],
        whole: Sequence[Mapping[str, Any]],
        fp: str,
    ) -> PageState:
        """Append `blocks` to a page so its body becomes `whole`; return the stored state.

        An append is not safe to repeat, so it is marked in flight first: if its answer is
        lost, the next attempt reads the body back (one request) instead of guessing.
        """
        assert page.page_id is not None
        marked = replace(page, body_fp=APPENDING + fp)
        self.state.save_page(self.team_id, marked)
        try:
            if blocks:
                self.client.append_blocks(page.page_id, blocks)
        except OutcomeUnknown:
            return self._confirm_body(marked, whole, fp)
        done = replace(marked, body_fp=fp)
        self.state.save_page(self.team_id, done)
        return done

    def _confirm_body(
        self, page: PageState, whole: Sequence[Mapping[str, Any]], fp: str
    ) -> PageState:
        """Settle an append whose answer was lost: is the page body what was meant?"""
        assert page.page_id is not None
        meant = page.body_fp == APPENDING + fp
        if meant and render.same_blocks(self.client.list_children(page.page_id), whole):
            settled = replace(page, body_fp=fp)
        else:
            settled = replace(page, body_fp="")  # unknown: the next write erases and rewrites
        self.state.save_page(self.team_id, settled)
        return settled

    def _with_repair(self, db: _Db, report: SyncReport, send: Callable[[], Any]) -> Any:
        """Send a page write; if Notion says a property is missing, repair once and resend."""
        try:
            return send()
        except NotionError as e:
            if not self._is_schema_error(e) or db.key in self._repaired:
                raise
            self._repaired.add(db.key)
            log.warning("Notion refused a write (%s); checking the %s schema", e, db.key)
            self._repair_now(db, report)
            return send()

    @staticmethod
    def _is_schema_error(error: NotionError) -> bool:
        text = str(error)
        return error.status == 400 and (
            "not a property that exists" in text
            or "is expected to be" in text
            or "Could not find property" in text
        )

    def _repair_now(self, db: _Db, report: SyncReport) -> None:
        journey = self.services.journey
        if db.key == "pains":
            expected = pain_schema(journey)
        else:
            pains = self._object("pains")
            assert pains is not None
            expected = roadmap_schema(journey, pains.data["data_source_id"])
        source = self.client.retrieve_data_source(db.data_source_id)
        self._repair(db, expected, source["properties"], report)

    # ---------------------------------------------------------------- the summary page

    def _push_summary(
        self,
        entries: Sequence[RoadmapEntry],
        heat: Heat,
        idea_pages: Mapping[int, str],
        roadmap: _Db,
        report: SyncReport,
    ) -> None:
        """Bring the summary page up to date, one changed block at a time."""
        slots = render.summary_slots(
            entries, heat, page_urls=idea_pages, roadmap_url=roadmap.url, top=self.top
        )
        synced = render.synced_slot(self.clock())
        everything = [*slots, synced]
        layout = render.layout(everything)
        page_id = self._summary_page(everything, layout)
        obj = self._object("summary")
        assert obj is not None
        written = obj.data.get("layout")
        if written == APPENDING + layout:
            written = self._confirm_summary(page_id, everything, layout)
        if written != layout:
            self._rebuild_summary(page_id, everything, layout)
        stored = self._index_rows(everything)
        wrote = report.created + report.updated + report.archived + report.read_back > 0
        for slot in _flatten(slots):
            block_id, fp = stored[slot.key]
            if fp != slot.fp:
                try:
                    self.client.update_block(block_id, slot.block)
                except NotionError as e:
                    if e.status not in (400, 404):
                        raise
                    # A person deleted a block of the page: every later sync would stop
                    # here, so write the whole page again instead.
                    log.warning("the summary page lost a block in Notion (%s); rewriting it", e)
                    self._rebuild_summary(page_id, everything, layout)
                    return
                self.state.save_block(self.team_id, slot.key, block_id, slot.fp)
                wrote = True
        if wrote and stored["synced"][1] != synced.fp:
            self.client.update_block(stored["synced"][0], synced.block)
            self.state.save_block(self.team_id, "synced", stored["synced"][0], synced.fp)

    def _summary_page(self, slots: list[Slot], layout: str) -> str:
        """Return the summary page's id, creating the page (with its blocks) if needed."""
        obj = self._object("summary")
        if obj is not None and obj.notion_id:
            return obj.notion_id
        if obj is not None and obj.state == CREATING:
            found = self._find_child("child_page", SUMMARY_TITLE)
            if found:
                # Created with its blocks in one request: read them back to index them.
                self.state.save_object(
                    self.team_id, "summary", notion_id=found, data={"layout": APPENDING + layout}
                )
                return found
        self.state.save_object(self.team_id, "summary", notion_id=None, state=CREATING)
        try:
            page = self.client.create_page(
                {"type": "page_id", "page_id": self.parent_page_id},
                {"title": {"title": render.rich_text(SUMMARY_TITLE)}},
                [s.block for s in slots],
            )
        except OutcomeUnknown:
            found = self._find_child("child_page", SUMMARY_TITLE)
            if found is None:
                raise
            page = {"id": found}
        self.state.save_object(
            self.team_id,
            "summary",
            notion_id=page["id"],
            url=page.get("url"),
            data={"layout": APPENDING + layout},
        )
        if page.get("url"):
            self.store.set_meta(SUMMARY_URL_META, page["url"])
        return str(page["id"])

    def _set_layout(self, page_id: str, layout: str) -> None:
        obj = self._object("summary")
        self.state.save_object(
            self.team_id,
            "summary",
            notion_id=page_id,
            url=obj.url if obj else None,
            data={"layout": layout},
        )

    def _confirm_summary(self, page_id: str, slots: list[Slot], layout: str) -> str | None:
        """Index blocks written by a request whose answer was lost, if they are all there."""
        listed = self.client.list_children(page_id)
        if not render.same_blocks(listed, [s.block for s in slots]):
            return None
        self._save_top(slots, listed)
        self._set_layout(page_id, layout)
        return layout

    def _rebuild_summary(self, page_id: str, slots: list[Slot], layout: str) -> None:
        """Rewrite the whole summary page (first time, or when its layout changed)."""
        self.state.forget_blocks(self.team_id)
        self._set_layout(page_id, "")
        self.client.update_page(page_id, erase_content=True)
        self._set_layout(page_id, APPENDING + layout)
        try:
            created = self.client.append_blocks(page_id, [s.block for s in slots])
        except OutcomeUnknown:
            if self._confirm_summary(page_id, slots, layout) is None:
                raise
            return
        self._save_top(slots, created)
        self._set_layout(page_id, layout)

    def _save_top(self, slots: list[Slot], blocks: Sequence[Mapping[str, Any]]) -> None:
        """Remember which block holds which top-level slot (table rows come separately)."""
        self.state.save_blocks(
            self.team_id,
            {slot.key: (block["id"], slot.fp) for slot, block in zip(slots, blocks, strict=True)},
        )

    def _index_rows(self, slots: list[Slot]) -> dict[str, tuple[str, str]]:
        """Return every slot's (block id, fingerprint), listing table rows not known yet."""
        stored = self.state.blocks(self.team_id)
        for slot in slots:
            if slot.rows and any(row.key not in stored for row in slot.rows):
                listed = self.client.list_children(stored[slot.key][0])
                for row, block in zip(slot.rows, listed, strict=True):
                    self.state.save_block(self.team_id, row.key, block["id"], row.fp)
                stored = self.state.blocks(self.team_id)
        return stored


def _flatten(slots: Iterable[Slot]) -> list[Slot]:
    out: list[Slot] = []
    for slot in slots:
        out.append(slot)
        out.extend(slot.rows)
    return out


def _db(obj: NotionObject) -> _Db:
    assert obj.notion_id is not None
    return _Db(obj.key, obj.notion_id, obj.data["data_source_id"], obj.url, dict(obj.data["props"]))


def _same_target(have: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Whether a relation property points at the data source the schema wants."""
    if "relation" not in spec:
        return True
    want = _bare(spec["relation"]["data_source_id"])
    return _bare((have.get("relation") or {}).get("data_source_id") or "") == want


def _bare(notion_id: str) -> str:
    return notion_id.replace("-", "").lower()
