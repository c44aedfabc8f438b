"""`journeybot`: the command line, a module per group of commands.

Commands that only read or load the database need no Slack or Notion credentials.
Every failure the user can fix prints one line naming what is wrong and exits 2.
"""

from __future__ import annotations

# Each module registers its commands on `app` as it is imported, in the order `--help` lists.
# isort: off
from . import run, reports, sync, data, demo, doctor  # noqa: F401

# isort: on
from .base import app, main
from .demo import show_demo

__all__ = ["app", "main", "show_demo"]
