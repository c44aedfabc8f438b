"""What every repository of `Store` shares: the store's connection and transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Repository"]


class Repository:
    """Records of one aggregate, read and written on the store's connection of this
    thread, inside whatever transaction the store has open (`store.transaction()`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def db(self) -> Database:
        """This thread's connection, the store's."""
        return self.store.db

    def _rows(
        self,
        table: str,
        team_id: str,
        *,
        ids: Iterable[int] | None = None,
        where: str = "",
        **equal: Any,
    ) -> list[dict[str, Any]]:
        """Return the workspace's rows of `table`, oldest first: among `ids` when given,
        whose columns equal each value of `equal` that is not None, and `where` (SQL that
        starts with " and ")."""
        sql, params = f"select * from {table} where team_id = ?{where}", [team_id]
        for column, value in equal.items():
            if value is not None:
                sql += f" and {column} = ?"
                params.append(value)
        if ids is not None:
            wanted = list(ids)
            sql += f" and id in ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        return list(self.db.query(sql + " order by id", params))
