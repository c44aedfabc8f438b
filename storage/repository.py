"""What every repository of `Store` shares: the store's connection and transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
