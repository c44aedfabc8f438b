"""The demo's business clock and the errors a scripted step can raise."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["DemoClock", "DemoError", "FolderInUse"]


class DemoClock:
    """The demo's business clock: the weeks start `script.DEMO_DAYS` ago and end now.

    Stored times (pain points logged, status changes) read it; the player moves it
    forward between steps, as the days of the scripted weeks go by.
    """

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def to_day(self, start: datetime, day: float) -> datetime:
        """Move to `day` days after `start` (never back)."""
        self.now = max(self.now, start + timedelta(days=day))
        return self.now


class DemoError(RuntimeError):
    """A step of the scripted week did not go as a person using Slack would expect."""


class FolderInUse(DemoError):
    """The output folder holds something the demo did not write; nothing was touched."""
