"""The demo's output folder: what it may replace, and the files it writes at the end.

A folder is the demo's only when it carries the demo's marker file; anything else in it,
and any database that is not the demo's own, is never deleted or replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from prioritize.config import InvalidInput
from storage.store import Store, open_database

from ..sandbox.notion import NotionEmulator
from ..sandbox.slack import SlackEmulator
from . import script
from .clock import FolderInUse
from .html import render_page
from .transcript import transcript

__all__ = ["DEMO_META", "MARKER", "OUTPUTS", "check_out_dir", "fresh", "write_outputs"]

OUTPUTS = ("journeybot.db", "roadmap.html", "digest-chart.png", "slack-transcript.md")
MARKER = ".journeybot-demo"
"""The file that says a folder's contents were written by the demo."""
DEMO_META = "demo"
"""The meta key that marks the demo's own database, so a real one is never replaced."""
# SQLite's own files beside the database, written by the demo when it wrote the database.
_SIDE_FILES = ("journeybot.db-wal", "journeybot.db-shm", "journeybot.db-journal")


def fresh(out_dir: Path) -> None:
    """Make `out_dir` ready for a new week, removing only what an earlier demo wrote there.

    Raises FolderInUse, having changed nothing, when `out_dir` holds anything else (see
    `check_out_dir`).
    """
    check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text(
        "journeybot demo writes this folder and replaces what it wrote on its next run:\n"
        + "".join(f"{name}\n" for name in OUTPUTS),
        encoding="utf-8",
    )
    for name in (*OUTPUTS, *_SIDE_FILES):
        (out_dir / name).unlink(missing_ok=True)


def check_out_dir(out_dir: Path) -> None:
    """Raise FolderInUse unless `out_dir` is missing, empty, or holds only a demo's files.

    A file the demo does not write, or a `journeybot.db` that is not the demo's, is never
    deleted or replaced.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FolderInUse(f"{out_dir} is a file, not a folder; pass --out a new or empty folder")
    # Only a folder the demo marked as its own may hold the demo's file names: without the
    # marker, a `journeybot.db` there is somebody's database.
    ours = {MARKER, *OUTPUTS, *_SIDE_FILES} if (out_dir / MARKER).is_file() else set()
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in ours or not p.is_file())
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise FolderInUse(
            f"{out_dir} holds files the demo did not write ({shown}); pass --out a new or"
            " empty folder"
        )
    database = out_dir / "journeybot.db"
    if database.exists() and not _is_demo_database(database):
        raise FolderInUse(f"{database} is not a demo database; pass --out a new or empty folder")


def _is_demo_database(path: Path) -> bool:
    try:
        store = Store(open_database(path, readonly=True))
    except InvalidInput:
        return False
    try:
        return store.meta.get(DEMO_META) is not None
    finally:
        store.close()


def write_outputs(
    out_dir: Path,
    slack: SlackEmulator,
    notion: NotionEmulator,
    people: Mapping[str, script.Person],
) -> None:
    """Write the Slack transcript and the Notion roadmap as HTML into `out_dir`."""
    names = {p.id: f"@{p.name.split()[0]}" for p in people.values()}

    def name_of(some_id: str) -> str:
        if some_id in names:
            return names[some_id]
        channel = slack.channel_name(some_id)
        return f"#{channel}" if channel else some_id

    (out_dir / "slack-transcript.md").write_text(
        # The private answers to slash commands and buttons go to response_urls, not the
        # Web API: merged in by time, so the transcript shows what each person saw.
        transcript(
            sorted([*slack.calls, *slack.response_calls], key=lambda c: c.at), name_of=name_of
        ),
        encoding="utf-8",
    )
    (out_dir / "roadmap.html").write_text(_roadmap_html(notion), encoding="utf-8")


def _roadmap_html(notion: NotionEmulator) -> str:
    root = notion.root_page_id
    summary = None
    roadmap_source = None
    for block in notion.blocks(root):
        if (
            block.get("type") == "child_page"
            and "roadmap" in block["child_page"].get("title", "").lower()
        ):
            summary = block
        if (
            block.get("type") == "child_database"
            and "roadmap" in block["child_database"].get("title", "").lower()
        ):
            database = notion.database(block["id"])
            if database and database.get("data_sources"):
                roadmap_source = database["data_sources"][0]["id"]
    summary_blocks = notion.blocks(summary["id"]) if summary else []
    pages = notion.pages(roadmap_source) if roadmap_source else []
    return render_page(
        title="Journey roadmap",
        summary_blocks=summary_blocks,
        children=notion.blocks,
        roadmap_pages=pages,
    )
