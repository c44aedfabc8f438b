"""The emulator's state and what every resource needs of it: lookups, trash, sharing,
rendering.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .model import _Block, _Cursor, _Database, _DataSource, _Page, _View
from .validation import (
    Json,
    T,
    _ApiError,
    _hex,
    _invalid,
    _iso_offset,
    _iso_z,
    _minute,
    _not_found,
    _notion_url,
    _parse_id,
    _partial_user,
    _plain,
    _schema_error,
)


class _Store:
    """The emulator's objects and the lookups every endpoint shares."""

    # Set by NotionEmulator.__init__; kept here so every resource sees their types.
    bot_user_id: str
    person_user_id: str
    root_page_id: str
    _clock: Callable[[], datetime]
    _lock: threading.RLock
    _last_time: datetime
    _pages: dict[str, _Page]
    _blocks: dict[str, _Block]
    _databases: dict[str, _Database]
    _data_sources: dict[str, _DataSource]
    _views: dict[str, _View]
    _cursors: dict[str, _Cursor]
    _users: dict[str, Json]

    # -- time, cursors and lookups ------------------------------------------------

    def _now(self) -> datetime:
        """Return the current time in milliseconds, strictly after the previous one."""
        moment = self._clock().astimezone(UTC)
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if moment <= self._last_time:
            moment = self._last_time + timedelta(milliseconds=1)
        self._last_time = moment
        return moment

    @staticmethod
    def _stamp(now: datetime, user_id: str) -> dict[str, Any]:
        """Return the created and last-edited fields of an object `user_id` makes `now`."""
        return {
            "created_time": now,
            "last_edited_time": now,
            "created_by": user_id,
            "last_edited_by": user_id,
        }

    def _paginate(
        self,
        scope: str,
        items: list[T],
        id_of: Callable[[T], str],
        start_cursor: Any,
        page_size: int,
        where: str,
    ) -> tuple[list[T], str | None]:
        """Return one page of ``items`` and the opaque cursor of the next one."""
        start = 0
        if start_cursor is not None:
            cursor = self._cursors.get(start_cursor) if isinstance(start_cursor, str) else None
            if cursor is None or cursor.scope != scope:
                raise _schema_error(
                    where, "should be a cursor returned by this endpoint", start_cursor
                )
            ids = [id_of(item) for item in items]
            start = ids.index(cursor.next_id) if cursor.next_id in ids else cursor.offset
        chunk = items[start : start + page_size]
        end = start + len(chunk)
        if end >= len(items):
            return chunk, None
        token = str(uuid.uuid4())
        self._cursors[token] = _Cursor(scope, id_of(items[end]), end)
        return chunk, token

    def _is_trashed(self, object_id: str) -> bool:
        """Return whether a page, block or database is in the trash."""
        target = (
            self._pages.get(object_id)
            or self._blocks.get(object_id)
            or self._databases.get(object_id)
        )
        return bool(target and target.in_trash)

    def _database_trashed(self, database_id: str) -> bool:
        """Return whether a database is in the trash (its rows cannot be edited then)."""
        database = self._databases.get(database_id)
        return bool(database and database.in_trash)

    def _shared(self, parent: Json) -> bool:
        """Return whether an object with this parent is shared with the integration."""
        for _ in range(10_000):
            kind = parent.get("type")
            if kind == "workspace":
                return False
            if kind == "page_id":
                page = self._pages.get(parent["page_id"])
                if page is None:
                    return False
                if page.parent["type"] == "workspace":
                    return page.shared
                parent = page.parent
            elif kind == "block_id":
                block = self._blocks.get(parent["block_id"])
                if block is None:
                    return False
                parent = block.parent
            elif kind == "database_id":
                database = self._databases.get(parent["database_id"])
                if database is None:
                    return False
                parent = database.parent
            elif kind == "data_source_id":
                parent = {"type": "database_id", "database_id": parent["database_id"]}
            else:
                return False
        return False

    def _visible_page(self, page: _Page) -> bool:
        """Return whether the integration can see a page."""
        return page.shared if page.parent["type"] == "workspace" else self._shared(page.parent)

    def _wrong_kind(self, object_id: str, wanted: str) -> _ApiError | None:
        """Return Notion's error for an id of another kind, if it is one."""
        kinds = [
            ("page", self._pages),
            ("database", self._databases),
            ("data_source", self._data_sources),
        ]
        for kind, store in kinds:
            if kind != wanted and object_id in store:
                api = kind.replace("_", " ")
                return _invalid(
                    f"Provided ID {object_id} is a {api}, not a {wanted.replace('_', ' ')}. "
                    f"Use the retrieve {api} API instead, or double check the provided ID."
                )
        return None

    def _require_page(self, raw: Any, where: str) -> _Page:
        """Return a visible page or raise object_not_found."""
        page_id = _parse_id(raw, where)
        page = self._pages.get(page_id)
        if page is None or not self._visible_page(page):
            raise self._wrong_kind(page_id, "page") or _not_found("page", page_id)
        return page

    def _require_database(self, raw: Any, where: str) -> _Database:
        """Return a visible database or raise object_not_found."""
        database_id = _parse_id(raw, where)
        database = self._databases.get(database_id)
        if database is None or not self._shared(database.parent):
            raise self._wrong_kind(database_id, "database") or _not_found("database", database_id)
        return database

    def _require_data_source(self, raw: Any, where: str) -> _DataSource:
        """Return a visible data source or raise object_not_found."""
        data_source_id = _parse_id(raw, where)
        source = self._data_sources.get(data_source_id)
        if source is None or not self._shared(
            {"type": "database_id", "database_id": source.database_id}
        ):
            raise self._wrong_kind(data_source_id, "data_source") or _not_found(
                "data source", data_source_id
            )
        return source

    def _require_view(self, raw: Any, where: str) -> _View:
        """Return a view or raise object_not_found."""
        view_id = _parse_id(raw, where)
        view = self._views.get(view_id)
        if view is None:
            raise _not_found("view", view_id)
        return view

    def _require_container(self, raw: Any, where: str) -> _Page | _Block:
        """Return the visible page or block that holds children."""
        object_id = _parse_id(raw, where)
        block = self._blocks.get(object_id)
        if block is not None:
            if not self._shared(block.parent):
                raise _not_found("block", object_id)
            return block
        page = self._pages.get(object_id)
        if page is not None and self._visible_page(page):
            return page
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            return self._require_page(object_id, where)  # raises "is a database"
        raise _not_found("block", object_id)

    # -- rendering ----------------------------------------------------------------

    def _schema_of(self, page: _Page) -> dict[str, Json]:
        """Return the property schema that applies to a page."""
        if page.parent["type"] == "data_source_id":
            return self._data_sources[page.parent["data_source_id"]].schema
        return {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}

    def _title_of(self, page: _Page) -> str:
        """Return the plain title of a page."""
        for prop in self._schema_of(page).values():
            if prop["type"] == "title":
                return _plain(page.values.get(prop["id"]) or [])
        return ""

    def _user_json(self, user_id: str) -> Json:
        """Return a full user object when known, else a partial one."""
        return copy.deepcopy(self._users.get(user_id, _partial_user(user_id)))

    @staticmethod
    def _option(prop: Json, option_id: Any) -> Json | None:
        """Return the page-value form of a select or status option."""
        for option in prop[prop["type"]]["options"]:
            if option["id"] == option_id:
                return {"id": option["id"], "name": option["name"], "color": option["color"]}
        return None

    def _render_value(self, page: _Page, prop: Json) -> Json:
        """Return one page property value in API shape."""
        kind, stored = prop["type"], page.values.get(prop["id"])
        out: Json = {"id": prop["id"], "type": kind}
        if kind in ("title", "rich_text"):
            out[kind] = copy.deepcopy(stored or [])
        elif kind in ("number", "url", "email", "phone_number"):
            out[kind] = stored
        elif kind == "checkbox":
            out[kind] = bool(stored)
        elif kind in ("select", "status"):
            out[kind] = self._option(prop, stored)
        elif kind == "multi_select":
            options = [self._option(prop, option_id) for option_id in stored or []]
            out[kind] = [option for option in options if option is not None]
        elif kind == "date":
            out[kind] = copy.deepcopy(stored)
        elif kind == "relation":
            out[kind] = [{"id": related} for related in stored or []]
            out["has_more"] = False
        elif kind == "people":
            out[kind] = [self._user_json(user_id) for user_id in stored or []]
        elif kind == "created_time":
            out[kind] = _iso_z(_minute(page.created_time))
        elif kind == "last_edited_time":
            out[kind] = _iso_z(_minute(page.last_edited_time))
        elif kind == "created_by":
            out[kind] = _partial_user(page.created_by)
        elif kind == "last_edited_by":
            out[kind] = _partial_user(page.last_edited_by)
        return out

    def _render_page(self, page: _Page, only: set[str] | None = None) -> Json:
        """Return a page object in API shape, optionally with some properties only."""
        properties = {
            prop["name"]: self._render_value(page, prop)
            for prop in self._schema_of(page).values()
            if only is None or prop["id"] in only or prop["name"] in only
        }
        return {
            "object": "page",
            "id": page.id,
            # Notion rounds a page's times down to the minute (changelog, July 2022).
            "created_time": _iso_z(_minute(page.created_time)),
            "last_edited_time": _iso_z(_minute(page.last_edited_time)),
            "created_by": _partial_user(page.created_by),
            "last_edited_by": _partial_user(page.last_edited_by),
            "cover": copy.deepcopy(page.cover),
            "icon": copy.deepcopy(page.icon),
            "parent": dict(page.parent),
            "archived": page.in_trash,
            "in_trash": page.in_trash,
            "is_archived": False,  # Notion's newer archive (not trash) is not emulated
            "is_locked": page.is_locked,
            "properties": properties,
            "url": _notion_url(self._title_of(page), page.id),
            "public_url": None,
        }

    def _render_block(self, block_id: str) -> Json:
        """Return a block object; pages and databases render as child_page/child_database."""
        block = self._blocks.get(block_id)
        if block is not None:
            meta = block
            kind, payload = block.type, copy.deepcopy(block.payload)
            has_children = any(not self._is_trashed(child) for child in block.children)
        elif block_id in self._pages:
            meta = self._pages[block_id]
            kind, payload = "child_page", {"title": self._title_of(meta)}
            has_children = any(not self._is_trashed(child) for child in meta.children)
        else:
            database = self._databases[block_id]
            block_time = database.created_time
            return {
                "object": "block",
                "id": database.id,
                "parent": dict(database.parent),
                "created_time": _iso_z(block_time),
                "last_edited_time": _iso_z(database.last_edited_time),
                "created_by": _partial_user(self.bot_user_id),
                "last_edited_by": _partial_user(self.bot_user_id),
                "has_children": False,
                "archived": database.in_trash,
                "in_trash": database.in_trash,
                "type": "child_database",
                "child_database": {"title": _plain(database.title)},
            }
        return {
            "object": "block",
            "id": meta.id,
            "parent": dict(meta.parent),
            "created_time": _iso_z(meta.created_time),
            "last_edited_time": _iso_z(meta.last_edited_time),
            "created_by": _partial_user(meta.created_by),
            "last_edited_by": _partial_user(meta.last_edited_by),
            "has_children": has_children,
            "archived": meta.in_trash,
            "in_trash": meta.in_trash,
            "type": kind,
            kind: payload,
        }

    def _render_database(self, database: _Database) -> Json:
        """Return a database object in API shape."""
        return {
            "object": "database",
            "id": database.id,
            "title": copy.deepcopy(database.title),
            "description": copy.deepcopy(database.description),
            "parent": dict(database.parent),
            "is_inline": database.is_inline,
            "in_trash": database.in_trash,
            "is_locked": database.is_locked,
            "created_time": _iso_offset(database.created_time),
            "last_edited_time": _iso_offset(database.last_edited_time),
            "data_sources": [
                {"id": source_id, "name": _plain(self._data_sources[source_id].title)}
                for source_id in database.data_sources
            ],
            "icon": copy.deepcopy(database.icon),
            "cover": copy.deepcopy(database.cover),
            "url": f"https://www.notion.so/{_hex(database.id)}",
            "public_url": None,
            "archived": database.in_trash,
        }

    def _render_data_source(self, source: _DataSource) -> Json:
        """Return a data source object in API shape."""
        database = self._databases[source.database_id]
        return {
            "object": "data_source",
            "id": source.id,
            "cover": copy.deepcopy(source.cover),
            "icon": copy.deepcopy(source.icon),
            "created_time": _iso_z(source.created_time),
            "created_by": _partial_user(source.created_by),
            "last_edited_by": _partial_user(source.last_edited_by),
            "last_edited_time": _iso_z(source.last_edited_time),
            "title": copy.deepcopy(source.title),
            "description": copy.deepcopy(source.description),
            "is_inline": database.is_inline,
            "properties": {prop["name"]: copy.deepcopy(prop) for prop in source.schema.values()},
            "parent": {"type": "database_id", "database_id": database.id},
            "database_parent": dict(database.parent),
            "url": f"https://www.notion.so/{_hex(database.id)}",
            "public_url": None,
            "archived": source.in_trash,
            "in_trash": source.in_trash,
        }

    def _render_view(self, view: _View) -> Json:
        """Return a view object in API shape."""
        return {
            "object": "view",
            "id": view.id,
            "parent": {"type": "database_id", "database_id": view.database_id},
            "data_source_id": view.data_source_id,
            "name": view.name,
            "type": view.type,
            "created_time": _iso_offset(view.created_time),
            "created_by": _partial_user(view.created_by),
            "last_edited_time": _iso_offset(view.last_edited_time),
            "last_edited_by": _partial_user(view.last_edited_by),
            "url": f"https://www.notion.so/{_hex(view.database_id)}?v={_hex(view.id)}",
            "filter": copy.deepcopy(view.filter),
            "sorts": copy.deepcopy(view.sorts),
            "quick_filters": copy.deepcopy(view.quick_filters),
            "configuration": copy.deepcopy(view.configuration),
        }
