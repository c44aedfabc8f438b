"""Database views: create, list, retrieve, update, delete."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from .model import _DataSource, _View
from .store import _Store
from .validation import (
    _GROUP_TYPES,
    _UNDEFINED,
    _VIEW_TYPES,
    Json,
    _invalid,
    _list_response,
    _page_size,
    _parse_id,
    _prop_by_key,
    _query_param,
    _require_dict,
    _require_list,
    _schema_error,
)


class ViewsMixin(_Store):
    """Database views: create, list, retrieve, update, delete."""

    # -- endpoints: views ---------------------------------------------------------------

    def _create_view(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/views: a view of one data source."""
        source = self._require_data_source(
            body.get("data_source_id", _UNDEFINED), "body.data_source_id"
        )
        if body.get("database_id") is not None:
            database_id = _parse_id(body["database_id"], "body.database_id")
            if database_id != source.database_id:
                raise _invalid(
                    f"Data source {source.id} does not belong to database {database_id}."
                )
        name = body.get("name", _UNDEFINED)
        if not isinstance(name, str):
            raise _schema_error("body.name", "should be a string", name)
        kind = body.get("type", _UNDEFINED)
        if kind not in _VIEW_TYPES:
            raise _schema_error("body.type", f"should be one of {sorted(_VIEW_TYPES)}", kind)
        now = self._now()
        view = _View(
            id=str(uuid.uuid4()),
            database_id=source.database_id,
            data_source_id=source.id,
            name=name,
            type=kind,
            filter=None,
            sorts=None,
            quick_filters=None,
            configuration={"type": kind},
            **self._stamp(now, self.bot_user_id),
        )
        self._apply_view_settings(view, source, body)
        self._views[view.id] = view
        return self._render_view(view)

    def _apply_view_settings(self, view: _View, source: _DataSource, body: Json) -> None:
        """Validate a view's name, filter, sorts, quick filters and configuration, then store."""
        changes: Json = {}
        if "name" in body:
            if not isinstance(body["name"], str):
                raise _schema_error("body.name", "should be a string", body["name"])
            changes["name"] = body["name"]
        if "filter" in body:
            if body["filter"] is not None:
                self._compile_filter(source, body["filter"], "body.filter", 0)
            changes["filter"] = copy.deepcopy(body["filter"])
        if "sorts" in body:
            if body["sorts"]:
                self._compile_sorts(source, body["sorts"], "body.sorts")
            changes["sorts"] = copy.deepcopy(body["sorts"]) or None
        if "quick_filters" in body:
            quick = body["quick_filters"]
            changes["quick_filters"] = (
                None if quick is None else copy.deepcopy(_require_dict(quick, "body.quick_filters"))
            )
        if "configuration" in body or (
            view.type == "board" and "group_by" not in view.configuration
        ):
            changes["configuration"] = self._view_configuration(
                view.type, body.get("configuration"), source, "body.configuration"
            )
        for name, value in changes.items():
            setattr(view, name, value)

    def _view_configuration(self, kind: str, raw: Any, source: _DataSource, where: str) -> Json:
        """Return a view configuration; a board groups by a select-like property."""
        given = _require_dict(raw if raw is not None else {}, where)
        if given.get("type", kind) != kind:
            raise _invalid(f"{where}.type `{given['type']}` does not match the view type `{kind}`.")
        out: Json = {"type": kind}
        for key, value in given.items():
            if key == "type":
                continue
            if key in ("group_by", "sub_group_by"):
                out[key] = self._group_by(value, source, f"{where}.{key}")
            elif key == "properties":
                out[key] = [
                    self._view_property(item, source, f"{where}.properties[{index}]")
                    for index, item in enumerate(_require_list(value, f"{where}.properties"))
                ]
            else:  # layout settings the emulator stores as given
                out[key] = copy.deepcopy(value)
        if kind == "board" and "group_by" not in out:
            prop = next(
                (
                    prop
                    for prop in source.schema.values()
                    if prop["type"] in ("status", "select", "multi_select")
                ),
                None,
            )
            if prop is None:
                raise _invalid(
                    f"{where}.group_by should be defined: a board needs a select or status "
                    "property."
                )
            out["group_by"] = self._group_by(
                {"property_id": prop["id"]}, source, f"{where}.group_by"
            )
        return out

    @staticmethod
    def _group_by(raw: Any, source: _DataSource, where: str) -> Json:
        """Return a group_by configuration bound to a property of the data source."""
        given = _require_dict(raw, where)
        key = given.get("property_id", given.get("property_name"))
        prop = _prop_by_key(source.schema, key)
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {key}")
        expected = _GROUP_TYPES.get(prop["type"])
        kind = given.get("type", expected)
        if expected is None or kind != expected:
            raise _invalid(
                f"{where}.type `{kind}` cannot group {prop['name']}, a {prop['type']} property."
            )
        out: Json = {
            "type": kind,
            "property_id": prop["id"],
            "property_name": prop["name"],
            "sort": copy.deepcopy(given.get("sort", {"type": "manual"})),
        }
        if kind == "status":
            out["group_by"] = given.get("group_by", "group")
        elif kind in ("text", "title", "url", "email", "phone_number"):
            out["group_by"] = given.get("group_by", "exact")
        elif kind in ("date", "created_time", "last_edited_time"):
            out["group_by"] = given.get("group_by", "relative")
        if "hide_empty_groups" in given:
            out["hide_empty_groups"] = bool(given["hide_empty_groups"])
        return out

    @staticmethod
    def _view_property(raw: Any, source: _DataSource, where: str) -> Json:
        """Return a view property setting bound to a property of the data source."""
        given = copy.deepcopy(_require_dict(raw, where))
        key = given.get("property_id", given.get("property_name"))
        prop = _prop_by_key(source.schema, key)
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {key}")
        given.update({"property_id": prop["id"], "property_name": prop["name"]})
        return given

    def _list_views(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/views?database_id=… or ?data_source_id=…: view references."""
        database_raw = _query_param(query, "database_id")
        source_raw = _query_param(query, "data_source_id")
        if database_raw is not None:
            scope = self._require_database(database_raw, "query.database_id").id
            views = [view for view in self._views.values() if view.database_id == scope]
        elif source_raw is not None:
            scope = self._require_data_source(source_raw, "query.data_source_id").id
            views = [view for view in self._views.values() if view.data_source_id == scope]
        else:
            raise _schema_error(
                "query", "should define query.database_id or query.data_source_id", {}
            )
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        chunk, cursor = self._paginate(
            f"views:{scope}",
            views,
            lambda view: view.id,
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response([{"object": "view", "id": view.id} for view in chunk], cursor, "view")

    def _get_view(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/views/{id}."""
        return self._render_view(self._require_view(params["view_id"], "path.view_id"))

    def _update_view(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/views/{id}: name, filter, sorts, quick filters, configuration."""
        view = self._require_view(params["view_id"], "path.view_id")
        self._apply_view_settings(view, self._data_sources[view.data_source_id], body)
        view.last_edited_time = self._now()
        view.last_edited_by = self.bot_user_id
        return self._render_view(view)

    def _delete_view(self, params: Json, query: Json, body: Json) -> Json:
        """DELETE /v1/views/{id}: answers the partial view."""
        view = self._require_view(params["view_id"], "path.view_id")
        if not any(
            v.database_id == view.database_id for v in self._views.values() if v is not view
        ):
            raise _invalid("The last view of a database cannot be deleted; delete the database.")
        del self._views[view.id]
        return {
            "object": "view",
            "id": view.id,
            "parent": {"type": "database_id", "database_id": view.database_id},
            "type": view.type,
        }
