"""`journeybot demo`: the scripted week and its renderers; not part of the running bot.

`runner` starts the emulators and the real bot and plays the week, `player` plays the
people using Slack, `script` is the week itself (plain data), `outputs` guards and writes
the output folder, `html` renders the Notion roadmap as one page and `transcript` what the
bot said in Slack as Markdown.
"""

from __future__ import annotations

from .clock import DemoClock, DemoError, FolderInUse
from .outputs import MARKER, OUTPUTS, check_out_dir, fresh
from .player import fill
from .runner import DemoResult, run_demo

__all__ = [
    "MARKER",
    "OUTPUTS",
    "DemoClock",
    "DemoError",
    "DemoResult",
    "FolderInUse",
    "check_out_dir",
    "fill",
    "fresh",
    "run_demo",
]
