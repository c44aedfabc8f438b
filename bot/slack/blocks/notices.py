"""Short messages: closing-the-loop notices, refusals, and one-line answers."""

from __future__ import annotations

from typing import Any

from prioritize.models import Idea, IdeaStatus, PainPoint

from .kit import LIMITS, clip, context, esc, section

__all__ = [
    "Why",
    "bucket_thread_reply",
    "day_end_dm",
    "notice",
    "pain_closed_dm",
    "status_dm",
    "status_thread_reply",
]

_EMOJI = {
    IdeaStatus.PROPOSED: ":seedling:",
    IdeaStatus.PLANNED: ":calendar:",
    IdeaStatus.IN_PROGRESS: ":hammer_and_wrench:",
    IdeaStatus.DONE: ":tada:",
    IdeaStatus.WONT_DO: ":no_entry_sign:",
    IdeaStatus.ARCHIVED: ":file_cabinet:",
}


class Why:
    """Why a person gets a DM about an idea (said at the bottom of the DM)."""

    SUPPORTED = "you supported it"
    REPORTED = "it addresses a pain point you reported"
    ESTIMATED = "you estimated it"
    PROPOSED = "you proposed it"


def _where(source: str) -> str:
    return "in Notion" if source == "notion" else "in Slack"


def status_thread_reply(idea: Idea, old: IdeaStatus, new: IdeaStatus, source: str) -> dict:
    """Return the reply posted in the idea card's thread when its status changes."""
    line = f"{_EMOJI[new]} Status changed from *{old.value}* to *{new.value}* ({_where(source)})."
    if new is IdeaStatus.DONE and idea.pain_point_ids:
        line += " Its linked pain points are now marked Addressed."
    return {"text": clip(line, LIMITS.MESSAGE_TEXT), "blocks": [section(line)]}


def status_dm(
    idea: Idea, old: IdeaStatus, new: IdeaStatus, *, why: str, link: str | None
) -> dict[str, Any]:
    """Return the DM telling someone an idea they care about changed status."""
    title = f"#{idea.id} {esc(clip(idea.title, 300))}"
    if link:
        title = f"<{esc(link)}|{title}>"
    line = f"{_EMOJI[new]} *{title}* is now *{new.value}* (was {old.value})."
    return {
        "text": clip(f"#{idea.id} {esc(idea.title)} is now {new.value}", LIMITS.MESSAGE_TEXT),
        "blocks": [
            section(line),
            context(f"You get this because {why}. Turn these off with `/journey notify off`."),
        ],
    }


def _who(by: str) -> str:
    # A change read back from Notion is made by a Notion user's name, not a Slack user id.
    if by[:1] in ("U", "W") and by.isalnum():
        return f"<@{esc(by)}>"
    return esc(by[:1].upper() + by[1:]) if by else "A leader"


def bucket_thread_reply(idea: Idea, old: str | None, new: str | None, by: str) -> dict:
    """Return the reply in the card's thread when a leader pins the idea to another bucket."""
    who = _who(by)
    line = (
        f":pushpin: {who} moved this idea from *{old or 'off the roadmap'}* to "
        f"*{new or 'off the roadmap'}*."
    )
    return {"text": clip(line, LIMITS.MESSAGE_TEXT), "blocks": [section(line)]}


def pain_closed_dm(pain: PainPoint, *, by: str, source: str) -> dict[str, Any]:
    """Return the DM telling a reporter that someone closed their pain point."""
    where = " in Notion" if source == "notion" else ""
    line = (
        f":white_check_mark: {_who(by)} closed your pain point *#{pain.id}*{where}: "
        f"“{esc(clip(pain.text, 300))}”. It stays in the history and the exports; an admin "
        "can reopen it."
    )
    return {
        "text": clip(f"Your pain point #{pain.id} was closed", LIMITS.MESSAGE_TEXT),
        "blocks": [section(line)],
    }


def day_end_dm(idea: Idea, *, why: str, link: str | None) -> dict[str, Any]:
    """Return the single end-of-day DM sent instead of the changes over the daily cap."""
    title = f"#{idea.id} {esc(clip(idea.title, 300))}"
    if link:
        title = f"<{esc(link)}|{title}>"
    line = (
        f"{_EMOJI[idea.status]} At the end of the day, *{title}* is *{idea.status.value}*. "
        "It changed more times today than I send direct messages about one idea; this is "
        "where it ended up."
    )
    return {
        "text": clip(f"#{idea.id} {esc(idea.title)} ended the day {idea.status.value}", 3000),
        "blocks": [
            section(line),
            context(f"You get this because {why}. Turn these off with `/journey notify off`."),
        ],
    }


def notice(text: str) -> dict[str, Any]:
    """Return a one-section message from mrkdwn `text` (user parts already escaped)."""
    return {"text": clip(text, LIMITS.MESSAGE_TEXT), "blocks": [section(text)]}
