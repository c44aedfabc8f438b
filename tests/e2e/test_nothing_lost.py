"""Nothing acknowledged is lost: a real `journeybot run` while another process holds the
database's write lock for 30 s, or while the disk is full. Every action is stored exactly
once, or its author was told "Not saved"; answers stay inside Slack's 3 seconds."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bot_process import start_bot
from helpers import wait_for

from bot.sandbox.slack import BotReply, SlackEmulator, Workspace, plain_text_value
from bot.services import Services
from bot.slack.ids import Action
from storage.store import Store

SECRET = "nothing-lost-signing-secret"
TEAM = "T0001"
CHANNEL = "C0ROADMAP"
SLACK_WINDOW = 3.0
HOLD_SECONDS = 30.0
"""How long the other process holds the write lock: the issue's number, kept as is."""
PEOPLE = [f"U0P{i:03d}" for i in range(120)]


def _wait(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    return wait_for(predicate, timeout, every=0.05)


@dataclass
class Done:
    """One thing a person did, and what they were answered."""

    kind: str
    user: str
    text: str
    reply: BotReply
    took: float


@dataclass
class Running:
    """A `journeybot run` subprocess and the workspace around it."""

    process: subprocess.Popen[bytes]
    people: Workspace
    slack: SlackEmulator
    db: Path
    """The database as this test process sees it."""
    log: Path
    idea_id: int
    card_ts: str
    actions: list[Done] = field(default_factory=list)

    def act(self, kind: str, user: str, text: str = "") -> Done:
        """Do one thing as `user`; record the answer and how long it took."""
        started = time.monotonic()
        if kind == "pain":
            reply = self.people.slash(user, "/pain", text)
        elif kind == "thread":
            message = self.slack.post_as_user(user, CHANNEL, text, thread_ts=self.card_ts)
            reply = self.people.event(message)
        elif kind == "button":
            reply = self.people.block_action(
                user, Action.IDEA_SUPPORT, str(self.idea_id), channel=CHANNEL,
                message_ts=self.card_ts,
            )  # fmt: skip
        elif kind == "reaction":
            reply = self.people.react(user, CHANNEL, self.card_ts)
        else:
            raise ValueError(kind)
        done = Done(kind, user, text, reply, time.monotonic() - started)
        self.actions.append(done)
        return done

    def stop(self) -> str:
        """Stop the bot with SIGTERM; return what it logged."""
        self.process.terminate()
        self.process.wait(20)
        return self.log.read_text()


def _prepare(workdir: Path, db: Path) -> int:
    """Write the config and a database holding one idea; return its id."""
    (workdir / "journeybot.toml").write_text(
        f'[slack]\nroadmap_channel = "{CHANNEL}"\ncard_update_delay = 0.2\n'
    )
    store = Store.open(db)
    try:
        return Services(store).propose_idea(TEAM, "U0P000", "Retry failed payments").id or 0
    finally:
        store.close()


_NAMESPACE: dict[Path, int] = {}
"""Databases that live in a bot's own mount namespace: path -> the bot's pid."""

_READ = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
print(json.dumps(conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))
"""


def _read(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the rows of a query on `db`, wherever the bot's mount namespace put it."""
    pid = _NAMESPACE.get(db)
    if pid is not None:
        # SQLite resolves /proc/<pid>/root to "/" of this namespace: read from inside.
        enter = [shutil.which("nsenter") or "nsenter", "--target", str(pid), "--mount"]
        out = subprocess.run(
            [*enter, sys.executable, "-c", _READ, str(db), sql, json.dumps(params)],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        return [tuple(row) for row in json.loads(out)]
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(users={u: {"name": u.lower()} for u in PEOPLE}) as emulator:
        yield emulator


@pytest.fixture
def running(slack: SlackEmulator, tmp_path: Path) -> Iterator[Running]:
    db = tmp_path / "journeybot.db"
    idea_id = _prepare(tmp_path, db)
    process, url, log = start_bot(slack, tmp_path, secret=SECRET)
    try:
        card = _wait(lambda: _read(db, "select card_ts from ideas where id = ?", (idea_id,))[0][0])
        yield Running(process, Workspace(slack, url, SECRET), slack, db, log, idea_id, card)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _one_round(bot: Running, who: Iterator[str], n: int) -> None:
    """Each kind of write once, each by a new person (so each answer is theirs alone)."""
    bot.act("pain", next(who), f"Lock test pain point {n}: exports stall")
    bot.act("thread", next(who), "+1")
    bot.act("thread", next(who), "i4 c2")
    bot.act("button", next(who))
    bot.act("reaction", next(who))


def _stored(bot: Running, action: Done) -> int:
    """How many times the database holds `action` (0 or 1 when nothing is duplicated)."""
    if action.kind == "pain":
        return _read(bot.db, "select count(*) from pain_points where text = ?", (action.text,))[0][
            0
        ]
    if action.kind == "thread" and action.text != "+1":
        return _read(
            bot.db,
            "select count(*) from estimates where idea_id = ? and voter = ?",
            (bot.idea_id, action.user),
        )[0][0]
    return _read(
        bot.db,
        "select count(*) from supports where idea_id = ? and user = ?",
        (bot.idea_id, action.user),
    )[0][0]


def _check_every_action(bot: Running, actions: list[Done]) -> tuple[int, int]:
    """Assert each action is stored once or its author was told; return (stored, told)."""
    stored = told = 0
    for action in actions:
        assert action.reply.status == 200, action
        assert action.took < SLACK_WINDOW, action
        times = _stored(bot, action)
        assert times <= 1, action
        if times == 1:
            stored += 1
        else:
            assert _told(bot, action.user), f"{action} was neither stored nor refused"
            told += 1
    return stored, told


def _told(bot: Running, user: str) -> bool:
    for action in bot.actions:
        if action.user == user and "Not saved" in action.reply.body:
            return True
    texts = [json.dumps(e) for e in bot.slack.ephemerals(user)]
    texts += [json.dumps(m) for m in bot.slack.dms(user)]
    return any("Not saved" in t for t in texts)


def test_thirty_seconds_of_a_held_write_lock_loses_no_acknowledged_action(
    running: Running,
) -> None:
    bot = running
    who = iter(PEOPLE[1:])  # a new person for each action, so each answer is theirs
    holder = sqlite3.connect(bot.db, isolation_level=None, timeout=10)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for HOLD_SECONDS
    held_at = time.monotonic()
    reads: list[float] = []
    n, longest = 0, 0.0
    try:
        # Rounds of actions for as long as one more fits inside the hold.
        while time.monotonic() - held_at + longest < HOLD_SECONDS:
            round_started = time.monotonic()
            _one_round(bot, who, n)
            n += 1
            # Reads answer at once: the roadmap and an options search.
            started = time.monotonic()
            search = bot.people.post_interaction(
                {
                    "type": "block_suggestion",
                    "user": {"id": "U0P000", "team_id": TEAM},
                    "team": {"id": TEAM, "domain": "sandbox"},
                    "api_app_id": "A0001",
                    "action_id": Action.PAIN_SEARCH,
                    "block_id": "any",
                    "value": "payments",
                }
            )
            reads.append(time.monotonic() - started)
            assert search.status == 200 and "options" in search.json()
            before = len(bot.slack.responses())
            started = time.monotonic()
            assert bot.people.slash("U0P000", "/roadmap").status == 200
            _wait(lambda: len(bot.slack.responses()) > before, timeout=SLACK_WINDOW)  # noqa: B023
            reads.append(time.monotonic() - started)
            longest = max(longest, time.monotonic() - round_started)
        during = list(bot.actions)
        while time.monotonic() - held_at < HOLD_SECONDS:
            time.sleep(0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # A read that waited for the lock would take the writer's whole 2 s wait.
    assert max(reads) < 1.5, reads
    assert all("Not saved" in a.reply.body for a in during if a.kind == "pain")

    # After the lock is released: everything works again and catches up.
    after = len(bot.actions)
    _one_round(bot, who, n)
    _wait(lambda: _read(bot.db, "select count(*) from outbox where state != 'done'")[0][0] == 0)
    time.sleep(0.5)  # answers queued after the acks
    stored, told = _check_every_action(bot, bot.actions)
    assert told >= len(during)  # every write during the hold waited 2 s and was refused
    assert all(_stored(bot, a) == 1 for a in bot.actions[after:])
    assert stored == len(bot.actions) - after
    card = bot.slack.message(CHANNEL, bot.card_ts) or {}
    supporters = _read(bot.db, "select count(*) from supports where idea_id = ?", (bot.idea_id,))
    assert f"*Supporters*\\n{supporters[0][0]}" in json.dumps(card.get("blocks"))
    logs = bot.stop()
    assert "Traceback" not in logs


def _can_mount_tmpfs() -> str | None:
    """Why a small filesystem cannot be made here, or None when it can."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no unshare"
    probe = subprocess.run(
        [unshare, "--mount", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
    )
    if probe.returncode != 0:
        return f"a mount namespace with a tmpfs is not permitted: {probe.stderr.decode().strip()}"
    return None


def test_a_full_disk_loses_no_acknowledged_action_and_catches_up_once_space_is_freed(
    slack: SlackEmulator, tmp_path: Path
) -> None:
    if (why := _can_mount_tmpfs()) is not None:
        pytest.skip(why)
    data = tmp_path / "data"
    data.mkdir()
    # The database goes on a 2 MB filesystem of the bot's own (a mount namespace): this test
    # reaches it through /proc/<pid>/root, as the bot sees it.
    script = 'mount -t tmpfs -o size=2m tmpfs "$0" && exec "$@"'
    if shutil.which("nsenter") is None:
        pytest.skip("no nsenter to read the database inside the bot's mount namespace")
    wrap = [shutil.which("unshare") or "unshare", "--mount", "sh", "-c", script, str(data)]
    (tmp_path / "journeybot.toml").write_text(
        f'[slack]\nroadmap_channel = "{CHANNEL}"\ncard_update_delay = 0.2\n'
    )
    process, url, log = start_bot(
        slack, tmp_path, secret=SECRET, wrap=wrap, db=data / "journeybot.db"
    )
    try:
        # Files are reached through /proc/<pid>/root; the database from inside (see _read).
        inside = Path(f"/proc/{process.pid}/root") / str(data).lstrip("/")
        db = data / "journeybot.db"
        _NAMESPACE[db] = process.pid
        people = Workspace(slack, url, SECRET)
        values = {"title": {"title": plain_text_value("Retry failed payments")}}
        assert people.view_submission("U0P000", "idea_modal", values).status == 200
        idea_id, card = _wait(
            lambda: _read(db, "select id, card_ts from ideas where card_ts is not null")
        )[0]
        bot = Running(process, people, slack, db, log, idea_id, card)
        who = iter(PEOPLE[1:])  # a new person for each action, so each answer is theirs
        _one_round(bot, who, 0)
        _wait(lambda: _read(db, "select count(*) from outbox where state != 'done'")[0][0] == 0)
        assert all(_stored(bot, a) == 1 for a in bot.actions)

        # Fill the disk.
        filler = inside / "filler"
        with filler.open("wb", buffering=0) as f:
            for size in (65536, 4096, 1):  # to the last byte
                try:
                    while True:
                        f.write(b"\0" * size)
                except OSError:
                    pass
        full_from = len(bot.actions)
        for n in range(1, 4):
            _one_round(bot, who, n)
        during = bot.actions[full_from:]
        time.sleep(1)
        assert any("Not saved" in a.reply.body for a in during if a.kind == "pain")
        # Free the space: everything works again and the outbox catches up by itself.
        filler.unlink()
        after = len(bot.actions)
        _one_round(bot, who, 9)
        _wait(
            lambda: _read(db, "select count(*) from outbox where state != 'done'")[0][0] == 0,
            timeout=30,
        )
        time.sleep(0.5)
        _check_every_action(bot, bot.actions)
        assert all(_stored(bot, a) == 1 for a in bot.actions[after:])
        assert _read(db, "pragma integrity_check") == [("ok",)]
        logs = bot.stop()
        assert "Traceback" not in logs
    finally:
        _NAMESPACE.pop(data / "journeybot.db", None)
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_token_revoked_mid_run_is_one_log_line_and_the_cards_catch_up_once_it_is_back(
    running: Running,
) -> None:
    bot = running
    who = iter(PEOPLE[1:])  # a new person for each action, so each answer is theirs
    bot.slack.revoke_token()
    _one_round(bot, who, 0)  # stored: the database is fine, only Slack says no
    assert all(_stored(bot, a) == 1 for a in bot.actions)
    waiting = _wait(
        lambda: _read(bot.db, "select count(*) from outbox where error = 'token_revoked'")[0][0]
    )
    assert waiting and _read(bot.db, "select count(*) from outbox where state = 'failed'") == [(0,)]
    bot.slack.revoke_token(False)
    # The courier tries again every 10 s while the token is refused.
    _wait(
        lambda: _read(bot.db, "select count(*) from outbox where state != 'done'")[0][0] == 0,
        timeout=30,
    )
    supporters = _read(bot.db, "select count(*) from supports where idea_id = ?", (bot.idea_id,))
    card = bot.slack.message(CHANNEL, bot.card_ts) or {}
    assert f"*Supporters*\\n{supporters[0][0]}" in json.dumps(card.get("blocks"))
    logs = [json.loads(line)["message"] for line in bot.stop().splitlines()]
    revoked = [m for m in logs if m.startswith("the bot token was revoked")]
    assert revoked == [
        "the bot token was revoked (token_revoked); Slack updates wait in the outbox and go"
        " out when it allows (replace SLACK_BOT_TOKEN and restart)"
    ]
    assert not any("Traceback" in m for m in logs)
