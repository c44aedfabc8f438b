"""journeybot's own settings in the database (`meta`): the roadmap channel an admin
picked, the Notion roadmap's URL, the fingerprints of what was derived."""

from __future__ import annotations

from .repository import Repository

__all__ = ["Meta"]


class Meta(Repository):
    """Settings by key (`store.meta`)."""

    def get(self, key: str) -> str | None:
        """Return a stored setting of journeybot's own (for example the Notion roadmap URL)."""
        rows = list(self.db.query("select value from meta where key = ?", [key]))
        return rows[0]["value"] if rows else None

    def set(self, key: str, value: str | None) -> None:
        """Store (or with None, forget) a setting of journeybot's own."""
        with self.store.transaction() as db:
            if value is None:
                db.execute("delete from meta where key = ?", [key])
            else:
                db["meta"].insert({"key": key, "value": value}, replace=True)
