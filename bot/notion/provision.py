"""Provisioning and schema repair: the Pain points and Roadmap databases and the Roadmap's
views exist, are found again by the ids stored in SQLite (never by search, which Notion
indexes late), and match the schema journeybot writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from storage.notion_state import CREATING, RECONNECTED

from .client import NotionError
from .context import (
    Db,
    HomeLost,
    Kind,
    SyncContext,
    SyncReport,
    bare,
    is_schema_error,
    send_once,
)
from .render import fingerprint
from .schema import (
    PAINS_TITLE,
    ROADMAP_TITLE,
    board_view,
    pain_schema,
    property_type,
    roadmap_schema,
    table_view,
)

__all__ = ["Provisioner"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_ICONS = {"pains": "🩹", "roadmap": "🗺️"}
_TITLES = {"pains": PAINS_TITLE, "roadmap": ROADMAP_TITLE}
_VIEWS = (("view_board", board_view), ("view_table", table_view))
PARENT = "parent"
"""The object key holding the page the roadmap was built under."""
ADOPT = "adopt:"
"""Prefix of the object keys marking a rehome whose pages of a kind are still to be taken over."""
_REHOMED = ("pains", "roadmap", "summary", *(key for key, _ in _VIEWS))
REHOME_HINT = "run `journeybot sync --rehome` to build the roadmap under NOTION_PARENT_PAGE_ID"


class Provisioner:
    """Creates journeybot's databases and views once and puts back what a person changed."""

    def __init__(self, ctx: SyncContext, *, schema_check_interval: timedelta) -> None:
        self.ctx = ctx
        self.schema_check_interval = schema_check_interval

    def _schema(self, key: str) -> Mapping[str, Any]:
        journey = self.ctx.services.journey_of(self.ctx.team_id)
        if key == "pains":
            return pain_schema(journey)
        pains = self.ctx.object("pains")
        assert pains is not None
        return roadmap_schema(journey, pains.data["data_source_id"])

    def ensure(
        self, report: SyncReport, *, check_schema: bool, rehome: bool = False
    ) -> tuple[Db, Db]:
        """Return the Pain points and Roadmap databases, created or repaired as needed.

        Raises HomeLost if NOTION_PARENT_PAGE_ID changed since the roadmap was built
        (unless `rehome`, which builds it under the new page, taking over what is there).
        """
        ctx = self.ctx
        if ctx.object(RECONNECTED) is not None:
            self._reconnected()
        elif rehome:
            self._rehome()
        else:
            self._check_home()
        if ctx.object("bot") is None:
            ctx.save_object("bot", notion_id=ctx.client.me()["id"])
        pains = self._database("pains")
        roadmap = self._database("roadmap")
        checked = ctx.object("schema_checked")
        if checked is None:
            # Databases journeybot just created have its schema; check from here on.
            self._mark_checked()
        due = check_schema or (
            checked is not None
            and ctx.clock() - datetime.fromisoformat(checked.data["at"])
            >= self.schema_check_interval
        )
        if due:
            pains = self._verify(pains, report)
            roadmap = self._verify(roadmap, report)
        if due:
            self._mark_checked()
        return pains, roadmap

    def _check_home(self) -> None:
        ctx = self.ctx
        home = ctx.object(PARENT)
        built = ctx.object("roadmap") is not None or ctx.object("pains") is not None
        if home is not None and home.notion_id and built:
            if bare(home.notion_id) != bare(ctx.parent_page_id):
                raise HomeLost(
                    f"NOTION_PARENT_PAGE_ID changed: the roadmap was built under page"
                    f" {home.notion_id}, not {ctx.parent_page_id}; {REHOME_HINT}"
                )
        elif home is None or home.notion_id is None:
            # The first sync, or state kept from before the parent page was recorded.
            ctx.save_object(PARENT, notion_id=ctx.parent_page_id)

    def _reconnected(self) -> None:
        """Follow a connection the workspace's admins changed: another integration has
        another bot user (the read-back filter's), another page gets the roadmap rebuilt."""
        ctx = self.ctx
        ctx.state.forget_object(ctx.team_id, "bot")
        home = ctx.object(PARENT)
        built = ctx.object("roadmap") is not None or ctx.object("pains") is not None
        if built and (
            home is None or not home.notion_id or bare(home.notion_id) != bare(ctx.parent_page_id)
        ):
            self._rehome()
        else:
            ctx.save_object(PARENT, notion_id=ctx.parent_page_id)
        ctx.state.forget_object(ctx.team_id, RECONNECTED)

    def _rehome(self) -> None:
        """Forget every Notion id kept for the workspace, so the roadmap is built again.

        Each object is left as a create whose outcome is unknown: what a person moved
        under the new page (or an interrupted rehome made) is found there and taken over,
        pages matched by their Idea ID or Pain ID, instead of being made twice.
        """
        ctx = self.ctx
        for key in ctx.state.objects(ctx.team_id):
            if key not in ("lease", "bot", RECONNECTED) and not key.startswith("user:"):
                ctx.state.forget_object(ctx.team_id, key)
        ctx.state.forget_pages(ctx.team_id)
        ctx.state.forget_blocks(ctx.team_id)
        for key in _REHOMED:
            ctx.save_object(key, notion_id=None, state=CREATING)
        for kind in Kind:
            ctx.save_object(f"{ADOPT}{kind}", notion_id=None)
        ctx.save_object(PARENT, notion_id=ctx.parent_page_id)
        log.warning("rebuilding the Notion roadmap under page %s", ctx.parent_page_id)

    def adopting(self, kind: Kind) -> bool:
        """Whether a rehome still has to take over the pages of `kind` in its database."""
        return self.ctx.object(f"{ADOPT}{kind}") is not None

    def adopted(self, kind: Kind) -> None:
        self.ctx.state.forget_object(self.ctx.team_id, f"{ADOPT}{kind}")

    def lost(self) -> list[str]:
        """Return the titles of journeybot's databases that Notion no longer has (or trashed)."""
        gone: list[str] = []
        for key, title in _TITLES.items():
            obj = self.ctx.object(key)
            if obj is None or not obj.notion_id:
                continue
            try:
                database = self.ctx.client.retrieve_database(obj.notion_id)
            except NotionError as e:
                if e.status != 404:
                    raise
                gone.append(title)
                continue
            if database.get("in_trash") or database.get("archived"):
                gone.append(title)
        return gone

    def _mark_checked(self) -> None:
        self.ctx.save_object(
            "schema_checked", notion_id=None, data={"at": self.ctx.clock().isoformat()}
        )

    # ---------------------------------------------------------------- databases

    def _database(self, key: str) -> Db:
        """Return the database under `key`, creating it if it was never created.

        Every answer is stored before the next request, so a process killed between any
        two requests resumes from the last one.
        """
        ctx, title = self.ctx, _TITLES[key]
        obj = ctx.object(key)
        if obj is None or obj.notion_id is None:
            sent = send_once(
                pending=obj is not None and obj.state == CREATING,
                record=lambda: ctx.save_object(key, notion_id=None, state=CREATING),
                send=lambda: ctx.client.create_database(
                    ctx.parent_page_id, title, self._schema(key), icon=_ICONS[key]
                ),
                look_up=lambda: self._child_database(key, title),
            )
            if not sent.found:
                log.info("created the %s database in Notion", title)
                self._save_database(key, sent.value)
            obj = ctx.object(key)
        assert obj is not None and obj.notion_id is not None
        if "data_source_id" not in obj.data:
            self._save_database(key, ctx.client.retrieve_database(obj.notion_id))
            obj = ctx.object(key)
            assert obj is not None and obj.notion_id is not None
        if "props" not in obj.data:
            source = ctx.client.retrieve_data_source(obj.data["data_source_id"])
            return self._save_db(
                key, obj.notion_id, obj.url, obj.data["data_source_id"], source["properties"]
            )
        return Db.of(obj)

    def _child_database(self, key: str, title: str) -> dict[str, Any] | None:
        """Find (and store the id of) the database an interrupted create made."""
        found = self._find_child("child_database", title)
        if found is not None:
            self.ctx.save_object(key, notion_id=found)  # the rest is read in the next step
        return {"id": found} if found else None

    def _save_database(self, key: str, database: Mapping[str, Any]) -> None:
        self.ctx.save_object(
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
    ) -> Db:
        props = {name: prop["id"] for name, prop in properties.items()}
        self.ctx.save_object(
            key, notion_id=database_id, url=url, data={"data_source_id": source_id, "props": props}
        )
        return Db(key, database_id, source_id, url, props)

    def _find_child(self, kind: str, title: str) -> str | None:
        """Return the newest `kind` block titled `title` directly under the parent page.

        Used only to settle a create whose answer was lost: the parent page is listed,
        not searched, so an object created a moment ago is there.
        """
        ctx = self.ctx
        children = ctx.client.list_children(ctx.parent_page_id)
        taken = {bare(i) for i in ctx.state.known_ids()}  # another workspace's, say
        matches = [
            b["id"]
            for b in children
            if b.get("type") == kind
            and b.get(kind, {}).get("title") == title
            and bare(b["id"]) not in taken
        ]
        return matches[-1] if matches else None

    def find_child_page(self, title: str) -> dict[str, Any] | None:
        """Return `{"id": ...}` of the newest child page titled `title` not yet known."""
        found = self._find_child("child_page", title)
        return {"id": found} if found else None

    def _verify(self, db: Db, report: SyncReport) -> Db:
        """Check a database against its schema and repair drifted properties.

        Raises HomeLost if the database is gone: rebuilding it is the person's call
        (restore it from the trash, or rehome), never a silent second copy.
        """
        ctx, title = self.ctx, _TITLES[db.key]
        try:
            database = ctx.client.retrieve_database(db.database_id)
            gone = bool(database.get("in_trash") or database.get("archived"))
        except NotionError as e:
            if e.status != 404:
                raise
            gone = True
        if gone:
            raise HomeLost(gone_message([title]))
        source = ctx.client.retrieve_data_source(db.data_source_id)
        return self._repair(db, source["properties"], report)

    def _repair(self, db: Db, current: Mapping[str, Any], report: SyncReport) -> Db:
        """Put back properties a person deleted, renamed or retyped; pages keep their rows."""
        by_id = {prop["id"]: (name, prop) for name, prop in current.items()}
        patch: dict[str, Any] = {}
        lost: list[str] = []
        for name, spec in self._schema(db.key).items():
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
        ctx = self.ctx
        source = ctx.client.update_data_source(db.data_source_id, patch)
        for name in lost:
            # Notion dropped these values: forget them so every page sends them again.
            ctx.state.forget_property(ctx.team_id, Kind.of_database(db.key), name)
        return self._save_db(
            db.key, db.database_id, db.url, db.data_source_id, source["properties"]
        )

    def with_repair(self, db: Db, report: SyncReport, send: Callable[[Db], T]) -> T:
        """Send a request; if Notion says a property is missing, repair once and resend.

        `send` gets the database as stored, so a resend uses the repaired property ids.
        """
        try:
            return send(db)
        except NotionError as e:
            if not is_schema_error(e) or db.key in self.ctx.repaired:
                raise
            self.ctx.repaired.add(db.key)
            log.warning("Notion refused a request (%s); checking the %s schema", e, db.key)
            source = self.ctx.client.retrieve_data_source(db.data_source_id)
            return send(self._repair(db, source["properties"], report))

    # ---------------------------------------------------------------- views

    def views(self, roadmap: Db, report: SyncReport) -> Db:
        """Create the board and table views once; recreate one a person deleted.

        Called last in a sync. Returns the Roadmap database, repaired if a view needed it.
        """
        stored = self.ctx.object(roadmap.key)  # a repair mid-push may have new property ids
        current = Db.of(stored) if stored is not None else roadmap
        return self.with_repair(current, report, lambda db: self._views(db, report))

    def _views(self, roadmap: Db, report: SyncReport) -> Db:
        """Create or recreate the views as needed; return `roadmap`.

        The views are listed on every sync (one request), so a deleted one is back the
        next time; not while a create is being settled, so that a sync killed again and
        again still moves on. A view names properties by id; when a repair gave a property a new id,
        the view's body changes and the view is updated (its fingerprint is kept for that).
        Each step is stored as it is done, so running this again after a repair is safe.
        """
        ctx = self.ctx
        objs = [ctx.object(key) for key, _ in _VIEWS]
        if any(o is not None and o.state == CREATING for o in objs):
            existing = None  # settle first; the next sync looks for deleted views
        else:
            existing = {bare(v) for v in ctx.client.list_views(roadmap.database_id)}
        for key, build in _VIEWS:
            body = build(roadmap.database_id, roadmap.data_source_id, roadmap.props)
            fp = fingerprint(body)
            obj = ctx.object(key)
            if obj is not None and obj.notion_id:
                same = obj.data.get("fp") == fp
                if (existing is None or bare(obj.notion_id) in existing) and (
                    same or self._update_view(obj.notion_id, body)
                ):
                    if not same:
                        ctx.save_object(key, notion_id=obj.notion_id, url=obj.url, data={"fp": fp})
                    continue
                log.warning("the %r view was deleted in Notion; creating it again", body["name"])
                report.repaired.append(f"{body['name']} view")
            sent = send_once(
                pending=obj is not None and obj.notion_id is None and obj.state == CREATING,
                record=lambda key=key: ctx.save_object(key, notion_id=None, state=CREATING),
                send=lambda body=body: ctx.client.create_view(body),
                look_up=lambda key=key, name=body["name"]: self._find_view(key, roadmap, name),
            )
            view = sent.value
            ctx.save_object(key, notion_id=view["id"], url=view.get("url"), data={"fp": fp})
        return roadmap

    def _update_view(self, view_id: str, body: Mapping[str, Any]) -> bool:
        """Bring a view to `body`; False if Notion no longer has it (deleted meanwhile)."""
        try:
            self.ctx.client.update_view(view_id, body)
        except NotionError as e:
            if e.status != 404:
                raise
            return False
        return True

    def _find_view(self, key: str, roadmap: Db, name: str) -> dict[str, Any] | None:
        """Return the view an interrupted create made, or None.

        Views are listed by id only, so each candidate is retrieved; the candidates left
        to look at are stored after every request.
        """
        ctx = self.ctx
        obj = ctx.object(key)
        candidates = obj.data.get("candidates") if obj else None
        if candidates is None:
            known = {o.notion_id for o in ctx.state.objects(ctx.team_id).values()}
            candidates = [v for v in ctx.client.list_views(roadmap.database_id) if v not in known]
            ctx.save_object(key, notion_id=None, state=CREATING, data={"candidates": candidates})
        while candidates:
            try:
                view = ctx.client.retrieve_view(candidates[0])
            except NotionError as e:
                if e.status != 404:
                    raise
                view = {}  # deleted since it was listed: not the one
            if view.get("name") == name:
                return view
            candidates = candidates[1:]
            ctx.save_object(key, notion_id=None, state=CREATING, data={"candidates": candidates})
        return None


def _same_target(have: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Whether a relation property points at the data source the schema wants."""
    if "relation" not in spec:
        return True
    want = bare(spec["relation"]["data_source_id"])
    return bare((have.get("relation") or {}).get("data_source_id") or "") == want


def gone_message(titles: list[str]) -> str:
    """Return the one line saying journeybot's databases are gone from Notion."""
    names = " and ".join(titles)
    return (
        f"the {names} database{'s' * (len(titles) > 1)} journeybot built in Notion"
        f" {'are' if len(titles) > 1 else 'is'} gone (deleted, or no longer shared with the"
        f" integration): restore {'them' if len(titles) > 1 else 'it'} from Notion's trash,"
        f" or {REHOME_HINT}"
    )
