"""Users (the bot and a person) and search."""

from __future__ import annotations

import copy
from datetime import datetime

from .store import _Store
from .validation import (
    Json,
    _list_response,
    _not_found,
    _page_size,
    _parse_id,
    _plain,
    _query_param,
    _require_dict,
    _schema_error,
)


class UsersMixin(_Store):
    """Users (the bot and a person) and search."""

    # -- endpoints: users -------------------------------------------------------------

    def _get_me(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users/me: the bot user."""
        return self._user_json(self.bot_user_id)

    def _list_users(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users: the workspace members and the bot."""
        users = list(self._users.values())
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        chunk, cursor = self._paginate(
            "users",
            users,
            lambda user: str(user["id"]),
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response(copy.deepcopy(chunk), cursor, "user")

    def _get_user(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/users/{id}."""
        user_id = _parse_id(params["user_id"], "path.user_id")
        if user_id not in self._users:
            raise _not_found("user", user_id)
        return self._user_json(user_id)

    # -- endpoints: search --------------------------------------------------------------

    def _search(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/search: shared pages and data sources whose title contains the query."""
        text = body.get("query", "")
        if not isinstance(text, str):
            raise _schema_error("body.query", "should be a string", text)
        wanted = None
        if body.get("filter") is not None:
            flt = _require_dict(body["filter"], "body.filter")
            wanted = flt.get("value")
            if flt.get("property") != "object" or wanted not in ("page", "data_source"):
                raise _schema_error(
                    "body.filter.value", "should be `page` or `data_source`", wanted
                )
        direction = "descending"
        if body.get("sort") is not None:
            direction = _require_dict(body["sort"], "body.sort").get("direction", "descending")
        size = _page_size(body.get("page_size"), "body.page_size")
        needle = text.casefold()
        found: list[tuple[datetime, str, Json]] = []
        if wanted in (None, "page"):
            for page in self._pages.values():
                if page.in_trash or not self._visible_page(page):
                    continue
                if needle in self._title_of(page).casefold():
                    found.append((page.last_edited_time, page.id, {"page": page}))
        if wanted in (None, "data_source"):
            for source in self._data_sources.values():
                shared = self._shared({"type": "database_id", "database_id": source.database_id})
                if source.in_trash or not shared:
                    continue
                if needle in _plain(source.title).casefold():
                    found.append((source.last_edited_time, source.id, {"source": source}))
        found.sort(key=lambda item: item[0], reverse=direction == "descending")
        chunk, cursor = self._paginate(
            "search",
            found,
            lambda item: item[1],
            body.get("start_cursor"),
            size,
            "body.start_cursor",
        )
        results = [
            self._render_page(item["page"])
            if "page" in item
            else self._render_data_source(item["source"])
            for _, _, item in chunk
        ]
        return _list_response(results, cursor, "page_or_data_source")
