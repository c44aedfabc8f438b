"""`journeybot sync`: the roadmap to Notion once, and what it changed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from .base import WorkspaceOption, app, context, fail, out, pick_workspace, progress_bar

__all__ = ["sync_command"]


@app.command("sync")
def sync_command(
    workspace: WorkspaceOption = None,
    check_schema: Annotated[
        bool, typer.Option("--check-schema", help="also check and repair the Notion schema")
    ] = False,
    rehome: Annotated[
        bool,
        typer.Option(
            "--rehome",
            help="build the roadmap again under NOTION_PARENT_PAGE_ID (after it changed,"
            " or the databases were deleted), taking over what is already there",
        ),
    ] = False,
) -> None:
    """Sync the roadmap to Notion once, then print what changed and the requests it took."""
    from ..jobs import env_home
    from ..notion.client import NotionClient, NotionError
    from ..notion.sync import RoadmapSync, SyncBusy
    from ..workspace_settings import NOTION_PARENT

    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        own = ctx.services.workspace.of(team_id)
        if NOTION_PARENT in own.own:
            # The workspace's admins connected its own Notion on App Home.
            if own.notion is None:
                raise fail(
                    f"the Notion token of {team_id} cannot be decrypted with"
                    " JOURNEYBOT_SECRET_KEY; its admins must connect Notion again"
                )
            token, parent = own.notion.token.get_secret_value(), own.notion.parent_page_id
        else:
            if not ctx.settings.notion_token:
                raise fail("NOTION_TOKEN is not set: create an integration and set its secret")
            if not ctx.settings.notion_parent_page_id:
                raise fail("NOTION_PARENT_PAGE_ID is not set: share a page with the integration")
            token = ctx.settings.notion_token.get_secret_value()
            parent = ctx.settings.notion_parent_page_id
            home = env_home(ctx.services, parent)
            if home is not None and home != team_id:
                raise fail(
                    f"NOTION_PARENT_PAGE_ID holds the roadmap of {home}; an admin of {team_id}"
                    " connects its own Notion page on App Home"
                )
        client = NotionClient(
            token,
            base_url=ctx.settings.notion_api_url,
            requests_per_second=ctx.config.sync.requests_per_second,
        )
        sync = RoadmapSync(ctx.services, client, team_id=team_id, parent_page_id=parent)
        with progress_bar() as progress:
            task = progress.add_task("syncing to Notion", total=None)
            try:
                report = sync.run(
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                    check_schema=check_schema,
                    rehome=rehome,
                )
            except NotionError as e:
                raise fail(f"Notion sync failed: {e}") from None
            except SyncBusy as e:
                raise fail(f"{e}; try again when it is done") from None
            finally:
                client.close()
    out.print(
        f"Synced to Notion: {report.created} created, {report.updated} updated,"
        f" {report.archived} archived, {report.read_back} read back;"
        f" {report.requests} request{'s' * (report.requests != 1)} in {report.seconds:.1f} s",
        highlight=False,
    )
    if report.repaired:
        out.print(f"Repaired in Notion: {escape(', '.join(report.repaired))}", highlight=False)
