"""Data source queries: filters and sorts compiled like Notion's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .model import _DataSource, _Page
from .store import _Store
from .validation import (
    _TEXT_TYPES,
    _UNDEFINED,
    MAX_FILTER_DEPTH,
    Json,
    _as_moment,
    _invalid,
    _list_response,
    _minute,
    _page_size,
    _parse_id,
    _parse_when,
    _plain,
    _prop_by_key,
    _require_dict,
    _require_list,
    _schema_error,
)


class QueryMixin(_Store):
    """Data source queries: filters and sorts compiled like Notion's."""

    def _query_data_source(self, params: Json, query: Json, body: Json) -> Json:
        """POST /v1/data_sources/{id}/query: filter, sort and paginate the rows."""
        source = self._require_data_source(params["data_source_id"], "path.data_source_id")
        size = _page_size(body.get("page_size"), "body.page_size")
        matches = self._select_pages(source, body.get("filter"), body.get("sorts"), "body")
        chunk, cursor = self._paginate(
            f"query:{source.id}",
            matches,
            lambda page: page.id,
            body.get("start_cursor"),
            size,
            "body.start_cursor",
        )
        only = set(query.get("filter_properties", [])) or None
        return _list_response(
            [self._render_page(page, only) for page in chunk], cursor, "page_or_data_source"
        )

    def _select_pages(self, source: _DataSource, flt: Any, sorts: Any, where: str) -> list[_Page]:
        """Return the live rows of a data source that pass a filter, in sort order."""
        predicate = (
            self._compile_filter(source, flt, f"{where}.filter", 0) if flt is not None else None
        )
        keys = self._compile_sorts(source, sorts, f"{where}.sorts") if sorts else []
        pages = [
            self._pages[page_id] for page_id in source.pages if not self._pages[page_id].in_trash
        ]
        if predicate is not None:
            pages = [page for page in pages if predicate(page)]
        for key, descending in reversed(keys):
            present = [page for page in pages if key(page) is not None]
            missing = [page for page in pages if key(page) is None]
            pages = sorted(present, key=key, reverse=descending) + missing
        return pages

    # -- filters and sorts --------------------------------------------------------------

    def _compile_filter(
        self, source: _DataSource, raw: Any, where: str, depth: int
    ) -> Callable[[_Page], bool]:
        """Validate a query filter and return a predicate over pages."""
        flt = _require_dict(raw, where)
        for compound in ("and", "or"):
            if compound in flt:
                if depth >= MAX_FILTER_DEPTH:
                    raise _invalid(
                        f"{where}: compound filters can be nested at most "
                        f"{MAX_FILTER_DEPTH} levels deep."
                    )
                parts = [
                    self._compile_filter(source, item, f"{where}.{compound}[{index}]", depth + 1)
                    for index, item in enumerate(
                        _require_list(flt[compound], f"{where}.{compound}")
                    )
                ]
                if compound == "and":
                    return lambda page: all(part(page) for part in parts)
                return lambda page: any(part(page) for part in parts)
        if "timestamp" in flt:
            stamp = flt["timestamp"]
            if stamp not in ("created_time", "last_edited_time"):
                raise _schema_error(
                    f"{where}.timestamp", "should be `created_time` or `last_edited_time`", stamp
                )
            condition = _require_dict(flt.get(stamp, _UNDEFINED), f"{where}.{stamp}")
            test = self._date_test(condition, f"{where}.{stamp}")
            return lambda page: test(_minute(getattr(page, stamp)))
        if "property" not in flt:
            raise _schema_error(where, "should have a property, timestamp, and or or", flt)
        prop = _prop_by_key(source.schema, flt["property"])
        if prop is None:
            raise _invalid(f"Could not find property with name or id: {flt['property']}")
        kinds = [key for key in flt if key != "property"]
        if len(kinds) != 1:
            raise _schema_error(where, "should have exactly one condition", flt)
        kind = kinds[0]
        condition = _require_dict(flt[kind], f"{where}.{kind}")
        allowed = {prop["type"]} | (
            {"rich_text", "title"} if prop["type"] in _TEXT_TYPES else set()
        )
        if prop["type"] in ("created_time", "last_edited_time"):
            allowed |= {"date", prop["type"]}
        if prop["type"] in ("created_by", "last_edited_by"):
            allowed |= {"people"}
        if kind not in allowed:
            raise _invalid(
                f"{where}: a {kind} filter does not apply to {prop['name']}, "
                f"a {prop['type']} property."
            )
        value_of = self._filter_value_getter(prop)
        test = self._condition_test(prop["type"], condition, f"{where}.{kind}")
        return lambda page: test(value_of(page))

    def _filter_value_getter(self, prop: Json) -> Callable[[_Page], Any]:
        """Return a function giving the comparable value of a property on a page."""
        kind, pid = prop["type"], prop["id"]
        if kind in ("title", "rich_text"):
            return lambda page: _plain(page.values.get(pid) or [])
        if kind in ("select", "status"):
            return lambda page: (self._option(prop, page.values.get(pid)) or {}).get("name")
        if kind == "multi_select":
            return lambda page: [
                option["name"]
                for option_id in page.values.get(pid) or []
                if (option := self._option(prop, option_id)) is not None
            ]
        if kind == "date":
            return lambda page: (
                _parse_when(page.values[pid]["start"], "date") if page.values.get(pid) else None
            )
        if kind in ("created_time", "last_edited_time"):
            return lambda page: _minute(getattr(page, kind))
        if kind in ("created_by", "last_edited_by"):
            return lambda page: getattr(page, kind)
        if kind == "checkbox":
            return lambda page: bool(page.values.get(pid))
        return lambda page: page.values.get(pid)

    def _condition_test(self, kind: str, condition: Json, where: str) -> Callable[[Any], bool]:
        """Return a test for one property condition, checking it against the type."""
        if len(condition) != 1:
            raise _schema_error(where, "should have exactly one operator", condition)
        operator, operand = next(iter(condition.items()))
        if operator in ("is_empty", "is_not_empty"):
            if operand is not True:
                raise _schema_error(f"{where}.{operator}", "should be `true`", operand)
            empty = operator == "is_empty"
            return lambda value: (value in (None, "", [])) == empty
        if kind in ("date", "created_time", "last_edited_time"):
            return self._date_test(condition, where)
        if kind in _TEXT_TYPES:
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            needle = operand.casefold()
            tests: dict[str, Callable[[Any], bool]] = {
                "equals": lambda value: value == operand,
                "does_not_equal": lambda value: value != operand,
                "contains": lambda value: needle in (value or "").casefold(),
                "does_not_contain": lambda value: needle not in (value or "").casefold(),
                "starts_with": lambda value: (value or "").casefold().startswith(needle),
                "ends_with": lambda value: (value or "").casefold().endswith(needle),
            }
        elif kind == "number":
            if not isinstance(operand, int | float) or isinstance(operand, bool):
                raise _schema_error(f"{where}.{operator}", "should be a number", operand)
            tests = {
                "equals": lambda value: value is not None and value == operand,
                "does_not_equal": lambda value: value != operand,
                "greater_than": lambda value: value is not None and value > operand,
                "less_than": lambda value: value is not None and value < operand,
                "greater_than_or_equal_to": lambda value: value is not None and value >= operand,
                "less_than_or_equal_to": lambda value: value is not None and value <= operand,
            }
        elif kind in ("select", "status"):
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            tests = {
                "equals": lambda value: value == operand,
                "does_not_equal": lambda value: value != operand,
            }
        elif kind == "checkbox":
            if not isinstance(operand, bool):
                raise _schema_error(f"{where}.{operator}", "should be a boolean", operand)
            tests = {
                "equals": lambda value: value is operand,
                "does_not_equal": lambda value: value is not operand,
            }
        else:  # multi_select, relation, people, created_by, last_edited_by
            if not isinstance(operand, str):
                raise _schema_error(f"{where}.{operator}", "should be a string", operand)
            if kind != "multi_select":
                operand = _parse_id(operand, f"{where}.{operator}")

            def as_list(value: Any) -> list[Any]:
                return value if isinstance(value, list) else [value]

            tests = {
                "contains": lambda value: operand in as_list(value),
                "does_not_contain": lambda value: operand not in as_list(value),
            }
        if operator not in tests:
            raise _invalid(
                f"{where}.{operator} is not a {kind} filter the journeybot Notion emulator "
                "supports."
            )
        return tests[operator]

    @staticmethod
    def _date_test(condition: Json, where: str) -> Callable[[Any], bool]:
        """Return a test for a date condition; a bare date compares whole days (UTC)."""
        if len(condition) != 1:
            raise _schema_error(where, "should have exactly one operator", condition)
        operator, operand = next(iter(condition.items()))
        if operator in ("is_empty", "is_not_empty"):
            empty = operator == "is_empty"
            return lambda value: (value is None) == empty
        comparisons: dict[str, Callable[[Any, Any], bool]] = {
            "equals": lambda a, b: a == b,
            "before": lambda a, b: a < b,
            "after": lambda a, b: a > b,
            "on_or_before": lambda a, b: a <= b,
            "on_or_after": lambda a, b: a >= b,
        }
        if operator not in comparisons:
            raise _invalid(
                f"{where}.{operator} is not a date filter the journeybot Notion emulator supports."
            )
        bound = _parse_when(operand, f"{where}.{operator}")
        compare = comparisons[operator]
        whole_days = not isinstance(bound, datetime)

        def test(value: Any) -> bool:
            if value is None:
                return False
            moment = _as_moment(value)
            if whole_days:
                return compare(moment.date(), bound)
            return compare(moment, _as_moment(bound))

        return test

    def _compile_sorts(
        self, source: _DataSource, raw: Any, where: str
    ) -> list[tuple[Callable[[_Page], Any], bool]]:
        """Validate sorts; return (key, descending) pairs, most significant first."""
        keys = []
        for index, item in enumerate(_require_list(raw, where)):
            path = f"{where}[{index}]"
            sort = _require_dict(item, path)
            direction = sort.get("direction", "ascending")
            if direction not in ("ascending", "descending"):
                raise _schema_error(
                    f"{path}.direction", "should be `ascending` or `descending`", direction
                )
            if "timestamp" in sort:
                stamp = sort["timestamp"]
                if stamp not in ("created_time", "last_edited_time"):
                    raise _schema_error(
                        f"{path}.timestamp", "should be `created_time` or `last_edited_time`", stamp
                    )
                keys.append(
                    (lambda page, stamp=stamp: getattr(page, stamp), direction == "descending")
                )
                continue
            prop = _prop_by_key(source.schema, sort.get("property"))
            if prop is None:
                raise _invalid(
                    f"Could not find sort property with name or id: {sort.get('property')}"
                )
            keys.append((self._sort_key(prop), direction == "descending"))
        return keys

    def _sort_key(self, prop: Json) -> Callable[[_Page], Any]:
        """Return a sort key for a property; None means empty (sorted last)."""
        kind, pid = prop["type"], prop["id"]
        if kind in ("select", "status", "multi_select"):
            order = {option["id"]: index for index, option in enumerate(prop[kind]["options"])}

            def option_rank(page: _Page) -> Any:
                stored = page.values.get(pid)
                first = stored[0] if isinstance(stored, list) and stored else stored
                return order.get(first) if first is not None else None

            return option_rank
        if kind in ("title", "rich_text"):
            return lambda page: _plain(page.values.get(pid) or []).casefold() or None
        if kind == "date":
            return lambda page: (
                _as_moment(_parse_when(page.values[pid]["start"], "date"))
                if page.values.get(pid)
                else None
            )
        if kind in ("created_time", "last_edited_time"):
            return lambda page: _minute(getattr(page, kind))
        if kind in ("created_by", "last_edited_by"):
            return lambda page: getattr(page, kind)
        if kind == "checkbox":
            return lambda page: bool(page.values.get(pid))
        if kind in ("relation", "people"):
            return lambda page: len(page.values.get(pid) or []) or None
        return lambda page: page.values.get(pid)
