"""Limits, type tables and request validation shared by the Notion emulator's resources."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

Json = dict[str, Any]
T = TypeVar("T")


class _ApiError(Exception):
    """An error answered as Notion's error object."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class _DropConnection(Exception):
    """Close the connection without answering."""


NOTION_VERSION = "2025-09-03"
MAX_BODY_BYTES = 500_000
MAX_TEXT_LENGTH = 2000
MAX_URL_LENGTH = 2000
MAX_EQUATION_LENGTH = 1000
MAX_ARRAY_LENGTH = 100
MAX_PAGE_SIZE = 100
MAX_BLOCKS_PER_REQUEST = 1000
MAX_OPTION_NAME_LENGTH = 100
# Notion accepts two levels of children below the blocks of one request.
MAX_BLOCK_DEPTH = 3
# Compound filters nest at most two levels deep.
MAX_FILTER_DEPTH = 2

_COLORS = (
    "default",
    "gray",
    "brown",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "red",
)
_ANNOTATIONS: Json = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
_WRITABLE_TYPES = {
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "date",
    "relation",
    "people",
}
_COMPUTED_TYPES = {"created_time", "last_edited_time", "created_by", "last_edited_by"}
_SCHEMA_TYPES = _WRITABLE_TYPES | _COMPUTED_TYPES
_UNSUPPORTED_TYPES = {
    "formula",
    "rollup",
    "files",
    "unique_id",
    "button",
    "verification",
    "place",
    "location",
}
_LIST_VALUE_TYPES = {"title", "rich_text", "multi_select", "relation", "people"}
_TEXT_TYPES = {"title", "rich_text", "url", "email", "phone_number"}
_VIEW_TYPES = {
    "table",
    "board",
    "list",
    "calendar",
    "timeline",
    "gallery",
    "form",
    "chart",
    "map",
    "dashboard",
}
_GROUP_TYPES = {
    "select": "select",
    "multi_select": "multi_select",
    "status": "status",
    "people": "person",
    "created_by": "created_by",
    "last_edited_by": "last_edited_by",
    "relation": "relation",
    "date": "date",
    "created_time": "created_time",
    "last_edited_time": "last_edited_time",
    "title": "title",
    "rich_text": "text",
    "url": "url",
    "email": "email",
    "phone_number": "phone_number",
    "number": "number",
    "checkbox": "checkbox",
}
# Block payload defaults; text blocks also need a rich_text array.
_TEXT_BLOCKS: dict[str, Json] = {
    "paragraph": {"color": "default"},
    "heading_1": {"color": "default", "is_toggleable": False},
    "heading_2": {"color": "default", "is_toggleable": False},
    "heading_3": {"color": "default", "is_toggleable": False},
    "bulleted_list_item": {"color": "default"},
    "numbered_list_item": {"color": "default"},
    "quote": {"color": "default"},
    "toggle": {"color": "default"},
    "to_do": {"checked": False, "color": "default"},
    "callout": {"icon": {"type": "emoji", "emoji": "💡"}, "color": "default"},
    "code": {"caption": [], "language": "plain text"},
}
_OTHER_BLOCKS: dict[str, Json] = {
    "divider": {},
    "breadcrumb": {},
    "table_of_contents": {"color": "default"},
    "bookmark": {"caption": []},
    "embed": {"caption": []},
    "image": {"caption": []},
    "video": {"caption": []},
    "file": {"caption": []},
    "pdf": {"caption": []},
    "equation": {},
    "link_to_page": {},
    "column_list": {},
    "column": {},
    "table": {"has_column_header": False, "has_row_header": False},
    "table_row": {},
    "synced_block": {"synced_from": None},
}
_BLOCK_META_KEYS = {
    "object",
    "id",
    "type",
    "parent",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "has_children",
    "archived",
    "in_trash",
}
_FAILURES: dict[int, tuple[str, str]] = {
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    503: ("service_unavailable", "Notion is unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out while handling the request."),
}
_UNDEFINED = object()
_ARCHIVED_PAGE = "Can't edit page that is archived. You must unarchive the page before editing."
_ARCHIVED_BLOCK = "Can't edit block that is archived. You must unarchive the block before editing."


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------


