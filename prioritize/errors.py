"""The errors journeybot's use cases raise, each with a message a person can act on."""

from __future__ import annotations

__all__ = ["InvalidInput", "NotAllowed", "NotFound", "NotSaved"]


class InvalidInput(ValueError):
    """Input a person gave that journeybot refuses; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(LookupError):
    """The record asked for does not exist in this workspace."""


class NotAllowed(Exception):
    """The person may not do this; the message says who may."""


class NotSaved(Exception):
    """A write could not be made durable (the database is busy, the disk is full...).

    Nothing of it was stored; the message says why, so the person can be told to retry.
    """
