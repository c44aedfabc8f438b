"""Settings per workspace: what its admins set on App Home, over the config file's defaults.

Reached as `services.workspace`. Each workspace may have its own admins, journey map,
scoring weights and capacity, digest schedule and time zone, and Notion connection
(integration token and parent page). What a workspace has not set is the config file's
(and, for Notion, NOTION_TOKEN and NOTION_PARENT_PAGE_ID). Notion tokens are stored
encrypted with Fernet under JOURNEYBOT_SECRET_KEY, never logged, and shown masked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr, ValidationError

from prioritize.config import Capacity, JourneyConfig, Weights
from prioritize.errors import InvalidInput, NotAllowed
from storage.notion_state import RECONNECTED, NotionState
from storage.stats import WEIGHTS_KEY
from storage.workspaces import WorkspaceSettings, purge_workspace

from .config import AppConfig, DigestConfig, Settings

if TYPE_CHECKING:
    from .services import Services

__all__ = [
    "NotionCheck",
    "NotionConnection",
    "Workspace",
    "WorkspaceDefaults",
    "WorkspaceSettingsCases",
    "mask",
    "notion_check",
]

log = logging.getLogger(__name__)

NOTION_TOKEN = "notion_token"
"""Stored encrypted (Fernet, base64 text); the other keys hold plain JSON."""
NOTION_PARENT = "notion_parent_page_id"
ADMINS = "admins"
JOURNEY = "journey"
WEIGHTS = WEIGHTS_KEY  # the ranking index reads them too (storage/store.py)
CAPACITY = "capacity"
DIGEST = "digest"

_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_PAGE_ID = re.compile(r"([0-9a-f]{32}|[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$", re.I)

NotionCheck = Callable[[str, str], None]
"""Ask Notion whether a token can see a page (token, page id); raises InvalidInput if not."""

CHECK_TIMEOUT_SECONDS = 2.0
"""How long the connect check waits for Notion: the modal must be answered within Slack's 3 s."""


def mask(token: str) -> str:
    """Return `token` as `secret_…abcd`: enough to tell tokens apart, never to use one."""
    prefix = token.split("_", 1)[0] + "_" if "_" in token[:8] else ""
    return f"{prefix}…{token[-4:]}"


@dataclass(frozen=True, slots=True)
class NotionConnection:
    """Where a workspace's roadmap goes in Notion, and with which integration."""

    token: SecretStr
    parent_page_id: str
    own: bool
    """Set by the workspace's admins (else the environment's NOTION_TOKEN)."""

    @property
    def masked(self) -> str:
        return mask(self.token.get_secret_value())


@dataclass(frozen=True, slots=True)
class WorkspaceDefaults:
    """What a workspace runs with until its admins change it: the config file and env."""

    digest: DigestConfig = field(default_factory=DigestConfig)
    notion_token: SecretStr | None = None
    notion_parent_page_id: str | None = None
    secret_key: SecretStr | None = None
    check_notion: NotionCheck | None = None

    @classmethod
    def from_settings(cls, settings: Settings, config: AppConfig) -> WorkspaceDefaults:
        """Return the defaults of the config file and environment; tokens are checked
        with Notion at NOTION_API_URL."""
        return cls(
            digest=config.digest,
            notion_token=settings.notion_token,
            notion_parent_page_id=settings.notion_parent_page_id,
            secret_key=settings.journeybot_secret_key,
            check_notion=notion_check(settings.notion_api_url),
        )


