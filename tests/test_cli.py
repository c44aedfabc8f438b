"""The `journeybot` command line on a real database file, with no Slack or Notion credentials."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo import MARKER
from bot.services import Services
from prioritize.models import EvidenceSource
from storage.store import Store

T1 = "T0001"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(cli_db: Path) -> Path:
    """A database path in JOURNEYBOT_DB, and no credentials anywhere in sight."""
    return cli_db


@contextmanager
def three_teams(db: Path) -> Iterator[Services]:
    """Services on the database at `db`, with U1 in Sales, U2 in Engineering, U3 in Product;
    the database is closed after the block."""
    store = Store.open(db)
    s = Services(store, clock=lambda: NOW)
    for user, team in [("U1", "Sales"), ("U2", "Engineering"), ("U3", "Product")]:
        s.set_team(T1, user, team)
    try:
        yield s
    finally:
        store.close()


@pytest.fixture
def seeded(db: Path) -> Path:
    """A workspace with pain points and three ideas, one of them with enough estimates."""
    with three_teams(db) as s:
        checkout = s.log_pain_point(T1, "U1", "Checkout fails on mobile", stage="Purchase",
                                    severity=5).pain  # fmt: skip
        s.log_pain_point(T1, "U1", "Welcome email lands in spam", stage="Onboarding", severity=2)
        retry = s.propose_idea(T1, "U1", "Retry payments", pain_point_ids=[checkout.id])
        for user in ("U1", "U2", "U3"):
            s.record_estimate(T1, retry.id, user, impact=4, complexity=2, weeks=2)
        s.support(T1, retry.id, "U2")
        s.propose_idea(T1, "U2", "Dark mode", impact=2, complexity=3, weeks=1)
        s.propose_idea(T1, "U3", "Rewrite [the] billing", impact=5, complexity=5, weeks=20)
    return db


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def import_csv(tmp_path: Path, text: str) -> Any:
    """Write `text` to map.csv in `tmp_path` and import it into T1; return the result."""
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    return run("import", str(path), "--workspace", T1)


def import_refusal(tmp_path: Path, text: str) -> str:
    """Import `text` as map.csv, which must be refused; return the error after the file name."""
    result = import_csv(tmp_path, text)
    assert result.exit_code == 2
    said = result.stderr.strip()
    prefix = f"error: {tmp_path / 'map.csv'}: "
    assert said.startswith(prefix), said
    return said.removeprefix(prefix)


def stored_pain_points(db: Path) -> list[str]:
    store = Store.open(db)
    try:
        return [p.text for ws in store.workspaces() for p in store.pains.all(ws)]
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
    Store.open(db).close()
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
    assert rows[0]["text"] == "Checkout fails on mobile"
    assert (rows[0]["stage"], rows[0]["severity"], rows[0]["reporter"]) == ("Purchase", "5", "U1")
    retry = rows[2]
    assert (retry["title"], retry["rank"], retry["bucket"]) == (
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
    pains = store.pains.all(T1)
    store.close()
    assert [(p.stage, p.severity, p.source, p.owning_team) for p in pains] == [
        ("Consideration", 3, EvidenceSource.CUSTOMER_SAID, "Marketing"),
        ("Onboarding", 5, EvidenceSource.OBSERVED, "Engineering"),
        # No evidence given: unknown, never internal.
        ("Awareness", 3, None, None),
    ]


def test_import_reads_the_evidence_type_from_an_evidence_column(db, tmp_path):
    result = import_csv(tmp_path, "text,evidence\nExport is hidden,observed\nNo dark mode,\n")
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    pains = store.pains.all(T1)
    store.close()
    assert [p.source for p in pains] == [EvidenceSource.OBSERVED, None]


def test_import_reports_the_file_line_of_a_bad_row_and_imports_nothing(db, tmp_path):
    said = import_refusal(
        tmp_path,
        "text,stage,severity\n"
        "Pricing page is confusing,Consideration,3\n"
        "\n"
        '"A note that spans\ntwo lines",Purchase,4\n'
        "Checkout is slow,Purchase,high\n"
        "Fine row,Purchase,2\n",
    )
    assert said == "line 6: severity: 'high' is not a whole number; nothing was imported"
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
    result = import_csv(tmp_path, f"text,stage,severity\nGood row,Purchase,2\n{row}\n")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert stored_pain_points(db) == []


def test_import_refuses_a_file_without_a_text_column(db, tmp_path):
    result = import_csv(tmp_path, "title,stage\nCheckout fails,Purchase\n")
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
    (tmp_path / "map.csv").write_text("text\nCheckout fails\n", encoding="utf-8")
    result = run("import", str(tmp_path / "map.csv"), "--workspace", T1)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: JOURNEYBOT_DB: cannot open ")
    assert "Traceback" not in result.output


def test_a_negative_roadmap_limit_is_refused(seeded):
    result = run("roadmap", "--limit", "-1")
    assert result.exit_code == 2
    assert "--limit" in result.output


@pytest.mark.parametrize(
    "command",
    [["roadmap"], ["journey"], ["export"], ["export", "--format", "csv"], ["backup", "copy.db"]],
)
def test_read_only_commands_never_create_a_database(db, tmp_path, command):
    result = run(*command)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: JOURNEYBOT_DB: {db} does not exist;"
        " `journeybot run` or `journeybot import` creates it"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, no backup


def test_read_only_commands_leave_the_database_file_unchanged(seeded):
    before = seeded.read_bytes()
    for command in (["roadmap"], ["journey"], ["export"], ["export", "-f", "csv"]):
        assert run(*command).exit_code == 0
    assert seeded.read_bytes() == before


def test_a_file_that_is_not_a_journeybot_database_is_one_line(db, monkeypatch):
    db.write_text("a note, not a database " * 100, encoding="utf-8")
    result = run("roadmap")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: JOURNEYBOT_DB: cannot open {db}:")
    other = db.with_name("other.db")
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("create table notes (text)")
    monkeypatch.setenv("JOURNEYBOT_DB", str(other))
    result = run("journey")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: JOURNEYBOT_DB: {other} is not a journeybot database"


def test_backup_copies_a_database_that_another_process_has_open(seeded, tmp_path):
    writer = Store.open(seeded)  # as the running bot would
    try:
        result = run("backup", str(tmp_path / "copy.db"))
    finally:
        writer.close()
    assert result.exit_code == 0, result.output
    assert stored_pain_points(tmp_path / "copy.db") == stored_pain_points(seeded)


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
    result = import_csv(tmp_path, "text,stage,Text\nCheckout fails,Purchase,3\n")
    assert result.exit_code == 2
    assert "line 1: the column 'text' appears twice" in result.stderr
    assert stored_pain_points(db) == []


def test_demo_refuses_a_folder_holding_a_database_that_is_not_a_demos(seeded, tmp_path):
    before = seeded.read_bytes()
    result = run("demo", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path} holds files the demo did not write (journeybot.db); pass --out"
        " a new or empty folder"
    )
    assert result.stdout == ""
    assert seeded.read_bytes() == before


def test_demo_refuses_a_real_database_even_in_a_folder_marked_as_the_demos(seeded, tmp_path):
    (tmp_path / MARKER).write_text("", encoding="utf-8")
    before = seeded.read_bytes()
    result = run("demo", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {seeded} is not a demo database; pass --out a new or empty folder"
    )
    assert seeded.read_bytes() == before


def test_demo_refuses_a_folder_with_other_files_and_a_path_that_is_a_file(db, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("demo", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "holds files the demo did not write (notes.txt)" in result.stderr
    result = run("demo", "--out", str(tmp_path / "notes.txt"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'notes.txt'} is a file, not a folder; pass --out a new or empty folder"
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_console_script_runs_without_credentials(seeded):
    env = dict(os.environ)  # `db` removed every credential and kept JOURNEYBOT_DB
    assert "SLACK_BOT_TOKEN" not in env and "NOTION_TOKEN" not in env
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


# ---------------------------------------------------------------- export and import round trips


@pytest.fixture
def busy(db: Path) -> Path:
    """The seeded workspace plus what a week leaves behind: a +1 on a pain point, a Done
    idea whose pain point is Addressed, a merged duplicate, and typed text a spreadsheet
    would run as a formula."""
    with three_teams(db) as s:
        formula = s.log_pain_point(T1, "U1", '=HYPERLINK("http://x","refund") fails',
                                   stage="Purchase", severity=5).pain  # fmt: skip
        spam = s.log_pain_point(T1, "U2", "@here welcome email lands in spam", stage="Onboarding",
                                severity=2).pain  # fmt: skip
        s.log_pain_point(T1, "U3", "-5% conversion \U0001f469\u200d\U0001f4bb", stage="Retention")
        s.me_too(T1, "U3", spam.id)
        retry = s.propose_idea(T1, "U1", "+1 Retry payments", pain_point_ids=[formula.id])
        for user in ("U1", "U2", "U3"):
            s.record_estimate(T1, retry.id, user, impact=4, complexity=2, weeks=2)
        s.support(T1, retry.id, "U2")
        dark = s.propose_idea(T1, "U2", "Dark mode", impact=2, complexity=3, weeks=1,
                              pain_point_ids=[spam.id])  # fmt: skip
        s.change_status(T1, dark.id, "In progress", by="U2")
        s.change_status(T1, dark.id, "Done", by="U3", source="notion")
        dup = s.propose_idea(T1, "U3", "Retry payment", impact=5, complexity=4, weeks=3)
        s.merge(T1, dup.id, retry.id, by="U3")
        s.propose_idea(T1, "U3", "Rewrite [the] billing", impact=5, complexity=5, weeks=20)
        s.pin_bucket(T1, 4, "Next", by="U3")
    return db


def use_database(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("JOURNEYBOT_DB", str(path))


def test_a_json_export_imported_into_an_empty_database_gives_the_same_roadmap(
    busy, tmp_path, monkeypatch
):
    exported = tmp_path / "export.json"
    assert run("export", "-o", str(exported)).exit_code == 0
    before = {cmd: run(cmd).stdout for cmd in ("roadmap", "journey")}
    use_database(monkeypatch, tmp_path / "restored.db")
    result = run("import", str(exported))  # an empty database takes the file's workspace
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Imported 3 pain points and 4 ideas into workspace T0001."
    assert {cmd: run(cmd).stdout for cmd in ("roadmap", "journey")} == before
    again = tmp_path / "again.json"
    assert run("export", "-o", str(again)).exit_code == 0
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_a_json_export_keeps_estimates_supports_history_and_merges(busy):
    data = json.loads(run("export").stdout)
    by_title = {i["title"]: i for i in data["ideas"]}
    retry = by_title["+1 Retry payments"]
    # U3 estimated the duplicate too; the vote on the survivor is the one kept.
    assert [(e["voter"], e["team"], e["impact"]) for e in retry["estimates"]] == [
        ("U1", "Sales", 4), ("U2", "Engineering", 4), ("U3", "Product", 4)]  # fmt: skip
    assert [s["user"] for s in retry["supports"]] == ["U2"]
    history = by_title["Dark mode"]["status_history"]
    assert [(h["old"], h["new"], h["by"], h["source"]) for h in history] == [
        ("Proposed", "In progress", "U2", "slack"),
        ("In progress", "Done", "U3", "notion"),
    ]
    assert by_title["Retry payment"]["merged_into"] == retry["id"]
    assert by_title["Retry payment"]["rank"] is None
    assert by_title["Rewrite [the] billing"]["pinned_bucket"] == "Next"
    spam = next(p for p in data["pain_points"] if "spam" in p["text"])
    assert (spam["status"], [v["user"] for v in spam["me_too"]]) == ("Addressed", ["U3"])


def test_importing_the_same_json_twice_adds_nothing_the_second_time(busy, tmp_path, monkeypatch):
    exported = tmp_path / "export.json"
    run("export", "-o", str(exported))
    use_database(monkeypatch, tmp_path / "restored.db")
    assert run("import", str(exported)).exit_code == 0
    roadmap_once = run("roadmap").stdout
    result = run("import", str(exported))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Imported 0 pain points and 0 ideas into workspace T0001; 7 already imported."
    )
    assert run("roadmap").stdout == roadmap_once
    assert len(stored_pain_points(tmp_path / "restored.db")) == 3


def test_a_csv_export_imported_into_an_empty_database_gives_the_same_pain_points(
    busy, tmp_path, monkeypatch
):
    exported = tmp_path / "export.csv"
    assert run("export", "-f", "csv", "-o", str(exported)).exit_code == 0
    pains = json.loads(run("export").stdout)["pain_points"]
    use_database(monkeypatch, tmp_path / "restored.db")
    result = run("import", str(exported), "--workspace", T1)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Imported 3 pain points into workspace T0001;"
        " 3 idea rows skipped (ideas come back from a JSON export)."
    )
    restored = json.loads(run("export").stdout)["pain_points"]
    keep = ("id", "text", "stage", "touchpoint", "persona", "severity", "source", "link",
            "owning_team", "reporter", "status", "created_at")  # fmt: skip
    assert [{k: p[k] for k in keep} for p in restored] == [{k: p[k] for k in keep} for p in pains]
    again = run("import", str(exported), "--workspace", T1)
    assert "Imported 0 pain points into workspace T0001; 3 already imported" in again.stdout


def test_export_csv_neutralises_cells_a_spreadsheet_would_run_as_formulas(busy, tmp_path):
    exported = tmp_path / "export.csv"
    run("export", "-f", "csv", "-o", str(exported))
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    texts = [r["text"] for r in rows if r["kind"] == "pain_point"]
    assert texts == [
        '\'=HYPERLINK("http://x","refund") fails',
        "'@here welcome email lands in spam",
        "'-5% conversion \U0001f469\u200d\U0001f4bb",
    ]
    assert rows[3]["title"] == "'+1 Retry payments"
    assert rows[3]["score"][0].isdigit()  # journeybot's own numbers stay numbers


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=1", "''-1", "'plain", "plain", "", "'",
     "a=b", "don't"],
)  # fmt: skip
def test_a_neutralised_cell_reads_back_unchanged(cell):
    from bot.transfer import neutralise, restore_cell

    safe = neutralise(cell)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore_cell(safe) == cell


def test_an_import_with_an_unbalanced_quote_is_refused_with_the_line(db, tmp_path):
    said = import_refusal(
        tmp_path,
        'text,stage\nPricing is confusing,Consideration\n"Checkout fails,Purchase\n'
        "Invoices are missing,Retention\nSearch is slow,Purchase\n",
    )
    assert said == 'line 3: a quoted cell is never closed (a " is missing); nothing was imported'
    assert not db.exists()


def test_an_import_with_text_after_a_closing_quote_is_refused_with_the_line(db, tmp_path):
    said = import_refusal(tmp_path, 'text,stage\nFine,Purchase\n"Checkout" fails,Purchase\n')
    assert said == "line 3: ',' expected after '\"'; nothing was imported"


def test_a_journey_map_imported_twice_is_stored_once_and_repeated_rows_are_kept(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(
        "text,stage\nCheckout fails,Purchase\nCheckout fails,Purchase\nNo invoices,Retention\n",
        encoding="utf-8",
    )
    first = run("import", str(path), "--workspace", T1)
    assert first.stdout.strip() == "Imported 3 pain points into workspace T0001."
    second = run("import", str(path), "--workspace", T1)
    assert second.stdout.strip() == (
        "Imported 0 pain points into workspace T0001; 3 already imported."
    )
    assert stored_pain_points(db) == ["Checkout fails", "Checkout fails", "No invoices"]


AS_TYPED = [
    "\U0001f469\u200d\U0001f4bb fixes it",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "\u0915\u094d\u200d\u0937 \u0915\u094d\u200c\u0937",
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f flag",
]


def test_text_with_joiners_survives_import_sqlite_and_export_exactly(db, tmp_path):
    path = tmp_path / "map.csv"
    path.write_text("text\n" + "".join(f"{t}\n" for t in AS_TYPED), encoding="utf-8")
    assert run("import", str(path), "--workspace", T1).exit_code == 0
    assert stored_pain_points(db) == AS_TYPED
    assert [p["text"] for p in json.loads(run("export").stdout)["pain_points"]] == AS_TYPED
    with closing(sqlite3.connect(db)) as conn:
        assert [t for (t,) in conn.execute("select text from pain_points order by id")] == AS_TYPED


def test_a_bad_record_in_a_json_import_is_named_and_nothing_is_imported(
    busy, tmp_path, monkeypatch
):
    data = json.loads(run("export").stdout)
    data["ideas"][2]["estimates"] = [{"voter": "U9", "impact": 9}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    use_database(monkeypatch, tmp_path / "restored.db")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {path}: ideas[2].impact: Input should be less than or equal to 5;"
        " nothing was imported"
    )
    assert stored_pain_points(tmp_path / "restored.db") == []
    path.write_text('{"pain_points": [\n  {"text": "x",}\n]}', encoding="utf-8")
    result = run("import", str(path), "--workspace", T1)
    assert result.exit_code == 2
    assert "line 2: not valid JSON" in result.stderr


def test_an_import_writes_in_batches_that_leave_the_database_free_between_them(db, tmp_path):
    from bot.transfer import plan_import, read_csv, run_import

    Store.open(db).close()
    store = Store.open(db)
    services = Services(store, clock=lambda: NOW)
    source = read_csv("text\n" + "".join(f"Pain {n}\n" for n in range(5)))
    plan = plan_import(services, T1, source)
    seen: list[int] = []

    def another_writer() -> None:
        # As the bot would: its own connection, and no waiting for a lock.
        with closing(sqlite3.connect(db, timeout=0, isolation_level=None)) as conn:
            conn.execute("begin immediate")
            seen.append(conn.execute("select count(*) from pain_points").fetchone()[0])
            conn.execute("insert into meta (key, value) values (?, ?)", [f"k{len(seen)}", "v"])
            conn.execute("commit")

    report = run_import(services, T1, plan, batch_rows=2, between_batches=another_writer)
    store.close()
    assert (report.pain_points, report.already) == (5, 0)
    assert seen == [2, 4, 5]


def test_a_json_export_goes_back_into_the_workspace_it_names(busy, tmp_path):
    exported = tmp_path / "export.json"
    run("export", "-o", str(exported))
    other = Services(Store.open(busy), clock=lambda: NOW)
    other.log_pain_point("T0002", "U7", "Another workspace's pain point")
    other.store.close()
    result = run("import", str(exported))
    assert result.stdout.strip() == (
        "Imported 0 pain points and 0 ideas into workspace T0001; 7 already imported."
    )
    result = run("import", str(exported), "--workspace", "T0002")
    assert result.stdout.strip() == "Imported 3 pain points and 4 ideas into workspace T0002."
    assert "Retry payments" in run("roadmap", "-w", "T0002").stdout
    t1 = json.loads(run("export", "-w", T1).stdout)
    t2 = json.loads(run("export", "-w", "T0002").stdout)
    assert [i["title"] for i in t2["ideas"]] == [i["title"] for i in t1["ideas"]]
    assert [i["breakdown"] for i in t2["ideas"]] == [i["breakdown"] for i in t1["ideas"]]


def test_a_json_import_refuses_ideas_merged_into_each_other_or_into_nothing(
    busy, tmp_path, monkeypatch
):
    data = json.loads(run("export").stdout)
    ideas = {i["title"]: i for i in data["ideas"]}
    ideas["Dark mode"]["merged_into"] = ideas["Retry payment"]["id"]
    ideas["Retry payment"]["merged_into"] = ideas["Dark mode"]["id"]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    use_database(monkeypatch, tmp_path / "restored.db")
    result = run("import", str(path))
    assert result.exit_code == 2
    assert "merged_into: the ideas are merged into each other; nothing was imported" in (
        result.stderr
    )
    ideas["Dark mode"]["merged_into"] = 99
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("import", str(path))
    assert "merged_into: no idea #99 in the file; nothing was imported" in result.stderr
    assert stored_pain_points(tmp_path / "restored.db") == []