def _show(value: Any) -> str:
    """Render a value the way Notion's validation messages quote it."""
    if value is _UNDEFINED:
        return "undefined"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 100 else text[:97] + "..."


def _invalid(message: str) -> _ApiError:
    """Return a 400 validation_error."""
    return _ApiError(400, "validation_error", message)


def _schema_error(path: str, rule: str, value: Any) -> _ApiError:
    """Return a validation_error phrased like Notion's request schema checker."""
    root = path.split(".", 1)[0].split("[", 1)[0]
    return _invalid(f"{root} failed validation: {path} {rule}, instead was `{_show(value)}`.")


def _too_long(path: str, limit: int, actual: int) -> _ApiError:
    """Return the validation_error for an over-long string or array."""
    return _schema_error(f"{path}.length", f"should be ≤ `{limit}`", actual)


def _not_found(kind: str, object_id: str) -> _ApiError:
    """Return Notion's object_not_found error, also used for objects not shared."""
    return _ApiError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


def _js_length(text: str) -> int:
    """Return the length Notion measures: UTF-16 code units, as JavaScript counts."""
    return len(text.encode("utf-16-le")) // 2


def _parse_id(raw: Any, path: str) -> str:
    """Return the dashed form of a Notion id given with or without dashes."""
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            return str(uuid.UUID(raw))
    raise _schema_error(path, "should be a valid uuid", raw)


def _iso_z(moment: datetime) -> str:
    """Format a time as pages and blocks show it: ``2025-10-05T10:53:12.345Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _minute(moment: datetime) -> datetime:
    """Return `moment` rounded down to the minute, as Notion shows and filters page times."""
    return moment.replace(second=0, microsecond=0)


def _iso_offset(moment: datetime) -> str:
    """Format a time as databases and views show it: ``...12.345+00:00``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00"


def _parse_when(raw: Any, path: str) -> datetime | date:
    """Parse an ISO 8601 date or date-time; naive date-times are taken as UTC."""
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            if len(raw) == 10:
                return date.fromisoformat(raw)
            moment = datetime.fromisoformat(raw)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise _schema_error(path, "should be a valid ISO 8601 date string", raw)


