"""What journeybot knows about its Notion copy: object ids, page ids, fingerprints, runs.

The Notion sync keeps its state here, in the same SQLite file as everything else, so a
page id is on disk the moment Notion returns it and a restarted sync picks up where the
last one stopped. A row without a Notion id records a create whose outcome is not known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from .store import Store
from .store import iso as _iso

__all__ = [
    "CREATING",
    "GONE",
    "LIVE",
    "NotionObject",
    "NotionState",
    "PageState",
]

CREATING = "creating"
"""A create was sent (or is about to be) and its answer has not been stored yet."""
RECONNECTED = "reconnected"
"""Object key marking a workspace whose admins changed its Notion connection since the last
sync (the next one follows the change)."""
LIVE = "live"
GONE = "archived"


@dataclass(frozen=True, slots=True)
class NotionObject:
    """A database, data source, view or page journeybot created, under a fixed key."""

    key: str
    notion_id: str | None
    url: str | None
    state: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageState:
    """One idea's or pain point's page as journeybot last left it."""

    kind: str
    local_id: int
    page_id: str | None
    url: str | None
    state: str
    props: dict[str, Any] = field(default_factory=dict)
    """Property name -> normalised value that Notion is believed to hold."""
    props_fp: str = ""
    body_fp: str = ""


class NotionState:
    """Repository over the notion_* tables of one Store, scoped by workspace."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.store.transaction() as db:  # the connection is shared: hold its lock
            return list(db.query(sql, list(params)))

    # ------------------------------------------------------------ objects

    def object(self, team_id: str, key: str) -> NotionObject | None:
        """Return the object stored under `key`, or None."""
        rows = self._rows(
            "select * from notion_objects where team_id = ? and key = ?", [team_id, key]
        )
        return _object(rows[0]) if rows else None

    def objects(self, team_id: str) -> dict[str, NotionObject]:
        """Return every object of the workspace by key."""
        rows = self._rows("select * from notion_objects where team_id = ?", [team_id])
        return {row["key"]: _object(row) for row in rows}

    def save_object(
        self,
        team_id: str,
        key: str,
        *,
        notion_id: str | None,
        url: str | None = None,
        state: str = LIVE,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Store (replace) the object under `key`."""
        with self.store.transaction() as db:
            db["notion_objects"].insert(
                {
                    "team_id": team_id,
                    "key": key,
                    "notion_id": notion_id,
                    "url": url,
                    "state": state,
                    "data": json.dumps(dict(data or {}), sort_keys=True),
                    "updated_at": _iso(datetime.now(UTC)),
                },
                replace=True,
            )

    def known_ids(self) -> set[str]:
        """Return every Notion id journeybot holds, in any workspace."""
        rows = self._rows(
            "select notion_id from notion_objects where notion_id is not null"
            " union select page_id from notion_pages where page_id is not null"
        )
        return {row["notion_id"] for row in rows}

    def acquire_lease(
        self,
        team_id: str,
        holder: str,
        *,
        now: datetime,
        ttl: float,
        owner: Mapping[str, Any] | None = None,
        stale: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> bool:
        """Take (or extend) the workspace's sync lease; False if another holder has it.

        One sync at a time per workspace, across processes: `journeybot sync` run by hand
        while the bot's scheduled sync is running must not create the same page twice.
        A holder that died loses the lease `ttl` seconds after its last renewal, or at
        once when `stale` says so of the `owner` it recorded (say, its process is gone).
        """
        with self.store.transaction() as db:
            rows = list(
                db.execute(
                    "select notion_id, data from notion_objects where team_id = ? and key = ?",
                    [team_id, "lease"],
                )
            )
            if rows and rows[0][0] != holder:
                held = json.loads(rows[0][1] or "{}")
                until = held.get("until")
                alive = until and datetime.fromisoformat(until) > now
                if alive and not (stale is not None and stale(held.get("owner") or {})):
                    return False
            until = now.timestamp() + ttl
            data: dict[str, Any] = {"until": datetime.fromtimestamp(until, UTC).isoformat()}
            if owner:
                data["owner"] = dict(owner)
            self.save_object(team_id, "lease", notion_id=holder, data=data)
        return True

    def lease_owner(self, team_id: str) -> dict[str, Any] | None:
        """Return what the current lease holder recorded of itself, or None if none."""
        obj = self.object(team_id, "lease")
        return None if obj is None else dict(obj.data.get("owner") or {})

    def release_lease(self, team_id: str, holder: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "delete from notion_objects where team_id = ? and key = 'lease' and notion_id = ?",
                [team_id, holder],
            )

    def forget_object(self, team_id: str, key: str) -> None:
        with self.store.transaction() as db:
            db.execute("delete from notion_objects where team_id = ? and key = ?", [team_id, key])

    # ------------------------------------------------------------ pages

    def pages(self, team_id: str, kind: str) -> dict[int, PageState]:
        """Return the page state of every idea (kind "idea") or pain point ("pain")."""
        rows = self._rows(
            "select * from notion_pages where team_id = ? and kind = ?", [team_id, kind]
        )
        return {row["local_id"]: _page(row) for row in rows}

    def page(self, team_id: str, kind: str, local_id: int) -> PageState | None:
        rows = self._rows(
            "select * from notion_pages where team_id = ? and kind = ? and local_id = ?",
            [team_id, kind, local_id],
        )
        return _page(rows[0]) if rows else None

    def save_page(self, team_id: str, state: PageState) -> None:
        """Store (replace) one page's state; call it as soon as Notion answers."""
        with self.store.transaction() as db:
            db["notion_pages"].insert(
                {
                    "team_id": team_id,
                    "kind": state.kind,
                    "local_id": state.local_id,
                    "page_id": state.page_id,
                    "url": state.url,
                    "state": state.state,
                    "props": json.dumps(state.props, sort_keys=True, ensure_ascii=False),
                    "props_fp": state.props_fp,
                    "body_fp": state.body_fp,
                    "updated_at": _iso(datetime.now(UTC)),
                },
                replace=True,
            )

    def forget_pages(self, team_id: str, kind: str | None = None) -> None:
        """Forget page states (after their database was deleted in Notion)."""
        with self.store.transaction() as db:
            if kind is None:
                db.execute("delete from notion_pages where team_id = ?", [team_id])
            else:
                db.execute(
                    "delete from notion_pages where team_id = ? and kind = ?", [team_id, kind]
                )

    def forget_property(self, team_id: str, kind: str, name: str) -> int:
        """Drop what is known of property `name` on every page, so the next push resends it."""
        changed = 0
        with self.store.transaction():
            for page in self.pages(team_id, kind).values():
                if name in page.props:
                    props = {k: v for k, v in page.props.items() if k != name}
                    self.save_page(team_id, replace(page, props=props, props_fp=""))
                    changed += 1
        return changed

    # ------------------------------------------------------------ summary blocks

    def blocks(self, team_id: str) -> dict[str, tuple[str, str]]:
        """Return slot -> (block id, fingerprint) of the summary page."""
        rows = self._rows("select * from notion_blocks where team_id = ?", [team_id])
        return {row["slot"]: (row["block_id"], row["fp"]) for row in rows}

    def save_block(self, team_id: str, slot: str, block_id: str, fp: str) -> None:
        with self.store.transaction() as db:
            db["notion_blocks"].insert(
                {"team_id": team_id, "slot": slot, "block_id": block_id, "fp": fp}, replace=True
            )

    def save_blocks(self, team_id: str, blocks: Mapping[str, tuple[str, str]]) -> None:
        """Replace every slot of the summary page at once."""
        with self.store.transaction() as db:
            db.execute("delete from notion_blocks where team_id = ?", [team_id])
            db["notion_blocks"].insert_all(
                {"team_id": team_id, "slot": slot, "block_id": block_id, "fp": fp}
                for slot, (block_id, fp) in blocks.items()
            )

    def forget_blocks(self, team_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("delete from notion_blocks where team_id = ?", [team_id])

    # ------------------------------------------------------------ runs

    def record_run(
        self,
        team_id: str,
        *,
        started_at: datetime,
        finished_at: datetime,
        created: int,
        updated: int,
        archived: int,
        read_back: int,
        requests: int,
        error: str | None = None,
    ) -> None:
        with self.store.transaction() as db:
            db["notion_sync_runs"].insert(
                {
                    "team_id": team_id,
                    "started_at": _iso(started_at),
                    "finished_at": _iso(finished_at),
                    "created": created,
                    "updated": updated,
                    "archived": archived,
                    "read_back": read_back,
                    "requests": requests,
                    "error": error,
                }
            )

    # ------------------------------------------------------------ score snapshots

    def save_snapshot(
        self, team_id: str, taken_at: datetime, rows: Iterable[tuple[int, int, float, str | None]]
    ) -> None:
        """Store (idea id, rank, score, bucket) for every idea, as of `taken_at`."""
        at = _iso(taken_at)
        with self.store.transaction() as db:
            db["score_snapshots"].insert_all(
                {
                    "team_id": team_id,
                    "taken_at": at,
                    "idea_id": idea_id,
                    "rank": rank,
                    "score": score,
                    "bucket": bucket,
                }
                for idea_id, rank, score, bucket in rows
            )

    def snapshot_before(
        self, team_id: str, moment: datetime
    ) -> tuple[datetime | None, dict[int, tuple[int, float, str | None]]]:
        """Return the latest snapshot taken at or before `moment`: its time and its rows."""
        rows = self._rows(
            "select max(taken_at) as at from score_snapshots where team_id = ? and taken_at <= ?",
            [team_id, _iso(moment)],
        )
        at = rows[0]["at"] if rows else None
        if at is None:
            return None, {}
        found = self._rows(
            "select idea_id, rank, score, bucket from score_snapshots"
            " where team_id = ? and taken_at = ?",
            [team_id, at],
        )
        return datetime.fromisoformat(at), {
            r["idea_id"]: (r["rank"], r["score"], r["bucket"]) for r in found
        }


def _object(row: dict[str, Any]) -> NotionObject:
    return _from_row(NotionObject, row, decoded=("data",))


def _page(row: dict[str, Any]) -> PageState:
    return _from_row(PageState, row, decoded=("props",), text=("props_fp", "body_fp"))


_Record = TypeVar("_Record", NotionObject, PageState)


def _from_row(
    cls: type[_Record], row: dict[str, Any], *, decoded: tuple[str, ...], text: tuple[str, ...] = ()
) -> _Record:
    """Return `cls` from the row's columns of the same names: `decoded` ones hold JSON (an
    empty one is {}), `text` ones read NULL as ""."""
    values = {f.name: row[f.name] for f in fields(cls)}
    for name in decoded:
        values[name] = json.loads(values[name]) if values[name] else {}
    for name in text:
        values[name] = values[name] or ""
    return cls(**values)
