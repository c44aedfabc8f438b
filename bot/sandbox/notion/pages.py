"""Pages: create, retrieve, update; property values checked against the data source schema."""

from __future__ import annotations

import copy
import math
import uuid
from collections.abc import Callable
from typing import Any

from .model import _DataSource, _Page
from .store import _Store
from .validation import (
    _ARCHIVED_BLOCK,
    _ARCHIVED_PAGE,
    _COLORS,
    _COMPUTED_TYPES,
    _LIST_VALUE_TYPES,
    _UNDEFINED,
    MAX_URL_LENGTH,
    Json,
    _check_option_name,
    _invalid,
    _optional_icon,
    _parse_id,
    _parse_when,
    _prop_by_key,
    _require_dict,
    _require_list,
    _rich_text,
    _schema_error,
    _too_long,
)


class PagesMixin(_Store):
    """Pages: create, retrieve, update; property values checked against the data source schema."""

    # -- property values --------------------------------------------------------------

    def _prepare_write(self, page: _Page, properties: Any, where: str) -> Callable[[], None]:
        """Validate property values for a page; return the function that stores them."""
        source = (
            self._data_sources[page.parent["data_source_id"]]
            if page.parent["type"] == "data_source_id"
            else None
        )
        schema = copy.deepcopy(self._schema_of(page))
        values = self._normalize_values(schema, properties, where)

        def store() -> None:
            page.values.update(values)
            if source is not None:
                source.schema = schema  # with the options this write added

        return store

    def _normalize_values(self, schema: dict[str, Json], properties: Any, where: str) -> Json:
        """Validate request property values; return stored values keyed by property id."""
        if properties is None:
            return {}
        out: Json = {}
        for key, value in _require_dict(properties, where).items():
            prop = _prop_by_key(schema, key)
            if prop is None:
                raise _invalid(f"{key} is not a property that exists.")
            out[prop["id"]] = self._normalize_value(prop, value, f"{where}.{key}")
        return out

    def _normalize_value(self, prop: Json, value: Any, where: str) -> Any:
        """Validate one property value in request shape; return its stored form."""
        kind, name = prop["type"], prop["name"]
        if kind in _COMPUTED_TYPES:
            raise _invalid(f"{name} is a {kind} property, which cannot be written.")
        if isinstance(value, list) and kind in _LIST_VALUE_TYPES:
            raw = value
        elif isinstance(value, dict) and kind in value and value.get("type", kind) == kind:
            raw, where = value[kind], f"{where}.{kind}"
        else:
            raise _invalid(f"{name} is expected to be {kind}.")
        if kind in ("title", "rich_text"):
            return _rich_text(raw, where)
        if kind == "number":
            if raw is None or (
                isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)
            ):
                return raw
            raise _schema_error(where, "should be a number or `null`", raw)
        if kind == "checkbox":
            if not isinstance(raw, bool):
                raise _schema_error(where, "should be a boolean", raw)
            return raw
        if kind in ("url", "email", "phone_number"):
            if raw is not None and not isinstance(raw, str):
                raise _schema_error(where, "should be a string or `null`", raw)
            if raw is not None and len(raw) > MAX_URL_LENGTH:
                raise _too_long(where, MAX_URL_LENGTH, len(raw))
            return raw
        if kind in ("select", "status"):
            return None if raw is None else self._option_id(prop, raw, where)
        if kind == "multi_select":
            ids: list[str] = []
            for index, item in enumerate(_require_list(raw, where)):
                option_id = self._option_id(prop, item, f"{where}[{index}]")
                if option_id not in ids:
                    ids.append(option_id)
            return ids
        if kind == "date":
            if raw is None:
                return None
            when = _require_dict(raw, where)
            start = when.get("start", _UNDEFINED)
            _parse_when(start, f"{where}.start")
            end = when.get("end")
            if end is not None:
                _parse_when(end, f"{where}.end")
            time_zone = when.get("time_zone")
            if time_zone is not None and not isinstance(time_zone, str):
                raise _schema_error(f"{where}.time_zone", "should be a string", time_zone)
            return {"start": start, "end": end, "time_zone": time_zone}
        # relation and people: arrays of {"id": ...}
        ids = []
        for index, item in enumerate(_require_list(raw, where)):
            related = _require_dict(item, f"{where}[{index}]").get("id", _UNDEFINED)
            related_id = _parse_id(related, f"{where}[{index}].id")
            if related_id not in ids:
                ids.append(related_id)
        return ids

    def _option_id(self, prop: Json, raw: Any, where: str) -> str:
        """Resolve a select/status option by id or name; new select names are added."""
        kind = prop["type"]
        given = _require_dict(raw, where)
        options = prop[kind]["options"]
        if given.get("id") is not None:
            for option in options:
                if option["id"] == given["id"]:
                    return str(option["id"])
            raise _invalid(f"Invalid {kind} option id for {prop['name']}: {given['id']}")
        name = _check_option_name(given.get("name", _UNDEFINED), f"{where}.name")
        for option in options:
            if option["name"] == name:
                if given.get("color") not in (None, option["color"]):
                    raise _invalid("Select option color doesn't match existing")
                return str(option["id"])
        if kind == "status":
            raise _invalid(f'Invalid status option. Status option "{name}" does not exist.')
        color = given.get("color") or _COLORS[(len(options) + 1) % len(_COLORS)]
        option = {"id": str(uuid.uuid4()), "name": name, "color": color, "description": None}
        options.append(option)  # Notion adds unknown option names to the schema
        return str(option["id"])

    # -- endpoints: pages -----------------------------------------------------------------

    def _create_page(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/pages: a page under a page, a data source or a one-source database."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        source: _DataSource | None = None
        parent_page: _Page | None = None
        if "data_source_id" in parent_raw:
            source = self._require_data_source(
                parent_raw["data_source_id"], "body.parent.data_source_id"
            )
        elif "database_id" in parent_raw:
            database = self._require_database(parent_raw["database_id"], "body.parent.database_id")
            if len(database.data_sources) != 1:
                raise _invalid(
                    f"Database {database.id} has {len(database.data_sources)} data sources; "
                    "use a data_source_id parent."
                )
            source = self._data_sources[database.data_sources[0]]
        elif "page_id" in parent_raw:
            parent_page = self._require_page(parent_raw["page_id"], "body.parent.page_id")
            if parent_page.in_trash:
                raise _invalid(_ARCHIVED_PAGE)
        else:
            raise _schema_error(
                "body.parent", "should have a page_id, data_source_id or database_id", parent_raw
            )
        if source is not None:
            if self._database_trashed(source.database_id):
                raise _invalid(_ARCHIVED_BLOCK)
            schema = copy.deepcopy(source.schema)
            parent = {
                "type": "data_source_id",
                "data_source_id": source.id,
                "database_id": source.database_id,
            }
        else:
            assert parent_page is not None
            schema = {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}
            parent = {"type": "page_id", "page_id": parent_page.id}
        values = self._normalize_values(schema, body.get("properties"), "body.properties")
        for prop in schema.values():  # a new page starts in the first status option
            if prop["type"] == "status" and prop["id"] not in values and prop["status"]["options"]:
                values[prop["id"]] = prop["status"]["options"][0]["id"]
        trees = []
        if body.get("children") is not None:
            trees = self._parse_blocks(body["children"], "body.children", 1, [0])
        for unsupported in ("markdown", "content", "template"):
            if body.get(unsupported) is not None:
                raise _invalid(
                    f"body.{unsupported} is not supported by the journeybot Notion emulator."
                )
        icon = _optional_icon(body.get("icon"), "body.icon")
        cover = _optional_icon(body.get("cover"), "body.cover")
        now = self._now()
        page = _Page(
            id=str(uuid.uuid4()),
            parent=parent,
            values=values,
            **self._stamp(now, self.bot_user_id),
            icon=icon,
            cover=cover,
        )
        self._pages[page.id] = page
        if source is not None:
            source.schema = schema
            source.pages.append(page.id)
        elif parent_page is not None:
            parent_page.children.append(page.id)
        self._insert_blocks(page, trees)
        return self._render_page(page)

    def _get_page(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/pages/{id} (``filter_properties`` narrows the properties)."""
        page = self._require_page(params["page_id"], "path.page_id")
        only = set(query.get("filter_properties", [])) or None
        return self._render_page(page, only)

    def _update_page(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/pages/{id}: properties, icon, cover, trash, lock, erase_content."""
        page = self._require_page(params["page_id"], "path.page_id")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None and not isinstance(trash, bool):
            raise _schema_error("body.in_trash", "should be a boolean", trash)
        if page.in_trash and trash is not False:
            raise _invalid(_ARCHIVED_PAGE)
        if page.parent.get("type") == "data_source_id" and self._database_trashed(
            page.parent["database_id"]
        ):
            raise _invalid(_ARCHIVED_BLOCK)  # a row of a database in the trash
        # Validate the whole request before changing anything: Notion's updates are atomic.
        store_values = (
            self._prepare_write(page, body["properties"], "body.properties")
            if "properties" in body
            else None
        )
        changes: Json = {}
        for name in ("icon", "cover"):
            if name in body:
                changes[name] = _optional_icon(body[name], f"body.{name}")
        if "is_locked" in body:
            if not isinstance(body["is_locked"], bool):
                raise _schema_error("body.is_locked", "should be a boolean", body["is_locked"])
            changes["is_locked"] = body["is_locked"]
        if trash is not None:
            changes["in_trash"] = trash
        if store_values is not None:
            store_values()
        for name, value in changes.items():
            setattr(page, name, value)
        if body.get("erase_content"):
            for child_id in page.children:
                if child_id in self._blocks:
                    self._blocks[child_id].in_trash = True
        page.last_edited_time = self._now()
        page.last_edited_by = self.bot_user_id
        return self._render_page(page)
