"""Export a workspace as CSV or JSON, and import those files (or a journey map) back.

An export holds every field an import reads, so an export imported into an empty database
gives the same roadmap. `files` reads and writes the two formats (with spreadsheet-safe
CSV cells), `export` gathers a workspace, `restore` checks and writes an import.
"""

from __future__ import annotations

from .export import export_data
from .files import (
    CSV_FIELDS,
    EXPORT_FORMAT,
    export_csv,
    neutralise,
    read_csv,
    read_json,
    restore_cell,
)
from .restore import BATCH_ROWS, ImportPlan, ImportReport, plan_import, run_import

__all__ = [
    "BATCH_ROWS",
    "CSV_FIELDS",
    "EXPORT_FORMAT",
    "ImportPlan",
    "ImportReport",
    "export_csv",
    "export_data",
    "neutralise",
    "plan_import",
    "read_csv",
    "read_json",
    "restore_cell",
    "run_import",
]
