"""The App Home tab: my pain points and ideas, ideas waiting for my estimate, the top,
and the journey questions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from prioritize.models import PainPoint
from prioritize.questions import JourneyAnswers
from prioritize.scoring import RoadmapEntry

from ..ids import Action, Block
from .everyday import home_idea_edit, home_pain_edit, home_search_block
from .kit import (
    LIMITS,
    Blocks,
    actions,
    button,
    cap_blocks,
    clip,
    context,
    divider,
    esc,
    header,
    plain,
    section,
    select,
)
from .questions import questions_home_blocks
from .reports import roadmap_line
from .workspace import settings_blocks

if TYPE_CHECKING:
    from ...services import AdminHome

__all__ = ["home_view"]

SHOWN = 10
"""Items per list: four lists of ten stay well under the 100-block limit of a view."""


def home_view(
    *,
    team: str | None,
    teams: Sequence[str],
    notify: bool,
    pain_points: Sequence[PainPoint],
    ideas: Sequence[RoadmapEntry],
    waiting: Sequence[RoadmapEntry],
    top: Sequence[RoadmapEntry],
    admin: AdminHome | None = None,
    questions: JourneyAnswers | None = None,
) -> dict[str, Any]:
    """Return the App Home view of one person (with the settings, for an admin)."""
    settings = [
        select(
            Action.HOME_TEAM,
            [(t, t) for t in teams],
            placeholder="Choose your team",
            initial=team,
        ),
        button(
            "Turn DMs off" if notify else "Turn DMs on",
            Action.HOME_NOTIFY,
            "off" if notify else "on",
        ),
    ]
    blocks: Blocks = [
        header("journeybot"),
        section(
            f"Your team: *{esc(team)}*"
            if team
            else "Tell journeybot your team: estimates and "
            "support count per team, and some criteria are rated by certain teams only."
        ),
        actions(settings, block_id=Block.HOME_SETTINGS),
        context(
            "Status updates on ideas you proposed, estimated or supported, or whose pain points"
            ' you reported, and "Is this better now?" after they ship, '
            + ("come as DMs." if notify else "are off.")
        ),
        divider(),
        header("Waiting for your estimate"),
    ]
    if not waiting:
        blocks.append(section("Nothing waiting: you have estimated every active idea."))
    for entry in waiting[:SHOWN]:
        blocks.append(
            section(
                roadmap_line(entry),
                accessory=button("Estimate", Action.IDEA_ESTIMATE, str(entry.idea.id)),
            )
        )
    blocks += [divider(), header("Top of the roadmap")]
    if not top:
        blocks.append(section("No ideas yet. Propose one with `/idea`."))
    for entry in top[:SHOWN]:
        blocks.append(section(roadmap_line(entry)))
    if questions is not None:
        blocks += questions_home_blocks(questions)
    blocks += [divider(), header("Your ideas")]
    if not ideas:
        blocks.append(section("You have not proposed an idea yet."))
    for entry in ideas[:SHOWN]:
        blocks.append(section(roadmap_line(entry), accessory=home_idea_edit(entry.idea)))
    blocks += [divider(), header("Your pain points")]
    if not pain_points:
        blocks.append(section("You have not logged a pain point yet. Try `/pain`."))
    for pain in pain_points[:SHOWN]:
        blocks.append(
            section(
                f"*#{pain.id}* {esc(clip(pain.text, 300))}\n"
                f"{esc(pain.stage)} · severity {pain.severity} · *{pain.status.value}*",
                accessory=home_pain_edit(pain),
            )
        )
    blocks.append(home_search_block())
    if admin is not None:
        blocks = admin_blocks(admin) + blocks
    return {"type": "home", "blocks": cap_blocks(blocks, LIMITS.VIEW_BLOCKS)}


def admin_blocks(admin: AdminHome) -> Blocks:
    """Return the admin's settings: the roadmap channel, and cards to post again."""
    picker: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": Action.HOME_CHANNEL,
        "placeholder": plain("Pick the roadmap channel"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if admin.roadmap_channel:
        picker["initial_conversation"] = admin.roadmap_channel
    where = (
        f"Idea cards go to <#{admin.roadmap_channel}>. Invite journeybot there."
        if admin.roadmap_channel
        else ":warning: *No roadmap channel yet*: ideas have nowhere to go. Pick one."
    )
    blocks: Blocks = [
        header("Settings (admins)"),
        section(f"*Roadmap channel*\n{where}", accessory=picker),
    ]
    if admin.workspace is not None:
        blocks += settings_blocks(admin.workspace)
    for idea in admin.unposted[:SHOWN]:
        blocks.append(
            section(
                f"Idea *#{idea.id}* {esc(clip(idea.title, 200))} has no card.",
                accessory=button("Repost card", Action.HOME_REPOST, str(idea.id)),
            )
        )
    blocks.append(divider())
    return blocks
