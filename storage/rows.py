"""How values are written to rows and read back: timestamps and the words of a search."""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["from_iso", "iso", "keywords"]


def iso(moment: datetime, *, timespec: str = "microseconds") -> str:
    """Return `moment` as the ISO text journeybot stores (UTC; naive times are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec)


def from_iso(text: str | None) -> datetime | None:
    """Return the time stored as `text` by `iso`, or None for none."""
    return datetime.fromisoformat(text) if text else None


_WORD = re.compile(r"\w{3,}", re.UNICODE)
_STOP = frozenset(
    """the and for are but not you all any can had her was one our out has have with this
    that from they will would there their what about which when make like into them than
    then its also just very where who why how your been being does did were""".split()
)


def keywords(text: str) -> list[str]:
    """Return the significant words of `text` (no stop words), first 24, each once."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.casefold()):
        if word not in _STOP:
            seen.setdefault(word, None)
    return list(seen)[:24]