def notion_check(api_url: str, *, timeout_seconds: float = CHECK_TIMEOUT_SECONDS) -> NotionCheck:
    """Return a check that asks Notion at `api_url` for the page with the token
    (pages.retrieve: one request answers both whether the token is good and whether the
    page is shared with its integration). No retries: a person waits on the modal."""

    def check(token: str, page_id: str) -> None:
        import httpx
        from notion_client.errors import RequestTimeoutError

        from .notion.client import NotionClient, NotionError

        client = NotionClient(
            token,
            base_url=api_url,
            max_retries=0,
            max_rate_limited=0,
            timeout_seconds=timeout_seconds,
        )
        try:
            client.retrieve_page(page_id)
        except NotionError as e:
            if e.status in (401, 403):
                raise InvalidInput(
                    "notion_token",
                    "Notion rejected this token (unauthorized): copy the integration's"
                    " secret again from notion.so/profile/integrations",
                ) from None
            if e.status == 404 or e.code == "object_not_found":
                raise InvalidInput(
                    "notion_parent_page_id",
                    "this page is not shared with the integration: open the page in Notion,"
                    " ••• > Connections, add the integration, then save again",
                ) from None
            if isinstance(e.__cause__, RequestTimeoutError | httpx.TimeoutException):
                raise InvalidInput(
                    "notion_token",
                    f"Notion did not answer within {timeout_seconds:g} s, nothing was saved;"
                    " try again in a moment",
                ) from None
            raise InvalidInput(
                "notion_token",
                f"could not check the token with Notion ({e.code or e.status}); try again",
            ) from None
        finally:
            client.close()

    return check


@dataclass(frozen=True, slots=True)
class Workspace:
    """The settings one workspace runs with now (its own where set, else the defaults)."""

    team_id: str
    admins: frozenset[str]
    journey: JourneyConfig
    digest: DigestConfig
    notion: NotionConnection | None
    own: frozenset[str]
    """The keys this workspace set itself (the rest are the config file's)."""


