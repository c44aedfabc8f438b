"""The README's demo walkthrough says what the demo's full week actually produces."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from bot.demo import run_demo
from prioritize.scoring import score

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(
    r"^\s*(\d+) │\s*([\d.]+)(\*?) │ (\w+)\s*│ ([\w -]+?)\s*│ ([\w' ]+?)\s*│ #(\d+) (.+?)\s*$"
)
WHY = re.compile(r"^\s*(\d+)\. (#\d+ .*)$")


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### The demo, step by step", 1)[1]
    return section.split("```text", 1)[1].split("```", 1)[0]


def why_lines(block: str) -> dict[int, str]:
    """Return each numbered "Why" paragraph of the README block, its lines joined."""
    out: dict[int, str] = {}
    current: int | None = None
    for line in block.splitlines():
        if match := WHY.match(line):
            current = int(match.group(1))
            out[current] = match.group(2)
        elif current is not None and line.startswith("     "):
            out[current] += " " + line.strip()
        else:
            current = None
    return out


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    out = tmp_path_factory.mktemp("readme-demo")
    quiet = Console(file=io.StringIO(), width=100)
    result = run_demo(out, console=quiet, notion_rate=30, keep_running=True)
    yield result
    result.slack.stop()
    result.notion.stop()
    result.services.store.close()


def test_every_roadmap_row_the_readme_shows_is_the_demos(week):
    entries = [e for e in week.services.roadmap(week.team_id) if e.idea.status.is_active]
    rows = [ROW.match(line) for line in walkthrough().splitlines()]
    rows = [r for r in rows if r]
    assert len(rows) >= 4
    for row in rows:
        rank, value, needs, bucket, quadrant, status, idea_id, title = row.groups()
        entry = entries[int(rank) - 1]
        assert entry.idea.id == int(idea_id), row.group(0)
        assert entry.idea.title.startswith(title.rstrip("…")), row.group(0)
        assert float(value) == entry.score.value, row.group(0)
        assert bool(needs) == entry.score.needs_estimates
        assert entry.item.bucket is not None and entry.item.bucket.value == bucket
        assert entry.score.quadrant is not None and entry.score.quadrant.value == quadrant
        assert entry.idea.status.value == status


def test_every_why_line_the_readme_shows_is_the_demos_breakdown(week):
    entries = [e for e in week.services.roadmap(week.team_id) if e.idea.status.is_active]
    lines = why_lines(walkthrough())
    assert len(lines) >= 2
    for rank, shown in lines.items():
        entry = entries[rank - 1]
        teams = ", ".join(entry.score.facts.consensus.teams)
        actual = f"#{entry.idea.id} ({teams}) {entry.breakdown}"
        # "[...]" and "..." stand for a part the README leaves out; the rest must match.
        pieces = [p.strip() for p in re.split(r"\[\.\.\.\]|\.\.\.", shown)]
        at = 0
        for piece in pieces:
            found = actual.find(piece, at)
            assert found >= 0, f"{piece!r} is not in {actual!r}"
            at = found + len(piece)


def test_the_readme_prose_about_sso_and_index_uploads_is_true(week):
    roadmap = {e.idea.title: e for e in week.services.roadmap(week.team_id)}
    sso = next(e for t, e in roadmap.items() if t.startswith("Self-serve SSO"))
    uploads = next(e for t, e in roadmap.items() if t.startswith("Index uploads"))
    first_run = next(e for t, e in roadmap.items() if t.startswith("A first-run checklist"))
    c = sso.score.facts.consensus
    assert sso.item.bucket is not None and sso.item.bucket.value == "Next"
    assert (c.impact, c.complexity, round(c.weeks or 0)) == (3, 4, 9)
    assert c.disagreement == "impact: Sales say 5, Engineering say 1"
    # The weighted score uses the medians as they are: the disagreement does not lower it.
    agreed = dataclasses.replace(
        sso.score.facts, consensus=dataclasses.replace(c, disagreement=None)
    )
    assert score(agreed, week.services.journey.scoring).value == sso.score.value
    assert uploads.score.value > sso.score.value
    assert uploads.item.bucket is not None and uploads.item.bucket.value == "Later"
    assert uploads.score.needs_estimates and uploads.score.facts.consensus.count == 2
    assert first_run.idea.status.value == "In progress"
