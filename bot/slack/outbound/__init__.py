"""What journeybot says in Slack because something changed: cards, thread notices, DMs,
App Home and the digest, delivered from the outbox by the courier.

    outbound = Outbound(services, client, channel="C123", per_day=3).start()
    ...
    outbound.close(timeout=10)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.models import IdeaStatus, PainStatus
from storage.outbox import Effect

from ...chart import ChartPoint, impact_effort_png
from ...people import display_name
from ...services import Effects, NotFound, Services
from .. import clients
from ..blocks.kit import esc
from ..blocks.notices import notice, pain_closed_dm
from ..blocks.questions import survey_dm
from .cards import Cards
from .courier import INSTALL_REVOKED, NOT_INSTALLED, Courier, Undeliverable
from .home import publish_home
from .notices import Notices

__all__ = ["ACK_REACTION", "REVOKED", "Cards", "ClientFor", "Courier", "Outbound", "tell"]

log = logging.getLogger(__name__)

ACK_REACTION = "white_check_mark"
"""The reaction that tells someone their thread vote was counted."""

ClientFor = Callable[[str], WebClient]
"""Returns the client with a workspace's bot token; raises LookupError when it has none."""

REVOKED = frozenset({"token_revoked", "invalid_auth", "account_inactive", "team_not_found"})
"""Answers meaning a workspace's installation is gone (uninstalled, or its token revoked)."""