class WorkspaceSettingsCases:
    """Read and change a workspace's settings; only its admins may change them."""

    def __init__(self, services: Services, defaults: WorkspaceDefaults | None = None) -> None:
        self.services = services
        self.defaults = defaults or WorkspaceDefaults()
        self.repo = WorkspaceSettings(services.store)
        self._cache: dict[str, tuple[dict[str, Any], Workspace]] = {}

    # ---------------------------------------------------------------- reading

    def of(self, team_id: str) -> Workspace:
        """Return the settings `team_id` runs with (one small read; rebuilt only when
        they changed, in this process or another)."""
        stored = self.repo.get(team_id)
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] == stored:
            return cached[1]
        workspace = self._build(team_id, stored)
        self._cache[team_id] = (stored, workspace)
        return workspace

    def _build(self, team_id: str, stored: dict[str, Any]) -> Workspace:
        base = self.services.journey
        journey = base
        if JOURNEY in stored or WEIGHTS in stored or CAPACITY in stored:
            scoring = base.scoring.model_copy(
                update={
                    k: v
                    for k, v in (
                        ("weights", _model(Weights, stored.get(WEIGHTS))),
                        ("capacity", _model(Capacity, stored.get(CAPACITY))),
                    )
                    if v is not None
                }
            )
            journey = JourneyConfig.model_validate(
                {**base.model_dump(), **stored.get(JOURNEY, {}), "scoring": scoring.model_dump()}
            )
        digest = self.defaults.digest
        if DIGEST in stored:
            digest = DigestConfig.model_validate(stored[DIGEST])
        return Workspace(
            team_id=team_id,
            admins=frozenset(stored.get(ADMINS, self.services.admins)),
            journey=journey,
            digest=digest,
            notion=self._notion(team_id, stored),
            own=frozenset(stored),
        )

    def _notion(self, team_id: str, stored: Mapping[str, Any]) -> NotionConnection | None:
        if NOTION_TOKEN in stored and NOTION_PARENT in stored:
            try:
                token = self._fernet().decrypt(stored[NOTION_TOKEN].encode()).decode()
            except (InvalidToken, InvalidInput):
                # Never the token itself in the log: only that it cannot be read.
                log.error(
                    "the Notion token of %s cannot be decrypted (JOURNEYBOT_SECRET_KEY"
                    " changed or is unset); its admins must connect Notion again",
                    team_id,
                )
                return None
            return NotionConnection(SecretStr(token), str(stored[NOTION_PARENT]), own=True)
        d = self.defaults
        if d.notion_token is not None and d.notion_parent_page_id:
            return NotionConnection(d.notion_token, d.notion_parent_page_id, own=False)
        return None

    def is_admin(self, team_id: str, user: str) -> bool:
        """Whether `user` is one of the workspace's admins (its own list, or the config's)."""
        if user in self.of(team_id).admins:
            return True
        slack_admin = self.services.workspace_admin
        return slack_admin(user) if slack_admin is not None else False

    def workspaces(self) -> list[str]:
        """Return every workspace with data or settings of its own."""
        known = set(self.services.store.workspaces())
        known |= set(self.repo.configured(ADMINS)) | set(self.repo.configured(NOTION_PARENT))
        known |= set(self.repo.configured(DIGEST))
        return sorted(known)

    # ---------------------------------------------------------------- changing

    def _require_admin(self, team_id: str, user: str) -> None:
        if not self.is_admin(team_id, user):
            raise NotAllowed("only this workspace's journeybot admins can change its settings")

    def _save(
        self, team_id: str, values: Mapping[str, Any], *, by: str, reconnected: bool = False
    ) -> Workspace:
        with self.services._unit():
            self.repo.save(team_id, values, by=by, now=self.services.clock())
            if reconnected:
                # In the same transaction: the next sync must not find the new page
                # without knowing the admins moved the roadmap (it would stop for good).
                NotionState(self.services.store).save_object(team_id, RECONNECTED, notion_id=None)
            self.services.refresh_home(team_id, by)
            if WEIGHTS in values or CAPACITY in values:
                # Cards show scores and buckets: every card of the workspace is redrawn.
                self.services._card(team_id, self.repo.carded_ideas(team_id))
        return self.of(team_id)

    def set_admins(self, team_id: str, users: Iterable[str], *, by: str) -> Workspace:
        """Replace the workspace's admins; raises InvalidInput if `by` would lock itself out."""
        self._require_admin(team_id, by)
        chosen = sorted({u.strip() for u in users if u.strip()})
        bad = [u for u in chosen if not _USER.match(u)]
        if bad:
            raise InvalidInput("admins", f"{bad[0]!r} is not a Slack user id (U...)")
        if not chosen:
            raise InvalidInput("admins", "name at least one admin")
        slack_admin = self.services.workspace_admin
        if by not in chosen and not (slack_admin is not None and slack_admin(by)):
            raise InvalidInput("admins", "keep yourself in the list, or you could not undo this")
        return self._save(team_id, {ADMINS: chosen}, by=by)

    def set_journey(
        self,
        team_id: str,
        *,
        stages: list[str],
        teams: list[str],
        touchpoints: list[str],
        personas: list[str],
        by: str,
    ) -> Workspace:
        """Replace the journey map; raises InvalidInput naming a stage or team still in use."""
        self._require_admin(team_id, by)
        current = self.of(team_id).journey
        wanted = {
            "stages": stages,
            "teams": teams,
            "touchpoints": touchpoints,
            "personas": personas,
        }
        try:
            journey = JourneyConfig.model_validate({**current.model_dump(), **wanted})
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "journey"
            raise InvalidInput(where, first["msg"].removeprefix("Value error, ")) from None
        except InvalidInput:
            raise
        self._check_in_use(team_id, journey)
        values = {
            "stages": journey.stages,
            "teams": journey.teams,
            "touchpoints": journey.touchpoints,
            "personas": journey.personas,
        }
        return self._save(team_id, {JOURNEY: values}, by=by)

    def _check_in_use(self, team_id: str, journey: JourneyConfig) -> None:
        kinds = {"stages": "stage", "teams": "team", "touchpoints": "touchpoint"}
        kinds["personas"] = "persona"
        for name, used in self.repo.names_in_use(team_id).items():
            kept = {n.casefold() for n in getattr(journey, name)}
            dropped = sorted(u for u in used if u.casefold() not in kept)
            if dropped:
                raise InvalidInput(
                    name,
                    f"the {kinds[name]} {dropped[0]!r} is still in use; keep it"
                    " (or move what uses it first)",
                )

    def set_scoring(
        self, team_id: str, *, weights: Mapping[str, str], capacity: Mapping[str, str], by: str
    ) -> Workspace:
        """Replace the weights and capacity; raises InvalidInput naming a value not a number."""
        self._require_admin(team_id, by)
        w = _model(
            Weights, {k: _number(f"weights.{k}", v) for k, v in weights.items()}, strict=True
        )
        c = _model(
            Capacity, {k: _number(f"capacity.{k}", v) for k, v in capacity.items()}, strict=True
        )
        assert w is not None and c is not None
        return self._save(team_id, {WEIGHTS: w.model_dump(), CAPACITY: c.model_dump()}, by=by)

    def set_digest(self, team_id: str, *, cron: str, timezone: str, by: str) -> Workspace:
        """Replace the digest's schedule and time zone; raises InvalidInput if either is bad."""
        self._require_admin(team_id, by)
        digest = _model(
            DigestConfig, {"cron": cron.strip(), "timezone": timezone.strip()}, strict=True
        )
        assert digest is not None
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(digest.cron, timezone=digest.timezone)
        except ValueError as e:
            raise InvalidInput("cron", f"{digest.cron!r} is not a schedule: {e}") from None
        return self._save(team_id, {DIGEST: digest.model_dump()}, by=by)

    def connect_notion(
        self, team_id: str, *, token: str, parent_page_id: str, by: str
    ) -> Workspace:
        """Store the workspace's Notion integration token (encrypted) and parent page.

        Raises InvalidInput, storing nothing, when no secret key is configured, the page
        id is not one, Notion rejects the token, or the page is not shared with the
        integration (checked with one pages.retrieve). The next sync follows the change:
        it rebuilds the roadmap under the new page and learns the new integration's bot.
        """
        self._require_admin(team_id, by)
        token = token.strip()
        page = parent_page_id.strip().rstrip("/").split("?")[0]
        found = _PAGE_ID.search(page.replace("-", "") if len(page) > 36 else page)
        if not token:
            raise InvalidInput("notion_token", "paste the integration's secret")
        if found is None:
            raise InvalidInput(
                "notion_parent_page_id", "paste the page's link or its 32-character id"
            )
        fernet = self._fernet()  # before Notion is asked: no key, nothing to do
        if self.defaults.check_notion is not None:
            self.defaults.check_notion(token, found.group(1))
        values = {
            NOTION_TOKEN: fernet.encrypt(token.encode()).decode(),
            NOTION_PARENT: found.group(1),
        }
        return self._save(team_id, values, by=by, reconnected=True)

    def disconnect_notion(self, team_id: str, *, by: str) -> Workspace:
        """Forget the workspace's own Notion connection (back to the environment's, if any)."""
        self._require_admin(team_id, by)
        return self._save(
            team_id, {NOTION_TOKEN: None, NOTION_PARENT: None}, by=by, reconnected=True
        )

    def forget_notion(self, team_id: str) -> None:
        """Forget the workspace's own Notion token and page, as Slack asks when the app is
        uninstalled or its bot token revoked (no admin acts; nothing is left to sync)."""
        if NOTION_TOKEN not in self.repo.get(team_id):
            return
        with self.services._unit():
            self.repo.save(
                team_id,
                {NOTION_TOKEN: None, NOTION_PARENT: None},
                by="slack",
                now=self.services.clock(),
            )
            NotionState(self.services.store).save_object(team_id, RECONNECTED, notion_id=None)
        log.info("forgot the Notion connection of %s: the app left the workspace", team_id)

    def purge(self, team_id: str) -> dict[str, int]:
        """Delete every record of the workspace in one transaction; return rows per table."""
        return purge_workspace(self.services.store, team_id)

    def _fernet(self) -> Fernet:
        key = self.defaults.secret_key
        if key is None:
            raise InvalidInput(
                "notion_token",
                "journeybot cannot store a Notion token without JOURNEYBOT_SECRET_KEY"
                " (ask whoever runs journeybot to set it)",
            )
        try:
            return Fernet(key.get_secret_value().encode())
        except ValueError:
            raise InvalidInput(
                "notion_token",
                "JOURNEYBOT_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded bytes)",
            ) from None


def _number(where: str, value: str) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise InvalidInput(where, f"{value!r} is not a number") from None


def _model(cls: Any, value: Any, *, strict: bool = False) -> Any:
    if value is None:
        return None
    try:
        return cls.model_validate(value)
    except ValidationError as e:
        if not strict:
            raise
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or cls.__name__.lower()
        raise InvalidInput(where, first["msg"].removeprefix("Value error, ")) from None
