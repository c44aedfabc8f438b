"""How numbers are written for people, the same in Slack, Notion and the terminal."""

from __future__ import annotations

__all__ = ["figure", "plural"]


def figure(value: float) -> str:
    """Return `value` with at most one decimal and no trailing zero: 4, 4.5, 0.3."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def plural(count: int, noun: str) -> str:
    """Return "1 idea", "3 ideas": the count and the noun, with an s unless it is one."""
    return f"{count} {noun}{'s' * (count != 1)}"
