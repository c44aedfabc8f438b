"""Read a vote written the way people write in a Slack thread.

    >>> parse_vote("+1", tshirt={"M": 3.0}).support
    True
    >>> parse_vote("i4 c2 t3w", tshirt={}).impact
    4

Understood: `+1`, `:+1:`, `impact 4 complexity 2 time 3w`, `i4 c2 t3w`, `impact: high`,
`effort L` (a T-shirt size is time to deliver), `effort 4` (a number is complexity),
`time 2 weeks`, and a duration on its own (`10d`, `1 month`: time to deliver). Anything
else is not a vote and parses to None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ParsedVote", "parse_id", "parse_vote", "parse_weeks"]

_WORDS = {
    "very low": 1,
    "minimal": 1,
    "low": 2,
    "small": 2,
    "medium": 3,
    "moderate": 3,
    "mid": 3,
    "high": 4,
    "large": 4,
    "big": 4,
    "very high": 5,
    "huge": 5,
    "critical": 5,
}
_CRITERIA = {
    "impact": "impact",
    "i": "impact",
    "value": "impact",
    "complexity": "complexity",
    "c": "complexity",
    "effort": "effort",
    "e": "effort",
    "time": "weeks",
    "t": "weeks",
    "ttd": "weeks",
    "size": "weeks",
    "weeks": "weeks",
}
_SUPPORT = re.compile(r"^\s*(\+1|:\+1(::skin-tone-\d)?:|👍[\U0001F3FB-\U0001F3FF]?)\s*[.!]*\s*$")
_PAIR = re.compile(
    r"\b(?P<key>impact|complexity|effort|time|ttd|size|weeks|value|[icet])"
    r"\s*(?:[:=]\s*|\s+|(?=\d))"
    r"(?P<val>very\s+(?:low|high)|[a-z]+|\d+(?:\.\d+)?\s*(?:weeks?|wks?|w|days?|d|months?|mo|m)?)"
    # Not glued to more letters or digits, but a full stop may end the vote ("i4 c2 t3w.").
    r"(?!\w|\.\d)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>weeks?|wks?|w|days?|d|months?|mo|m)?$", re.I
)


@dataclass(frozen=True, slots=True)
class ParsedVote:
    support: bool = False
    impact: int | None = None
    complexity: int | None = None
    weeks: float | None = None


def parse_weeks(text: str, *, tshirt: Mapping[str, float]) -> float | None:
    """Return weeks for `3w`, `10 days`, `2 months`, `1.5` (weeks) or a T-shirt size."""
    text = text.strip()
    size = tshirt.get(text.upper())
    if size is not None:
        return size
    m = _DURATION.match(text)
    if not m:
        return None
    n = float(m["n"])
    unit = (m["unit"] or "w").lower()
    if unit.startswith("d"):
        n /= 5  # working days
    elif unit.startswith("m"):
        n *= 4.33
    if not 0 < n <= 520:
        return None
    return round(n, 2)


_ID = re.compile(r"#?([0-9]{1,18})")


def parse_id(text: str) -> int | None:
    """Return the record id a person typed as `12` or `#12`, or None for anything else.

    ASCII digits only, and few enough to fit SQLite's integers: `²` or a 30-digit number
    is a search word, not an id.
    """
    m = _ID.fullmatch(text.strip())
    return int(m[1]) if m else None


def _rating(text: str) -> int | None:
    text = " ".join(text.lower().split())
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 5 else None
    return _WORDS.get(text)


def parse_vote(text: str, *, tshirt: Mapping[str, float]) -> ParsedVote | None:
    """Return the vote written in `text`, or None when it is not a vote."""
    if _SUPPORT.match(text):
        return ParsedVote(support=True)
    # A duration with its unit and nothing else (`10d`, `1 month`) is a time to deliver.
    bare = text.strip().rstrip(".!")
    if (m := _DURATION.match(bare)) and m["unit"]:
        weeks = parse_weeks(bare, tshirt={})
        return ParsedVote(weeks=weeks) if weeks is not None else None
    found: dict[str, float] = {}
    consumed = 0
    for m in _PAIR.finditer(text):
        key = _CRITERIA[m["key"].lower()]
        raw = m["val"].strip()
        if key == "effort":
            rating = _rating(raw) if raw.isdigit() else None
            if rating is not None:
                key, value = "complexity", float(rating)
            elif (weeks := parse_weeks(raw, tshirt=tshirt)) is not None and not raw.isdigit():
                key, value = "weeks", weeks
            elif (rating := _rating(raw)) is not None:
                key, value = "complexity", float(rating)
            else:
                return None
        elif key == "weeks":
            weeks = parse_weeks(raw, tshirt=tshirt)
            if weeks is None:
                return None
            value = weeks
        else:
            rating = _rating(raw)
            if rating is None:
                return None
            value = float(rating)
        if key in found:
            return None
        found[key] = value
        consumed += len(m.group(0))
    if not found:
        return None
    # A vote is a short line of ratings, not a sentence that happens to contain "impact 4".
    leftover = _PAIR.sub("", text)
    if re.search(r"[a-z]{3,}", leftover, re.I) and consumed < len(text.strip()) / 2:
        return None
    return ParsedVote(
        impact=int(found["impact"]) if "impact" in found else None,
        complexity=int(found["complexity"]) if "complexity" in found else None,
        weeks=found.get("weeks"),
    )
