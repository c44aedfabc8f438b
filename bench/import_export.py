"""Benchmark: import a large journey map while another process keeps writing, and export.

    .venv/bin/python bench/import_export.py                 # 20,000 pain points
    .venv/bin/python bench/import_export.py --rows 2000     # a quick look

Measured on fresh databases in a temporary folder, each beside a second process that
writes a row every 20 ms, as the running bot would (its own connection, SQLite's busy
timeout), and records how long each of its writes waited:

1. the baseline: every row in one transaction (`Services.import_pain_points`),
2. `journeybot import`'s path: check every row, then write 500 to a transaction,
3. the same file imported again (every row already there),
4. `journeybot export` of the result as JSON and as CSV.

This is not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import Services  # noqa: E402
from bot.transfer import export_csv, export_data, plan_import, read_csv, run_import  # noqa: E402
from storage.store import Store  # noqa: E402

T1 = "T0001"
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STAGES = ("Awareness", "Consideration", "Purchase", "Onboarding", "Retention")

# The other writer: one short transaction every 20 ms for as long as its stdin is open;
# prints the waits (ms) of its writes when told to stop.
WRITER = """
import sqlite3, sys, threading, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
waits = []
n = 0
while not stop.is_set():
    started = time.perf_counter()
    conn.execute("begin immediate")
    conn.execute("insert or replace into meta (key, value) values (?, ?)", ["bench", str(n)])
    conn.execute("commit")
    waits.append((time.perf_counter() - started) * 1000)
    n += 1
    time.sleep(0.02)
print(" ".join(f"{w:.2f}" for w in waits))
"""


def journey_map(rows: int) -> str:
    lines = ["text,stage,severity,reporter"]
    for n in range(rows):
        lines.append(f"Pain point number {n} at the checkout,{STAGES[n % 5]},{n % 5 + 1},U{n % 50}")
    return "\n".join(lines) + "\n"


def fresh(folder: Path, name: str) -> Path:
    path = folder / name
    Store.open(path).close()
    return path


def beside_a_writer(path: Path, work):
    """Run `work()` while another process writes; return its result, seconds and the waits."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.3)  # let it start writing
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    time.sleep(0.1)
    out, _ = writer.communicate("", timeout=60)
    waits = [float(w) for w in out.split()]
    return result, seconds, waits


def describe(label: str, seconds: float, waits: list[float]) -> None:
    waits = sorted(waits)
    p99 = waits[int(len(waits) * 0.99) - 1] if len(waits) >= 100 else waits[-1]
    print(
        f"{label:<44} {seconds:7.2f} s   other writer: {len(waits):4d} writes,"
        f" median wait {statistics.median(waits):7.1f} ms, p99 {p99:7.1f} ms,"
        f" longest {waits[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    text = journey_map(args.rows)
    print(f"journey map of {args.rows:,} rows; Python {sys.version.split()[0]},"
          f" SQLite {sqlite3.sqlite_version}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        path = fresh(folder, "baseline.db")
        services = Services(Store.open(path), clock=lambda: NOW)
        rows = [row for _, row in read_csv(text).pains]
        _, seconds, waits = beside_a_writer(path, lambda: services.import_pain_points(T1, rows))
        services.store.close()
        describe("baseline: one transaction", seconds, waits)

        path = fresh(folder, "batched.db")
        services = Services(Store.open(path), clock=lambda: NOW)

        def batched():
            plan = plan_import(services, T1, read_csv(text))
            return run_import(services, T1, plan)

        report, seconds, waits = beside_a_writer(path, batched)
        describe(f"import: checked, then batches of 500 ({report.pain_points:,})", seconds, waits)
        report, seconds, waits = beside_a_writer(path, batched)
        describe(f"the same file again ({report.already:,} already)", seconds, waits)

        started = time.perf_counter()
        data = export_data(services, T1)
        json_seconds = time.perf_counter() - started
        started = time.perf_counter()
        export_csv(data)
        csv_seconds = time.perf_counter() - started
        services.store.close()
        print(f"{'export: JSON data / CSV text':<44} {json_seconds:7.2f} s / {csv_seconds:.2f} s")


if __name__ == "__main__":
    main()