def tell(
    client: WebClient,
    user: str,
    message: dict[str, Any],
    *,
    channel: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Show `user` a message only they see: ephemeral in `channel`, else in their DM.

    Ephemeral messages fail in channels the bot is not in; the DM always works.
    """
    if channel and not channel.startswith("D"):
        try:
            kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
            client.chat_postEphemeral(channel=channel, user=user, **message, **kwargs)
            return
        except SlackApiError as e:
            log.info("ephemeral in %s failed (%s); sending a DM", channel, e.response["error"])
    try:
        client.chat_postMessage(channel=user, **message)
    except SlackApiError as e:
        log.warning("could not tell %s: %s", user, e.response["error"])


class Outbound:
    """The Slack side of the outbox: one handler per kind of effect, and the courier."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        *,
        per_day: int,
        workers: int = 2,
        poll: float = 1.0,
        client_for: ClientFor | None = None,
    ) -> None:
        self.services = services
        self._client = client
        self.client_for = client_for
        """Installed in many workspaces: each effect is delivered with its workspace's token."""
        self._said_revoked: dict[str, str | None] = {}
        """Workspace -> the token whose refusal was logged (one line per token, not per effect)."""
        self.cards = Cards(services, client)
        self.notices = Notices(services, client, services.claims, self.cards, per_day=per_day)
        handlers = {
            Effects.CARD: self._card,
            Effects.POST_CARD: self._post_card,
            Effects.STATUS_THREAD: self._status_thread,
            Effects.STATUS_DM: self._status_dm,
            Effects.RECEIPT: self._receipt,
            Effects.HOME: self._home,
            Effects.DIGEST: self._digest,
            Effects.SURVEY: self._survey,
            Effects.BUCKET_THREAD: self._bucket_thread,
            Effects.BUCKETS: self._buckets,
            Effects.STATUS_DAY_END: self._status_day_end,
            Effects.PAIN_CLOSED: self._pain_closed,
            Effects.PERSON_NAME: self._person_name,
        }
        self.courier = Courier(
            services.outbox,
            {kind: self._as_its_workspace(handler) for kind, handler in handlers.items()},
            on_failure=self._tell_failure,
            workers=workers,
            poll=poll,
        )
        services.on_effects(self.courier.wake)

    @property
    def client(self) -> WebClient:
        """The client of the workspace whose effect is being delivered."""
        return clients.current(self._client)

    def _as_its_workspace(self, handler: Callable[..., None]) -> Callable[..., None]:
        """Run `handler(effect, ...)` with the bot token of the effect's own workspace.

        A workspace without an installation (never installed, uninstalled, token revoked)
        gets nothing: its effect is refused for good with a reason `doctor` shows, and no
        other workspace's token is ever tried.
        """
        if self.client_for is None:
            return handler
        client_for = self.client_for

        def deliver(effect: Effect, *args: Any) -> None:
            try:
                client = client_for(effect.team_id)
            except LookupError:
                raise Undeliverable(NOT_INSTALLED) from None
            with clients.serving(client):
                try:
                    handler(effect, *args)
                except SlackApiError as e:
                    error = e.response.get("error")
                    if error not in REVOKED:
                        raise
                    if self._said_revoked.get(effect.team_id) != client.token:
                        self._said_revoked[effect.team_id] = client.token
                        log.warning(
                            "Slack refuses the bot token of workspace %s (%s): its updates"
                            " stop until journeybot is installed there again",
                            effect.team_id,
                            error,
                        )
                    raise Undeliverable(INSTALL_REVOKED) from e

        return deliver

    def _tell_failure(self, effect: Effect, error: str) -> None:
        if error in (NOT_INSTALLED, INSTALL_REVOKED):
            return  # nobody there can be told: the workspace is gone
        self._as_its_workspace(self._failed)(effect, error)

    def start(self) -> Outbound:
        self.courier.start()
        return self

    def close(self, *, timeout: float = 10.0) -> None:
        self.courier.close(timeout=timeout)

    # ---------------------------------------------------------------- handlers

    def _idea(self, effect: Effect) -> Any:
        try:
            return self.services.idea(effect.team_id, int(effect.payload["idea_id"]))
        except NotFound:
            return None

    def _card(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is not None:
            self.cards.refresh(idea)

    def _post_card(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is None or (idea.card_ts and not effect.payload.get("again")):
            return  # gone, or posted already (a retry after the answer was lost)
        posted = self.cards.post(idea)
        user, channel = effect.payload.get("user"), effect.payload.get("channel")
        if user and channel and channel != posted.card_channel:
            link = self.cards.permalink(posted)
            card = f"<{esc(link)}|its card>" if link else "its card"
            tell(
                self.client,
                user,
                notice(
                    f":bulb: Posted idea *#{idea.id}* in <#{posted.card_channel}>: "
                    f"discuss and vote in {card}'s thread."
                ),
                channel=channel,
            )

    def _status_thread(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is not None:
            p = effect.payload
            self.notices.thread(idea, IdeaStatus(p["old"]), IdeaStatus(p["new"]), p["source"])

    def _status_dm(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is not None:
            p = effect.payload
            self.notices.dm(
                idea, IdeaStatus(p["old"]), IdeaStatus(p["new"]), user=p["user"], why=p["why"]
            )

    def _buckets(self, effect: Effect) -> None:
        moved = self.services.redraw_moved_cards(effect.team_id)
        if moved:
            log.info("cards of ideas %s follow their new buckets", moved)

    def _bucket_thread(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is None or idea.merged_into is not None:
            return
        try:
            bucket = self.services.entry(effect.team_id, idea.id).item.bucket
        except NotFound:
            return
        old, new = effect.payload.get("old"), bucket.value if bucket else None
        if new != old:
            self.notices.bucket(idea, old, new, effect.payload.get("by") or "")

    def _status_day_end(self, effect: Effect) -> None:
        idea = self._idea(effect)
        if idea is not None:
            self.notices.day_end(idea, user=effect.payload["user"], why=effect.payload["why"])

    def _pain_closed(self, effect: Effect) -> None:
        p = effect.payload
        try:
            pain = self.services.pain_point(effect.team_id, int(p["pain_id"]))
        except NotFound:
            return
        if pain.status is not PainStatus.CLOSED:
            return  # reopened before this was sent: nothing to tell
        self.client.chat_postMessage(
            channel=pain.reporter, **pain_closed_dm(pain, by=p["by"], source=p["source"])
        )

    def _person_name(self, effect: Effect) -> None:
        user = effect.payload["user"]
        try:
            found = self.client.users_info(user=user)["user"]
        except SlackApiError as e:
            if e.response.get("error") not in ("user_not_found", "user_not_visible"):
                raise  # rate limits and outages are retried by the courier
            found = {}  # nobody Slack will name: remembered as looked up, shown by id
        self.services.people.named(effect.team_id, user, display_name(found))

    def _receipt(self, effect: Effect) -> None:
        try:
            self.client.reactions_add(
                channel=effect.payload["channel"], timestamp=effect.payload["ts"], name=ACK_REACTION
            )
        except SlackApiError as e:
            if e.response.get("error") != "already_reacted":
                raise

    def _home(self, effect: Effect) -> None:
        publish_home(self.services, self.client, effect.team_id, effect.payload["user"])

    def _digest(self, effect: Effect) -> None:
        p = effect.payload
        channel = self.services.roadmap_channel(effect.team_id)
        if channel is None:
            raise Undeliverable("no_roadmap_channel")
        points = [ChartPoint(**point) for point in p.get("points", [])]
        self.client.files_upload_v2(
            channel=channel,
            file=impact_effort_png(points),
            filename="impact-vs-effort.png",
            title=p["title"],
            alt_txt="Ideas plotted by effort (across) and impact (up), coloured by bucket",
            initial_comment=p["text"],
        )
        log.info("posted the weekly digest of %s", effect.team_id)

    def _survey(self, effect: Effect) -> None:
        user = effect.payload["user"]
        idea = self._idea(effect)
        if idea is None or not self.services.wants_dms(effect.team_id, user):
            return  # gone, or they turned DMs off since it was scheduled
        outcome = self.services.outcome(effect.team_id, idea.id)
        if outcome is None:
            return  # reopened since: it is not shipped any more
        message = survey_dm(idea, shipped_at=outcome.shipped_at, now=self.services.clock())
        # Posting to a user id lands in the app's DM with them (chat:write is enough).
        self.client.chat_postMessage(channel=user, **message)

    def _failed(self, effect: Effect, error: str) -> None:
        if effect.kind != Effects.POST_CARD or not effect.payload.get("user"):
            return
        idea_id = effect.payload["idea_id"]
        where = self.services.roadmap_channel(effect.team_id)
        if where is None:
            text = (
                f"I stored idea *#{idea_id}*, but its card has nowhere to go. "
                + self.services.no_channel_message()
            )
        else:
            text = (
                f"I stored idea *#{idea_id}* but could not post its card in <#{where}> "
                f"(`{esc(error)}`). Invite me there with `/invite @journeybot` and ask an "
                f"admin to repost it (App Home, or `journeybot repost {idea_id}`)."
            )
        tell(
            self.client, effect.payload["user"], notice(text), channel=effect.payload.get("channel")
        )
