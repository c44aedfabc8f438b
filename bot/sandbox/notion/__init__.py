"""A local Notion API emulator, one module per resource; see `server` for what it does.

from bot.sandbox.notion import NotionEmulator
"""

from .model import RecordedRequest
from .server import NotionEmulator
from .validation import NOTION_VERSION

__all__ = ["NOTION_VERSION", "NotionEmulator", "RecordedRequest"]
