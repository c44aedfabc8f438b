"""The `journeybot` command line on a real database file, with no Slack or Notion credentials."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services
from prioritize.models import EvidenceSource
from storage.store import Store

T1 = "T0001"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CREDENTIALS = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "NOTION_TOKEN",
    "NOTION_PARENT_PAGE_ID",
    "JOURNEYBOT_CONFIG",
]


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A database path in JOURNEYBOT_DB, and no credentials anywhere in sight."""
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "journeybot.db"
    monkeypatch.setenv("JOURNEYBOT_DB", str(path))
    monkeypatch.setenv("COLUMNS", "200")
    return path


@pytest.fixture
def seeded(db: Path) -> Path:
    """A workspace with pain points and three ideas, one of them with enough estimates."""
    store = Store.open(db)
    s = Services(store, clock=lambda: NOW)
    for user, team in [("U1", "Sales"), ("U2", "Engineering"), ("U3", "Product")]:
        s.set_team(T1, user, team)
    checkout = s.log_pain_point(T1, "U1", "Checkout fails on mobile", stage="Purchase",
                                severity=5).pain  # fmt: skip
    s.log_pain_point(T1, "U1", "Welcome email lands in spam", stage="Onboarding", severity=2)
    retry = s.propose_idea(T1, "U1", "Retry payments", pain_point_ids=[checkout.id])
    for user in ("U1", "U2", "U3"):
        s.record_estimate(T1, retry.id, user, impact=4, complexity=2, weeks=2)
    s.support(T1, retry.id, "U2")
    s.propose_idea(T1, "U2", "Dark mode", impact=2, complexity=3, weeks=1)
    s.propose_idea(T1, "U3", "Rewrite [the] billing", impact=5, complexity=5, weeks=20)
    store.close()
    return db


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def stored_pain_points(db: Path) -> list[str]:
    store = Store.open(db)
    try:
        return [p.text for ws in store.workspaces() for p in store.pain_points(ws)]
    finally:
        store.close()


def test_roadmap_prints_the_ranked_ideas(seeded):
    result = run("roadmap")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("#1 Retry payments") < out.index("billing") < out.index("Dark mode")
    assert "Rewrite [the] billing" in out  # people's brackets are not Rich markup
    assert "Now" in out and "needs estimates" in out
    assert "Sales" in out and "Engineering" in out


def test_roadmap_limit_shows_the_top_ideas(seeded):
    result = run("roadmap", "--limit", "1")
    assert "Retry payments" in result.stdout
    assert "Dark mode" not in result.stdout


def test_roadmap_of_an_empty_database_says_so(db):
    result = run("roadmap")
    assert result.exit_code == 0
    assert "No ideas yet" in result.stdout


def test_journey_prints_stage_heat_and_the_weakest_stage(seeded):
    result = run("journey")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    purchase = next(line for line in lines if "Purchase" in line)
    onboarding = next(line for line in lines if "Onboarding" in line)
    assert purchase.split("│")[2].strip() == "1"  # one open pain point
    assert "weakest" in onboarding  # its pain is the only one no idea addresses


def test_export_json_holds_pain_points_and_ranked_ideas(seeded):
    result = run("export", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["text"] for p in data["pain_points"]] == [
        "Checkout fails on mobile",
        "Welcome email lands in spam",
    ]
    first = data["ideas"][0]
    assert (first["rank"], first["title"], first["bucket"]) == (1, "Retry payments", "Now")
    assert first["needs_estimates"] is False
    assert first["teams"] == ["Engineering", "Product", "Sales"]
    assert first["breakdown"].startswith(f"{first['score']:g} = impact 4/5")
    assert [i["rank"] for i in data["ideas"]] == [1, 2, 3]


