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
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from ..config import AppConfig, Settings
from ..services import Services
from .admins import Admins
from .deps import Deps, remember_requester
from .guard import Installation, installation_of, only_installed_workspace
from .listeners import SURFACES
from .outbound import Outbound
from .runtime import Runtime
from .values import refuse_impossible_values

__all__ = ["SURFACES", "JourneyApp", "build_app", "make_client"]

log = logging.getLogger(__name__)


class JourneyApp(App):
    """The Bolt app, and the workspace it serves."""

    installation: Installation


def make_client(settings: Settings, *, timeout: int = 10, max_retries: int = 3) -> WebClient:
    """Return the bot's WebClient on SLACK_API_URL; raises ConfigError without a bot token.

    Slack's 429 answers (with Retry-After) are retried by slack_sdk's own handler; a 429
    means the call was not processed, so retrying cannot post anything twice.
    """
    return WebClient(
        token=settings.secret("SLACK_BOT_TOKEN"),
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
    """
    # Socket Mode requests come over an authenticated WebSocket and carry no signature;
    # Bolt skips verification for them by itself, and it stays on for HTTP.
    signing_secret = "" if socket_mode else settings.secret("SLACK_SIGNING_SECRET")
    client = client if client is not None else make_client(settings)
    runtime = runtime if runtime is not None else Runtime()
    app = JourneyApp(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        request_verification_enabled=True,
        logger=logger or logging.getLogger("journeybot.slack"),
        name="journeybot",
    )
    installation = installation or installation_of(client)
    app.use(only_installed_workspace(installation))
    app.use(remember_requester)
    app.use(refuse_impossible_values)
    app.installation = installation
    admins = Admins(client, set(config.slack.admins) | set(services.admins))
    services.workspace_admin = admins.is_admin
    services.card_delay = config.slack.card_update_delay
    services.default_channel = config.slack.roadmap_channel
    # The courier retries on its own schedule (Retry-After included): its client must not
    # sleep through a 429 on a worker that other effects are waiting for.
    courier_client = WebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[]
    )
    outbound = Outbound(services, courier_client, per_day=config.slack.dm_per_idea_per_day).start()
    runtime.on_close(outbound.close)
    runtime.watch(outbound.courier.idle)
    deps = Deps(
        services=services,
        config=config,
        client=client,
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
