"""The export files: CSV (cells a spreadsheet would run are neutralised) and JSON.

`export_csv` writes what `export_data` returns; `read_csv` and `read_json` read a file back
into a `Source` of rows, naming the line or position of anything malformed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from prioritize.config import InvalidInput

from ..editing import PAIN_FIELDS as EDITABLE_PAIN_FIELDS

__all__ = [
    "CSV_FIELDS",
    "EXPORT_FORMAT",
    "IDEA_FIELDS",
    "PAIN_FIELDS",
    "Source",
    "export_csv",
    "neutralise",
    "read_csv",
    "read_json",
    "restore_cell",
]

EXPORT_FORMAT = "journeybot-export/1"
"""Written in every JSON export, so an import knows what it reads."""
PAIN_FIELDS = (*EDITABLE_PAIN_FIELDS, "reporter", "status", "created_at")
"""What an import reads of a pain point (a journey map needs only `text`)."""
IDEA_FIELDS = (
    "title",
    "rank",
    "score",
    "bucket",
    "quadrant",
    "needs_estimates",
    "teams",
    "pain_point_ids",
    "breakdown",
)
"""The ranked ideas in a CSV export: for reading in a spreadsheet; an import skips them."""
CSV_FIELDS = ("kind", "id", *PAIN_FIELDS, *IDEA_FIELDS)

# OWASP's list: a spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Return `cell` safe to open in a spreadsheet: a formula-like start gets a `'` prefix.

    A cell that already starts with quotes before such a character gets one more, so that
    `restore_cell` gives back exactly what was exported.
    """
    if cell.lstrip("'").startswith(_FORMULA_START):
        return "'" + cell
    return cell


def restore_cell(cell: str) -> str:
    """Undo `neutralise`: drop one leading `'` when the quotes lead to a formula-like start."""
    if cell.startswith("'") and cell.lstrip("'").startswith(_FORMULA_START):
        return cell[1:]
    return cell


def export_csv(data: dict[str, Any]) -> str:
    """Return `export_data` as CSV: one row per pain point, then one per ranked idea.

    Text cells a spreadsheet would run as a formula are neutralised (see `neutralise`).
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for pain in data["pain_points"]:
        writer.writerow(
            _cells({"kind": "pain_point", **{k: pain[k] for k in ("id", *PAIN_FIELDS)}})
        )
    for idea in data["ideas"]:
        if idea["rank"] is None:
            continue  # merged into another idea: only JSON keeps those
        writer.writerow(
            _cells(
                {
                    "kind": "idea",
                    "id": idea["id"],
                    "status": idea["status"],
                    "created_at": idea["created_at"],
                    "owning_team": idea["owning_team"],
                    **{k: idea[k] for k in IDEA_FIELDS},
                    "teams": ";".join(idea["teams"]),
                    "pain_point_ids": ";".join(map(str, idea["pain_point_ids"])),
                    "needs_estimates": "yes" if idea["needs_estimates"] else "no",
                }
            )
        )
    return buffer.getvalue()


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    # Numbers are journeybot's own; only text can carry someone's formula.
    return {
        k: neutralise(v) if isinstance(v, str) else ("" if v is None else v) for k, v in row.items()
    }


@dataclass
class Source:
    """What an import file holds: pain point rows (with their file line or position) and ideas."""

    pains: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(where, row): `where` is "line 12" in a CSV, "pain_points[3]" in JSON."""
    ideas: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    skipped_idea_rows: int = 0
    workspace: str | None = None


def read_csv(text: str) -> Source:
    """Return the rows of a CSV journey map or CSV export; raises InvalidInput with the line.

    Strict: a quote left open (to the end of the file, or followed by more text) is an
    error at the line where the row began, never rows merged into one.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    source = Source()
    started = 1
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput("line 1", "the file is empty; it needs a header row with `text`")
        columns = _header(header)
        started = reader.line_num + 1
        for cells in reader:
            line, started = started, reader.line_num + 1
            if not cells or cells == [""]:
                continue
            if len(cells) > len(columns):
                raise InvalidInput(f"line {line}", "more cells than the header has")
            row = {name: restore_cell(cell) for name, cell in zip(columns, cells, strict=False)}
            kind = row.pop("kind", "").strip().casefold() or "pain_point"
            if kind == "idea":
                source.skipped_idea_rows += 1
                continue
            if kind not in ("pain_point", "pain point", "pain"):
                raise InvalidInput(f"line {line}: kind", f"unknown kind {kind!r}; use pain_point")
            row.pop("id", None)
            for name in IDEA_FIELDS:
                row.pop(name, None)
            source.pains.append((f"line {line}", row))
    except csv.Error as e:
        # The row that broke began at `started`; a quote open at the end of the file is
        # reported where it was opened, not on the last line.
        if "unexpected end of data" in str(e):
            raise InvalidInput(
                f"line {started}", 'a quoted cell is never closed (a " is missing)'
            ) from None
        raise InvalidInput(f"line {reader.line_num}", str(e)) from None
    return source


def _header(cells: list[str]) -> list[str]:
    header = [h.strip().lower() for h in cells]
    twice = next((h for h in header if header.count(h) > 1), None)
    if twice is not None:
        raise InvalidInput("line 1", f"the column {twice!r} appears twice")
    if "text" not in header:
        raise InvalidInput("line 1", f"the header needs a `text` column (got {', '.join(header)})")
    known = ("kind", "id", *PAIN_FIELDS, "team", "evidence", *IDEA_FIELDS)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise InvalidInput(
            "line 1", f"unknown column {unknown[0]!r}; known: {', '.join(PAIN_FIELDS)}"
        )
    return header


def read_json(text: str) -> Source:
    """Return the records of a JSON export; raises InvalidInput naming where it is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"line {e.lineno}", f"not valid JSON: {e.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("pain_points", []), list):
        raise InvalidInput("file", "a JSON import is an object with `pain_points` and `ideas`")
    if data.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise InvalidInput("format", f"{data['format']!r} is not {EXPORT_FORMAT!r}")
    ideas = data.get("ideas", [])
    if not isinstance(ideas, list):
        raise InvalidInput("ideas", "must be a list")
    source = Source(
        workspace=data.get("workspace") if isinstance(data.get("workspace"), str) else None
    )
    for n, row in enumerate(data.get("pain_points", [])):
        if not isinstance(row, dict):
            raise InvalidInput(f"pain_points[{n}]", "must be an object")
        source.pains.append((f"pain_points[{n}]", row))
    for n, row in enumerate(ideas):
        if not isinstance(row, dict):
            raise InvalidInput(f"ideas[{n}]", "must be an object")
        source.ideas.append((f"ideas[{n}]", row))
    return source
