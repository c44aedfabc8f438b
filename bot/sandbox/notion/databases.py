"""Databases and data sources: create, retrieve, update; property schemas."""

from __future__ import annotations

import copy
import secrets
import uuid
from typing import Any

from .model import _Database, _DataSource, _View
from .store import _Store
from .validation import (
    _COLORS,
    _SCHEMA_TYPES,
    _UNDEFINED,
    _UNSUPPORTED_TYPES,
    Json,
    _check_option_name,
    _invalid,
    _optional_icon,
    _prop_by_key,
    _require_dict,
    _require_list,
    _rich_text,
    _schema_error,
)


class DatabasesMixin(_Store):
    """Databases and data sources: create, retrieve, update; property schemas."""

    # -- schemas --------------------------------------------------------------------

    def _build_schema(
        self, properties: Any, where: str, current: dict[str, Json] | None = None
    ) -> dict[str, Json]:
        """Apply a create/update ``properties`` request to a schema; return the new schema."""
        schema = copy.deepcopy(current) if current else {}
        for key, raw in _require_dict(properties, where).items():
            path = f"{where}.{key}"
            existing = _prop_by_key(schema, key)
            if raw is None:
                if existing is None:
                    raise _invalid(f"{key} is not a property that exists.")
                if existing["type"] == "title":
                    raise _invalid("The title property of a data source cannot be deleted.")
                del schema[existing["id"]]
                continue
            prop = self._schema_prop(key, raw, path, existing, set(schema))
            if existing is not None and existing["type"] == "title" and prop["type"] != "title":
                raise _invalid("The title property cannot change type.")
            if existing is None:
                schema[prop["id"]] = prop
            else:
                schema[existing["id"]] = prop
        names = [prop["name"] for prop in schema.values()]
        for name in names:
            if names.count(name) > 1:
                raise _invalid(f"Property name {name} is used more than once.")
        if sum(1 for prop in schema.values() if prop["type"] == "title") != 1:
            raise _invalid("A data source must have exactly one title property.")
        return schema

    def _schema_prop(
        self, key: str, raw: Any, path: str, existing: Json | None, taken: set[str]
    ) -> Json:
        """Return one schema entry built from a request (new property or change)."""
        given = _require_dict(raw, path)
        name = given.get("name", existing["name"] if existing else key)
        if not isinstance(name, str) or not name:
            raise _schema_error(f"{path}.name", "should be a non-empty string", name)
        declared = [k for k in given if k in _SCHEMA_TYPES or k in _UNSUPPORTED_TYPES]
        kind = given.get("type") or (declared[0] if declared else None)
        if kind is None and existing is not None:
            kind = existing["type"]
        if kind in _UNSUPPORTED_TYPES:
            raise _invalid(
                f"{name}: {kind} properties are not supported by the journeybot Notion emulator."
            )
        if kind not in _SCHEMA_TYPES:
            raise _schema_error(f"{path}.type", "should be a supported property type", kind)
        same = existing if existing is not None and existing["type"] == kind else None
        config = given.get(kind)
        if config is None:
            config = same[kind] if same else {}
        if same is not None:
            prop_id = same["id"]
        elif existing is not None and existing["type"] != "title":
            prop_id = existing["id"]
        elif kind == "title":
            if "title" in taken:
                raise _invalid("A data source must have exactly one title property.")
            prop_id = "title"
        else:
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            prop_id = "".join(secrets.choice(alphabet) for _ in range(4))
            while prop_id in taken or prop_id == "title":
                prop_id = "".join(secrets.choice(alphabet) for _ in range(4))
        description = given.get("description", existing.get("description") if existing else None)
        return {
            "id": prop_id,
            "name": name,
            "description": description,
            "type": kind,
            kind: self._schema_config(kind, config, f"{path}.{kind}", same),
        }

    def _schema_config(self, kind: str, raw: Any, path: str, same: Json | None) -> Json:
        """Return the type-specific configuration of a schema entry."""
        config = _require_dict(raw, path)
        previous = same[kind] if same else {}
        if kind == "number":
            return {"format": config.get("format", previous.get("format", "number"))}
        if kind in ("select", "multi_select", "status"):
            options = self._schema_options(
                config.get("options"), f"{path}.options", previous.get("options", []), kind
            )
            if kind != "status":
                return {"options": options}
            return {"options": options, "groups": self._status_groups(options, previous)}
        if kind == "relation":
            target = self._require_data_source(
                config.get("data_source_id", previous.get("data_source_id", _UNDEFINED)),
                f"{path}.data_source_id",
            )
            mode = config.get("type") or (
                "dual_property" if "dual_property" in config else "single_property"
            )
            if mode not in ("single_property", "dual_property"):
                raise _schema_error(f"{path}.type", "should be `single_property`", mode)
            return {
                "data_source_id": target.id,
                "database_id": target.database_id,
                "type": mode,
                mode: {},
            }
        return {}

    @staticmethod
    def _schema_options(raw: Any, path: str, previous: list[Json], kind: str) -> list[Json]:
        """Normalize select/status options, keeping ids and colors of known ones."""
        if raw is None:
            if previous or kind != "status":
                return copy.deepcopy(previous)
            raw = [
                {"name": "Not started", "color": "default"},
                {"name": "In progress", "color": "blue"},
                {"name": "Done", "color": "green"},
            ]
        options: list[Json] = []
        for index, item in enumerate(_require_list(raw, path, limit=1000)):
            where = f"{path}[{index}]"
            given = _require_dict(item, where)
            match = next(
                (
                    option
                    for option in previous
                    if option["id"] == given.get("id") or option["name"] == given.get("name")
                ),
                None,
            )
            name = given.get("name", match["name"] if match else _UNDEFINED)
            name = _check_option_name(name, f"{where}.name")
            if any(option["name"] == name for option in options):
                raise _invalid(f"Option name {name} is used more than once.")
            color = given.get("color") or (match["color"] if match else _COLORS[index % 10])
            if color not in _COLORS:
                raise _schema_error(f"{where}.color", "should be a Notion color", color)
            # Notion keeps an existing option's name and color: the API cannot change them.
            if match is not None and name != match["name"]:
                raise _invalid(f"Cannot update name of select with id: {match['id']}.")
            if match is not None and color != match["color"]:
                raise _invalid(f"Cannot update color of select with name: {name}.")
            options.append(
                {
                    "id": match["id"] if match else str(uuid.uuid4()),
                    "name": name,
                    "color": color,
                    "description": given.get(
                        "description", match.get("description") if match else None
                    ),
                }
            )
        return options

    @staticmethod
    def _status_groups(options: list[Json], previous: Json) -> list[Json]:
        """Return status groups: known options keep their group, new ones join To-do."""
        groups = copy.deepcopy(previous.get("groups")) or [
            {"id": str(uuid.uuid4()), "name": name, "color": color, "option_ids": []}
            for name, color in (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))
        ]
        ids = [option["id"] for option in options]
        placed = {option_id for group in groups for option_id in group["option_ids"]}
        for group in groups:
            group["option_ids"] = [
                option_id for option_id in group["option_ids"] if option_id in ids
            ]
        if not previous.get("groups") and len(options) == 3:
            # The default options go one per group, as in a new Notion status property.
            for group, option in zip(groups, options, strict=True):
                group["option_ids"] = [option["id"]]
            return groups
        groups[0]["option_ids"] += [option_id for option_id in ids if option_id not in placed]
        return groups

    # -- endpoints: databases and data sources -----------------------------------------------

    def _create_database(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/databases: a database with its initial data source and default view."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        if "page_id" not in parent_raw:
            raise _schema_error("body.parent", "should have a page_id", parent_raw)
        parent_page = self._require_page(parent_raw["page_id"], "body.parent.page_id")
        title = _rich_text(body.get("title", []), "body.title")
        description = _rich_text(body.get("description", []), "body.description")
        is_inline = body.get("is_inline", False)
        if not isinstance(is_inline, bool):
            raise _schema_error("body.is_inline", "should be a boolean", is_inline)
        initial = _require_dict(body.get("initial_data_source", {}), "body.initial_data_source")
        properties = initial.get("properties", {"Name": {"title": {}}})
        schema = self._build_schema(properties, "body.initial_data_source.properties")
        source_title = _rich_text(
            initial.get("title", body.get("title", [])), "body.initial_data_source.title"
        )
        now = self._now()
        database = _Database(
            id=str(uuid.uuid4()),
            parent={"type": "page_id", "page_id": parent_page.id},
            title=title,
            description=description,
            is_inline=is_inline,
            created_time=now,
            last_edited_time=now,
            icon=_optional_icon(body.get("icon"), "body.icon"),
            cover=_optional_icon(body.get("cover"), "body.cover"),
        )
        self._databases[database.id] = database
        parent_page.children.append(database.id)
        self._add_data_source(database, source_title, schema, None)
        return self._render_database(database)

    def _add_data_source(
        self, database: _Database, title: list[Json], schema: dict[str, Json], icon: Json | None
    ) -> _DataSource:
        """Create a data source in a database, with a default table view."""
        now = self._now()
        source = _DataSource(
            id=str(uuid.uuid4()),
            database_id=database.id,
            title=title,
            description=[],
            schema=schema,
            **self._stamp(now, self.bot_user_id),
            icon=icon,
        )
        self._data_sources[source.id] = source
        database.data_sources.append(source.id)
        view = _View(
            id=str(uuid.uuid4()),
            database_id=database.id,
            data_source_id=source.id,
            name="Default view",
            type="table",
            filter=None,
            sorts=None,
            quick_filters=None,
            configuration={"type": "table"},
            **self._stamp(now, self.bot_user_id),
        )
        self._views[view.id] = view
        return source

    def _get_database(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/databases/{id}."""
        return self._render_database(
            self._require_database(params["database_id"], "path.database_id")
        )

    def _update_database(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/databases/{id}: title, description, icon, cover, inline, trash, lock."""
        database = self._require_database(params["database_id"], "path.database_id")
        # Validate the whole request before changing anything: Notion's updates are atomic.
        changes: Json = {}
        for name in ("title", "description"):
            if name in body:
                changes[name] = _rich_text(body[name], f"body.{name}")
        for name in ("icon", "cover"):
            if name in body:
                changes[name] = _optional_icon(body[name], f"body.{name}")
        for flag in ("is_inline", "in_trash", "is_locked"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise _schema_error(f"body.{flag}", "should be a boolean", body[flag])
                changes[flag] = body[flag]
        new_parent = None
        if "parent" in body:
            parent_raw = _require_dict(body["parent"], "body.parent")
            new_parent = self._require_page(
                parent_raw.get("page_id", _UNDEFINED), "body.parent.page_id"
            )
        for name, value in changes.items():
            setattr(database, name, value)
        if new_parent is not None:
            old = self._pages.get(database.parent.get("page_id", ""))
            if old is not None and database.id in old.children:
                old.children.remove(database.id)
            new_parent.children.append(database.id)
            database.parent = {"type": "page_id", "page_id": new_parent.id}
        database.last_edited_time = self._now()
        return self._render_database(database)

    def _create_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/data_sources: add a data source to a database."""
        parent_raw = _require_dict(body.get("parent", _UNDEFINED), "body.parent")
        database = self._require_database(
            parent_raw.get("database_id", _UNDEFINED), "body.parent.database_id"
        )
        schema = self._build_schema(body.get("properties", _UNDEFINED), "body.properties")
        title = _rich_text(body.get("title", []), "body.title")
        source = self._add_data_source(
            database, title, schema, _optional_icon(body.get("icon"), "body.icon")
        )
        return self._render_data_source(source)

    def _get_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/data_sources/{id}."""
        return self._render_data_source(
            self._require_data_source(params["data_source_id"], "path.data_source_id")
        )

    def _update_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/data_sources/{id}: title, icon, schema changes, trash."""
        source = self._require_data_source(params["data_source_id"], "path.data_source_id")
        # Validate the whole request before changing anything: Notion's updates are atomic.
        changes: Json = {}
        if "properties" in body:
            changes["schema"] = self._build_schema(
                body["properties"], "body.properties", source.schema
            )
        if "title" in body:
            changes["title"] = _rich_text(body["title"], "body.title")
        if "icon" in body:
            changes["icon"] = _optional_icon(body["icon"], "body.icon")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None:
            if not isinstance(trash, bool):
                raise _schema_error("body.in_trash", "should be a boolean", trash)
            changes["in_trash"] = trash
        if "schema" in changes:
            # Values of deleted properties and of properties that changed type are dropped.
            old_types = {pid: prop["type"] for pid, prop in source.schema.items()}
            kept = {
                pid
                for pid, prop in changes["schema"].items()
                if old_types.get(pid) in (None, prop["type"])
            }
            for page_id in source.pages:
                values = self._pages[page_id].values
                for pid in [pid for pid in values if pid not in kept]:
                    del values[pid]
        for name, value in changes.items():
            setattr(source, name, value)
        source.last_edited_time = self._now()
        source.last_edited_by = self.bot_user_id
        return self._render_data_source(source)
