"""The Bolt app: one WebClient, one set of dependencies, listeners registered per surface.

`process_before_response=True`: Bolt runs each listener's ack function on the request's own
thread and answers Slack as soon as it returns, instead of running it on a pool and
polling for the ack every 10 ms. A listener parses, calls one use case (one short SQLite
transaction, so what the person did is stored before Slack hears "ok") and acks;
answering the person goes to `Runtime.later`, and what Slack must hear because of the
change goes to the outbox, delivered by the courier on threads of its own. The 3-second
rule holds by construction, in HTTP and Socket Mode alike.

We use our own `Runtime` rather than Bolt's lazy listeners because a lazy listener gets a
copy of the request re-parsed from its raw body, which loses the fix in `run.bolt_request`
for slash commands whose text contains "payload"; and because `Runtime.drain()` lets the
tests and the shutdown wait for after-the-ack work deterministically.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from ..config import AppConfig, Settings
from ..doctor import manifest_scopes
from ..services import NotSaved, Services
from . import clients
from .admins import Admins
from .deps import Deps, remember_requester
from .guard import Installation, installation_of, only_installed, only_installed_workspace
from .install import Installs, NotInstalled
from .listeners import SURFACES
from .outbound import Outbound
from .runtime import Runtime
from .values import refuse_impossible_values

__all__ = ["SURFACES", "JourneyApp", "build_app", "make_client"]

log = logging.getLogger(__name__)


class JourneyApp(App):
    """The Bolt app, and the workspace it serves (None when installed through Slack's
    install flow: then `installs` says which workspaces it serves)."""

    installation: Installation | None
    installs: Installs | None


def make_client(
    settings: Settings, *, timeout: int = 10, max_retries: int = 3, token: str | None = None
) -> WebClient:
    """Return the bot's WebClient on SLACK_API_URL; raises ConfigError without a bot token.

    Slack's 429 answers (with Retry-After) are retried by slack_sdk's own handler; a 429
    means the call was not processed, so retrying cannot post anything twice. Installed
    through Slack's install flow, there is no SLACK_BOT_TOKEN: pass `token=""` for the
    client without a token that Bolt copies for each request.
    """
    return WebClient(
        token=settings.secret("SLACK_BOT_TOKEN") if token is None else (token or None),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def build_app(
    settings: Settings,
    config: AppConfig,
    services: Services,
    *,
    client: WebClient | None = None,
    runtime: Runtime | None = None,
    installation: Installation | None = None,
    socket_mode: bool = False,
    logger: logging.Logger | None = None,
) -> JourneyApp:
    """Return the journeybot Bolt app with every listener registered.

    Raises ConfigError when SLACK_BOT_TOKEN (or, outside Socket Mode, SLACK_SIGNING_SECRET)
    is missing, SlackApiError when Slack rejects the token. Pass `runtime` to share or drain
    the after-the-ack work; `installation` (else asked of `auth.test`) is the only workspace
    served.

    With Slack's install flow configured (`settings.oauth`), SLACK_BOT_TOKEN, `client` and
    `installation` are not used: the app serves every workspace in the installation store
    (`bot/slack/install.py`), each request and each outbox effect with its own workspace's
    bot token, and refuses the others before any listener runs.
    """
    # Socket Mode requests come over an authenticated WebSocket and carry no signature;
    # Bolt skips verification for them by itself, and it stays on for HTTP.
    signing_secret = "" if socket_mode else settings.secret("SLACK_SIGNING_SECRET")
    runtime = runtime if runtime is not None else Runtime()
    logger = logger or logging.getLogger("journeybot.slack")
    installs = Installs(settings) if settings.oauth else None
    # Alike whether the app serves one token or an installation store.
    bolt: dict[str, Any] = {
        "signing_secret": signing_secret,
        "process_before_response": True,
        "request_verification_enabled": True,
        "logger": logger,
        "name": "journeybot",
    }
    if installs is None:
        client = client if client is not None else make_client(settings)
        app = JourneyApp(client=client, **bolt)
        installation = installation or installation_of(client)
        app.use(only_installed_workspace(installation))
    else:
        # Each request gets a copy of this client with its own installation's bot token
        # (Bolt's authorize); SLACK_BOT_TOKEN, if set, is not used.
        client = make_client(settings, token="")
        app = JourneyApp(
            client=client,
            **bolt,
            oauth_flow=installs.flow(client, sorted(manifest_scopes())),
            installation_store=installs.store,
            installation_store_bot_only=True,
            # Bolt's authorize from the installation store, asked on every request (so an
            # uninstalled workspace is refused at once), with its answer about a token
            # remembered: without that, every request costs an auth.test call to Slack
            # (bench/install_ack.py: p99 4x the single-token app's).
            authorize=InstallationStoreAuthorize(
                installation_store=installs.store,
                client_id=settings.slack_client_id,
                client_secret=settings.secret("SLACK_CLIENT_SECRET"),
                logger=logger,
                bot_only=True,
                cache_enabled=True,
                client=client,
            ),
            before_authorize=only_installed(installs.covers),
        )
        installation = None
        app.use(_its_own_token(installs))
        # app_uninstalled and tokens_revoked delete that workspace's tokens at once, and
        # its Notion token: nothing is synced for a workspace that left.
        _on_leaving(app, installs, services)
    app.use(remember_requester)
    app.use(refuse_impossible_values)
    app.installation = installation
    app.installs = installs
    admins = Admins(client, set(config.slack.admins) | set(services.admins))
    services.workspace_admin = admins.is_admin
    services.card_delay = config.slack.card_update_delay
    # With several workspaces, a channel id from the config file belongs to one of them:
    # each workspace's admins pick their own on App Home.
    services.default_channel = None if installs else config.slack.roadmap_channel
    # The courier retries on its own schedule (Retry-After included): its client must not
    # sleep through a 429 on a worker that other effects are waiting for.
    courier_client = WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[]
    )
    outbound = Outbound(
        services,
        courier_client,
        per_day=config.slack.dm_per_idea_per_day,
        client_for=_courier_clients(installs, courier_client) if installs else None,
    ).start()
    runtime.on_close(outbound.close)
    runtime.watch(outbound.courier.idle)
    deps = Deps(
        services=services,
        config=config,
        default_client=client,
        runtime=runtime,
        outbound=outbound,
        admins=admins,
    )
    for surface in SURFACES:
        surface.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Bolt answers 500; the log names the surface (and never the request's secrets).
        log.error("listener failed on a %s request", body.get("type"), exc_info=error)

    return app


def _on_leaving(app: App, installs: Installs, services: Services) -> None:
    """Listen to Slack's app_uninstalled and tokens_revoked: Bolt's own listeners delete the
    workspace's tokens (Bolt runs one listener per event, so theirs are called from here),
    then the workspace's Notion connection is forgotten (revoked bot tokens only)."""
    bolt = TokenRevocationListeners(installs.store)

    def forget_notion(team_id: str | None) -> None:
        if team_id is None:
            return  # an org-wide install: each workspace's connection stays its admins'
        try:
            services.workspace.forget_notion(team_id)
        except NotSaved as e:
            # The tokens are gone already: its jobs stop anyway, the token stays stored.
            log.error("cannot forget the Notion connection of %s: %s", team_id, e)

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        bolt.handle_app_uninstalled_events(context)
        forget_notion(context.team_id)

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        bolt.handle_tokens_revoked_events(event, context)
        if event.get("tokens", {}).get("bot"):
            forget_notion(context.team_id)


def _its_own_token(
    installs: Installs,
) -> Callable[[BoltContext, Callable[[], None]], None]:
    """Bolt middleware: serve the request with its installation's client (see `clients`)."""

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        installs.remember_org(context.team_id, context.enterprise_id)
        clients.use(context.client)
        next()

    return middleware


def _courier_clients(installs: Installs, like: WebClient) -> Callable[[str], WebClient]:
    """Return `client_for(team_id)`: a courier client with that workspace's bot token.

    Clients are kept per token, so a reinstall (a new token) gets a new one and an
    uninstalled workspace's token is never used again: the store is asked every time.
    """
    made: dict[str, WebClient] = {}
    lock = threading.Lock()

    def make(token: str) -> WebClient:
        with lock:
            found = made.get(token)
            if found is None:
                found = made[token] = WebClient(
                    token=token, base_url=like.base_url, timeout=like.timeout, retry_handlers=[]
                )
            return found

    def client_for(team_id: str) -> WebClient:
        try:
            return installs.client_for(team_id, make)
        except NotInstalled as e:
            raise LookupError(str(e)) from None

    return client_for