def test_export_csv_has_one_row_per_pain_point_and_idea(seeded, tmp_path):
    result = run("export", "--format", "csv", "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))
    assert [r["kind"] for r in rows] == ["pain_point"] * 2 + ["idea"] * 3
    retry = rows[2]
    assert (retry["title_or_text"], retry["rank"], retry["bucket"]) == (
        "Retry payments",
        "1",
        "Now",
    )
    assert retry["teams"] == "Engineering;Product;Sales"
    assert retry["pain_point_ids"] == "1"


def test_import_loads_every_row_of_a_good_file(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(
        "\ufefftext,Stage,severity,source,owning_team\n"
        "Pricing page is confusing,consideration,3,customer said,marketing\n"
        '"Setup wizard, step 3, loses data",Onboarding,5,observed,Engineering\n'
        "\n"
        "No invoice download,,,,\n",
        encoding="utf-8",
    )
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 0, result.output
    assert "Imported 3 pain points into workspace T0001." in result.stdout
    store = Store.open(db)
    pains = store.pain_points(T1)
    store.close()
    assert [(p.stage, p.severity, p.source, p.owning_team) for p in pains] == [
        ("Consideration", 3, EvidenceSource.CUSTOMER_SAID, "Marketing"),
        ("Onboarding", 5, EvidenceSource.OBSERVED, "Engineering"),
        # No evidence given: unknown, never internal.
        ("Awareness", 3, None, None),
    ]


def test_import_reads_the_evidence_type_from_an_evidence_column(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("text,evidence\nExport is hidden,observed\nNo dark mode,\n", encoding="utf-8")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    pains = store.pain_points(T1)
    store.close()
    assert [p.source for p in pains] == [EvidenceSource.OBSERVED, None]


def test_import_reports_the_file_line_of_a_bad_row_and_imports_nothing(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(
        "text,stage,severity\n"
        "Pricing page is confusing,Consideration,3\n"
        "\n"
        '"A note that spans\ntwo lines",Purchase,4\n'
        "Checkout is slow,Purchase,high\n"
        "Fine row,Purchase,2\n",
        encoding="utf-8",
    )
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {path}: line 6: severity: 'high' is not a whole number; nothing was imported"
    )
    assert stored_pain_points(db) == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,Nowhere,3", "line 3: stage: unknown journey stage 'Nowhere'"),
        ("x,Purchase,9", "line 3: severity: Input should be less than or equal to 5"),
        (",Purchase,3", "line 3: text: must not be empty"),
        ("\u200b,Purchase,3", "line 3: text: must not be empty"),
        ("x,Purchase,3,extra", "line 3: more cells than the header has"),
        ("[/]odd,[/]Nowhere,3", "line 3: stage: unknown journey stage '[/]Nowhere'"),
    ],
)
def test_import_names_the_line_and_the_field_of_a_bad_row(db, tmp_path, row, message):
    path = tmp_path / "map.csv"
    path.write_text(f"text,stage,severity\nGood row,Purchase,2\n{row}\n", encoding="utf-8")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert stored_pain_points(db) == []


def test_import_refuses_a_file_without_a_text_column(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("title,stage\nCheckout fails,Purchase\n", encoding="utf-8")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert "line 1: the header needs a `text` column (got title, stage)" in result.stderr


def test_import_refuses_a_file_that_is_not_utf8(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_bytes("text,stage\nCaf\u00e9 checkout,Purchase\n".encode("latin-1"))
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path} is not UTF-8 text"
    assert stored_pain_points(db) == []


def test_import_into_an_empty_database_asks_for_the_workspace(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("text\nCheckout fails\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert "pass --workspace" in result.stderr


def test_a_bad_setting_is_one_line_and_exit_code_2(db, monkeypatch):
    monkeypatch.setenv("JOURNEYBOT_CONFIG", "missing.toml")
    result = run("roadmap")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: JOURNEYBOT_CONFIG: missing.toml does not exist"


def test_a_database_path_that_cannot_be_created_is_one_line(db, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("JOURNEYBOT_DB", str(tmp_path / "a-file" / "journeybot.db"))
    result = run("roadmap")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: JOURNEYBOT_DB: cannot open ")
    assert "Traceback" not in result.output


def test_a_negative_roadmap_limit_is_refused(seeded):
    result = run("roadmap", "--limit", "-1")
    assert result.exit_code == 2
    assert "--limit" in result.output


def test_export_to_a_folder_that_does_not_exist_is_one_line(seeded, tmp_path):
    target = tmp_path / "missing" / "roadmap.csv"
    result = run("export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: cannot write {target}")


def test_a_backup_that_cannot_be_written_is_one_line(seeded, tmp_path):
    target = tmp_path / "missing" / "backup.db"
    result = run("backup", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: cannot write the backup to {target}")


def test_import_refuses_a_column_given_twice(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("text,stage,Text\nCheckout fails,Purchase,3\n", encoding="utf-8")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert "line 1: the column 'text' appears twice" in result.stderr
    assert stored_pain_points(db) == []


def test_the_console_script_runs_without_credentials(seeded):
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    script = Path(sys.executable).with_name("journeybot")
    done = subprocess.run(
        [str(script), "export", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ideas"][0]["title"] == "Retry payments"