def _as_moment(value: datetime | date) -> datetime:
    """Return a comparable UTC date-time (a bare date is its midnight)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _plain(rich_text: Iterable[Json]) -> str:
    """Return the plain text of a rich text array."""
    return "".join(item.get("plain_text", "") for item in rich_text)


def _hex(object_id: str) -> str:
    """Return an id without dashes, as in notion.so URLs."""
    return object_id.replace("-", "")


def _notion_url(title: str, object_id: str) -> str:
    """Return the notion.so URL of a page, slugged by its title like Notion does."""
    slug = re.sub(r"[^0-9A-Za-z]+", "-", title).strip("-")
    return f"https://www.notion.so/{slug + '-' if slug else ''}{_hex(object_id)}"


def _prop_by_key(schema: dict[str, Json], key: Any) -> Json | None:
    """Find a schema property by name, then by id."""
    if not isinstance(key, str):
        return None
    for prop in schema.values():
        if prop["name"] == key:
            return prop
    return schema.get(key)


def _partial_user(user_id: str) -> Json:
    """Return a partial user object."""
    return {"object": "user", "id": user_id}


def _require_dict(raw: Any, path: str) -> Json:
    """Return ``raw`` if it is a JSON object, else raise a validation error."""
    if not isinstance(raw, dict):
        raise _schema_error(path, "should be an object", raw)
    return raw


def _require_list(raw: Any, path: str, *, limit: int = MAX_ARRAY_LENGTH) -> list[Any]:
    """Return ``raw`` if it is an array of at most ``limit`` items."""
    if not isinstance(raw, list):
        raise _schema_error(path, "should be an array", raw)
    if len(raw) > limit:
        raise _too_long(path, limit, len(raw))
    return raw


def _optional_icon(raw: Any, path: str) -> Json | None:
    """Validate an icon or cover object (stored as given)."""
    if raw is None:
        return None
    return copy.deepcopy(_require_dict(raw, path))


def _rich_text(raw: Any, path: str) -> list[Json]:
    """Validate a rich text request array and return it in response shape."""
    items = _require_list(raw, path)
    return [_rich_text_item(item, f"{path}[{index}]") for index, item in enumerate(items)]


def _rich_text_item(raw: Any, path: str) -> Json:
    """Validate one rich text request item and return it in response shape."""
    item = _require_dict(raw, path)
    annotations = dict(_ANNOTATIONS)
    given = _require_dict(item.get("annotations", {}), f"{path}.annotations")
    annotations.update({key: value for key, value in given.items() if key in _ANNOTATIONS})
    kind = item.get("type") or next((k for k in ("text", "equation", "mention") if k in item), None)
    if kind == "text":
        text = _require_dict(item.get("text", _UNDEFINED), f"{path}.text")
        content = text.get("content", _UNDEFINED)
        if not isinstance(content, str):
            raise _schema_error(f"{path}.text.content", "should be a string", content)
        if _js_length(content) > MAX_TEXT_LENGTH:
            raise _too_long(f"{path}.text.content", MAX_TEXT_LENGTH, _js_length(content))
        link = text.get("link")
        if link is not None:
            url = _require_dict(link, f"{path}.text.link").get("url", _UNDEFINED)
            if not isinstance(url, str):
                raise _schema_error(f"{path}.text.link.url", "should be a string", url)
            if len(url) > MAX_URL_LENGTH:
                raise _too_long(f"{path}.text.link.url", MAX_URL_LENGTH, len(url))
            link = {"url": url}
        return {
            "type": "text",
            "text": {"content": content, "link": link},
            "annotations": annotations,
            "plain_text": content,
            "href": link["url"] if link else None,
        }
    if kind == "equation":
        equation = _require_dict(item.get("equation", _UNDEFINED), f"{path}.equation")
        expression = equation.get("expression", _UNDEFINED)
        if not isinstance(expression, str):
            raise _schema_error(f"{path}.equation.expression", "should be a string", expression)
        if len(expression) > MAX_EQUATION_LENGTH:
            raise _too_long(f"{path}.equation.expression", MAX_EQUATION_LENGTH, len(expression))
        return {
            "type": "equation",
            "equation": {"expression": expression},
            "annotations": annotations,
            "plain_text": expression,
            "href": None,
        }
    raise _invalid(
        f"{path}: rich text of type `{kind}` is not supported by the journeybot Notion "
        "emulator (use text or equation)."
    )


def _check_option_name(name: Any, path: str) -> str:
    """Validate a select option name: a string without commas, at most 100 long."""
    if not isinstance(name, str) or not name:
        raise _schema_error(path, "should be a non-empty string", name)
    if "," in name:
        raise _invalid(f"Invalid select option, commas not allowed: {name}")
    if _js_length(name) > MAX_OPTION_NAME_LENGTH:
        raise _too_long(path, MAX_OPTION_NAME_LENGTH, _js_length(name))
    return name


def _page_size(raw: Any, where: str) -> int:
    """Validate ``page_size`` (1..100, default 100)."""
    if raw is None or raw is _UNDEFINED:
        return MAX_PAGE_SIZE
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _schema_error(where, "should be a number", raw)
    if raw > MAX_PAGE_SIZE:
        raise _schema_error(where, f"should be ≤ `{MAX_PAGE_SIZE}`", raw)
    if raw < 1:
        raise _schema_error(where, "should be ≥ `1`", raw)
    return raw


def _query_param(query: dict[str, list[str]], name: str) -> str | None:
    """Return the last value of a query string parameter."""
    values = query.get(name)
    return values[-1] if values else None


def _list_response(results: list[Json], next_cursor: str | None, kind: str) -> Json:
    """Return Notion's paginated list envelope."""
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }
