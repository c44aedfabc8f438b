"""Settings: the only module that reads the environment.

`Settings` comes from environment variables (and an optional `.env` file); the journey
map, scoring and schedule come from the TOML file named by `JOURNEYBOT_CONFIG`.
Build them once in the entry point with `load_settings()` and pass them down.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from prioritize.config import JourneyConfig

__all__ = [
    "AppConfig",
    "ConfigError",
    "DigestConfig",
    "Settings",
    "SlackConfig",
    "load_config",
    "load_settings",
]

SLACK_API_URL = "https://slack.com/api/"
NOTION_API_URL = "https://api.notion.com"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line naming it."""


_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def channel_id(value: str) -> str:
    """Return `value` if it is a Slack channel id; raises ValueError explaining a name."""
    value = value.strip()
    if _CHANNEL_ID.match(value):
        return value
    if value.startswith("#") or not value[:1].isupper():
        raise ValueError(
            f"{value!r} is a channel name; journeybot needs the channel id (like C0123ABCDE):"
            " open the channel, click its name, and copy the Channel ID at the bottom"
        )
    raise ValueError(f"{value!r} is not a Slack channel id (C... or G...)")


class SlackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roadmap_channel: str | None = Field(
        None,
        description="channel id where idea cards go (else an admin picks it on App Home)",
    )
    admins: list[str] = Field(default_factory=list, description="user ids allowed admin actions")
    card_update_delay: float = Field(
        1.0, ge=0, le=30, description="seconds to gather votes before updating a card"
    )
    dm_per_idea_per_day: int = Field(1, ge=0, le=10)

    @field_validator("roadmap_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return channel_id(value)


class DigestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str = Field("0 9 * * mon", description="minute hour day month day-of-week")
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {value!r}") from e
        return value

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError("must have five fields: minute hour day month day-of-week")
        return value


class SyncConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interval_minutes: float = Field(5, gt=0, le=1440)
    debounce_seconds: float = Field(5, ge=0, le=600)
    requests_per_second: float = Field(3.0, gt=0, le=3.0)
    workers: int = Field(
        8, ge=1, le=64, description="workspaces synced side by side (each its own integration)"
    )


class AppConfig(BaseModel):
    """The TOML config file: the journey map plus where and when journeybot talks."""

    model_config = ConfigDict(extra="forbid")

    journey: JourneyConfig = Field(default_factory=JourneyConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)


class Settings(BaseSettings):
    """Environment settings. Secrets are SecretStr: printing Settings never shows them."""

    # A variable left empty (`SLACK_APP_TOKEN=` in a .env copied from a template) means
    # unset: it must not switch the bot to Socket Mode with an empty token.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_API_URL
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = None
    notion_token: SecretStr | None = None
    notion_parent_page_id: str | None = None
    notion_api_url: str = NOTION_API_URL
    journeybot_secret_key: SecretStr | None = None
    """Fernet key that encrypts the Notion tokens workspaces store (none: they cannot)."""
    journeybot_db: Path = Path("journeybot.db")
    journeybot_config: Path | None = None

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        # WebClient joins method names onto the base URL, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("notion_api_url")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @property
    def oauth(self) -> bool:
        """Whether Slack's install flow is on: SLACK_CLIENT_ID, _SECRET and STATE_SECRET set.

        Raises ConfigError naming what is missing when only some of the three are set: a
        half-configured install flow must not quietly fall back to one workspace.
        """
        names = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")
        missing = [n for n in names if getattr(self, n.lower()) in (None, "")]
        if len(missing) == len(names):
            return False
        if missing:
            raise ConfigError(
                f"{missing[0]} is not set (Slack's install flow needs all of {', '.join(names)})"
            )
        return True

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the first of `names` that is not set."""
        for name in names:
            if getattr(self, name.lower()) in (None, ""):
                raise ConfigError(f"{name.upper()} is not set")

    def secret(self, name: str) -> str:
        """Return a secret's value; raises ConfigError when it is not set."""
        self.require(name)
        return getattr(self, name.lower()).get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    """Return the Settings from the environment; raises ConfigError naming a bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        raise ConfigError(_one_line(e, prefix="", upper=True)) from None


def load_config(path: Path | None) -> AppConfig:
    """Return the TOML config at `path` (defaults when None); raises ConfigError."""
    if path is None:
        return AppConfig()
    try:
        # utf-8-sig: editors on Windows save a byte-order mark that TOML would call invalid.
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"JOURNEYBOT_CONFIG: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"JOURNEYBOT_CONFIG: cannot read {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    try:
        return AppConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_one_line(e, prefix=f"{path}: ")) from None
    except ValueError as e:  # InvalidInput from the journey map's own checks
        raise ConfigError(f"{path}: {e}") from None


def _one_line(error: ValidationError, *, prefix: str, upper: bool = False) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "config"
    if upper:
        where = where.upper()
    message = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    tail = f" (and {more} more problem{'s' * (more > 1)})" if more else ""
    return f"{prefix}{where}: {message}{tail}"
