"""What belongs to one workspace as a whole: the settings its admins changed, and purging it.

Settings are kept as JSON per (workspace, key); a value not stored means "as the config
file says". The Notion token arrives here already encrypted: this module never sees it
in clear.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .store import Store, iso

__all__ = ["WorkspaceSettings", "purge_workspace"]


class WorkspaceSettings:
    """Repository over `workspace_settings`: key -> JSON value, per workspace."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, team_id: str) -> dict[str, Any]:
        """Return every stored setting of the workspace, decoded."""
        try:
            rows = self.store.db.execute(
                "select key, value from workspace_settings where team_id = ?", [team_id]
            ).fetchall()
        except sqlite3.OperationalError as e:
            # A read-only command on a database from before per-workspace settings.
            if "no such table" in str(e):
                return {}
            raise
        return {key: json.loads(value) for key, value in rows}

    def save(self, team_id: str, values: Mapping[str, Any], *, by: str, now: datetime) -> None:
        """Store `values` in one transaction (a None value forgets the key); raises NotSaved."""
        with self.store.transaction() as db:
            for key, value in values.items():
                if value is None:
                    db.execute(
                        "delete from workspace_settings where team_id = ? and key = ?",
                        [team_id, key],
                    )
                    continue
                db["workspace_settings"].insert(
                    {
                        "team_id": team_id,
                        "key": key,
                        "value": json.dumps(value, sort_keys=True, ensure_ascii=False),
                        "updated_by": by,
                        "updated_at": iso(now),
                    },
                    replace=True,
                )

    def configured(self, key: str) -> dict[str, Any]:
        """Return workspace -> value of `key`, for every workspace that set it."""
        rows = self.store.db.execute(
            "select team_id, value from workspace_settings where key = ?", [key]
        ).fetchall()
        return {team_id: json.loads(value) for team_id, value in rows}

    def names_in_use(self, team_id: str) -> dict[str, set[str]]:
        """Return the stages, teams, touchpoints and personas the workspace's records use."""
        sql = {
            "stages": "select distinct stage from pain_points where team_id = ?",
            "teams": (
                "select owning_team from ideas where team_id = ? union"
                " select owning_team from pain_points where team_id = ? union"
                " select team from people where team_id = ?"
            ),
            "touchpoints": "select distinct touchpoint from pain_points where team_id = ?",
            "personas": "select distinct persona from pain_points where team_id = ?",
        }
        db = self.store.db
        return {
            name: {row[0] for row in db.execute(query, [team_id] * query.count("?")) if row[0]}
            for name, query in sql.items()
        }

    def carded_ideas(self, team_id: str) -> list[int]:
        """Return the live ideas of the workspace that have a card in Slack."""
        rows = self.store.db.execute(
            "select id from ideas where team_id = ? and card_ts is not null"
            " and merged_into is null order by id",
            [team_id],
        )
        return [row[0] for row in rows]


def purge_workspace(store: Store, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace in one transaction; return rows deleted per table.

    Tables without a workspace column hang off an idea or a pain point and go with them;
    meta keys ending in `:team_id` (the roadmap channel, the Notion URLs) go too.
    Raises NotSaved, leaving everything in place, when the database refuses the write.
    """
    deleted: dict[str, int] = {}
    with store.transaction() as db:
        conn = db.conn
        ideas = "select id from ideas where team_id = :t"
        pains = "select id from pain_points where team_id = :t"
        children = {
            "idea_pain_points": f"idea_id in ({ideas}) or pain_point_id in ({pains})",
            "idea_stats": f"idea_id in ({ideas})",
            "status_changes": f"idea_id in ({ideas})",
        }
        for table, where in children.items():
            deleted[table] = conn.execute(
                f"delete from {table} where {where}", {"t": team_id}
            ).rowcount
        owned = [
            name
            for name in db.table_names()
            if not name.endswith(("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config"))
            and "team_id" in db[name].columns_dict
        ]
        # Rows that point at ideas or pain points go before them (foreign keys are on).
        last = ("ideas", "pain_points")
        for table in [t for t in owned if t not in last] + [t for t in last if t in owned]:
            count = conn.execute(f'delete from "{table}" where team_id = ?', [team_id]).rowcount
            deleted[table] = count
        deleted["meta"] = conn.execute(
            "delete from meta where key like ? escape '\\'",
            ["%:" + team_id.replace("%", "\\%").replace("_", "\\_")],
        ).rowcount
    return {table: n for table, n in deleted.items() if n}
