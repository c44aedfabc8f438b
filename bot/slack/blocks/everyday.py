"""Block Kit for everyday upkeep: edit forms, triage menus, found pain points, App Home extras."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from prioritize.config import JourneyConfig
from prioritize.models import MAX_TEXT, MAX_TITLE, Idea, PainPoint, PainStatus

from ...editing import COUNT_UP_TO, Found
from ..ids import Action, Block, View
from .idea import pain_picker
from .kit import (
    LIMITS,
    Blocks,
    actions,
    button,
    clip,
    context,
    esc,
    input_block,
    option,
    plain,
    section,
)
from .pain import pain_modal

__all__ = [
    "fingerprint",
    "found_message",
    "found_view",
    "home_idea_edit",
    "home_pain_edit",
    "home_search_block",
    "idea_edit_modal",
    "pain_edit_modal",
    "search_modal",
    "similar_ideas_block",
    "triage_menu",
    "with_similar_ideas",
]


def fingerprint(text: str | None) -> str:
    """Return a short digest of a form's initial value, to tell later whether it was changed."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def pain_edit_modal(
    journey: JourneyConfig, pain: PainPoint, *, metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the pain point edit form; says so when the text is longer than Slack shows.

    The initial text and link are fingerprinted in the metadata: the submission then
    changes only what the person changed, so a text Slack had to shorten is kept whole.
    """
    shown = clip(pain.text, LIMITS.INPUT_VALUE)
    link_shown = pain.link if pain.link and len(pain.link) <= LIMITS.INPUT_VALUE else None
    meta = {
        **(metadata or {}),
        "shown_text": fingerprint(shown),
        "shown_link": fingerprint(link_shown),
    }
    view = pain_modal(journey, pain=pain, metadata=meta)
    if shown != pain.text:
        view["blocks"].insert(
            1,
            context(
                f":warning: This pain point is {len(pain.text):,} characters; Slack's form "
                f"shows only the first {LIMITS.INPUT_VALUE:,}. Leave the text as it is to keep "
                f"all of it (only the fields you change are saved); anything you type there "
                f"replaces the whole text (at most {MAX_TEXT:,} characters)."
            ),
        )
    return view


def idea_edit_modal(idea: Idea, linked: Sequence[PainPoint]) -> dict[str, Any]:
    """Return the form in which an idea's proposer (or an admin) edits it."""
    assert idea.id is not None
    title: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Block.TITLE,
        "max_length": MAX_TITLE,
        "initial_value": clip(idea.title, MAX_TITLE),
    }
    description: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Block.DESCRIPTION,
        "multiline": True,
        "max_length": LIMITS.INPUT_VALUE,
    }
    shown = clip(idea.description, LIMITS.INPUT_VALUE)
    if shown:
        description["initial_value"] = shown
    pains = pain_picker(linked)
    blocks: Blocks = [
        input_block(Block.TITLE, "Idea", title),
        input_block(Block.DESCRIPTION, "Description", description, optional=True),
        input_block(Block.PAIN_POINTS, "Pain points it relieves", pains, optional=True),
    ]
    if shown != idea.description:
        blocks.insert(
            1,
            context(
                f":warning: The description is {len(idea.description):,} characters; Slack "
                f"shows the first {LIMITS.INPUT_VALUE:,}. Leave it as it is to keep all of it."
            ),
        )
    meta = {
        "idea_id": idea.id,
        "shown_description": fingerprint(shown),
        "shown_pains": sorted(idea.pain_point_ids)[: LIMITS.OPTIONS],
    }
    return {
        "type": "modal",
        "callback_id": View.IDEA_EDIT,
        "title": plain(f"Edit idea #{idea.id}", LIMITS.MODAL_TITLE),
        "submit": plain("Save", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def triage_menu(pain: PainPoint) -> dict[str, Any]:
    """Return the overflow menu of a pain point: edit, withdraw, and an admin's triage."""
    choices = [option("Edit…", f"edit:{pain.id}")]
    if pain.status in (PainStatus.OPEN, PainStatus.ADDRESSED):
        choices += [
            option("Withdraw (mine)", f"Withdrawn:{pain.id}"),
            option("Close (admins)", f"Closed:{pain.id}"),
        ]
    else:
        choices.append(option("Reopen (admins)", f"Open:{pain.id}"))
    if pain.status is not PainStatus.ARCHIVED:
        choices.append(option("Archive (admins)", f"Archived:{pain.id}"))
    return {"type": "overflow", "action_id": Action.PAIN_TRIAGE, "options": choices[:5]}


def home_pain_edit(pain: PainPoint) -> dict[str, Any]:
    """Return the App Home accessory of one of your pain points."""
    return triage_menu(pain)


def home_idea_edit(idea: Idea) -> dict[str, Any]:
    """Return the App Home Edit button of one of your ideas."""
    return button("Edit", Action.IDEA_EDIT, str(idea.id))


def home_search_block() -> dict[str, Any]:
    """Return the App Home row with the Search button."""
    return actions(
        [button(":mag: Search pain points", Action.HOME_SEARCH, "search")], block_id=Block.SEARCH
    )


def search_modal() -> dict[str, Any]:
    """Return the search form App Home's Search button opens."""
    return {
        "type": "modal",
        "callback_id": View.PAIN_SEARCH,
        "title": plain("Search pain points", LIMITS.MODAL_TITLE),
        "submit": plain("Search", LIMITS.MODAL_BUTTON),
        "close": plain("Close", LIMITS.MODAL_BUTTON),
        "blocks": [
            input_block(
                Block.SEARCH,
                "Words and filters",
                {
                    "type": "plain_text_input",
                    "action_id": Block.SEARCH,
                    "max_length": 500,
                    "placeholder": plain("invoice email stage:Onboarding mine", LIMITS.PLACEHOLDER),
                },
                hint="Filters: stage:, touchpoint:, team:, mine. Leave the words out to list.",
            )
        ],
    }


def _found_blocks(found: Found, *, search: bool) -> Blocks:
    page = found.page
    total = f"{page.total:,}" + (" or more" if page.total >= COUNT_UP_TO else "")
    what = f"matching _{esc(clip(found.query, 200))}_" if found.query else "logged"
    first = found.number * found.per_page + 1
    last = found.number * found.per_page + len(page.items)
    blocks: Blocks = [
        section(
            f":mag: {total} pain point{'s' if page.total != 1 else ''} {what}"
            + (f" (showing {first}–{last})" if page.items else "")
            + ". Only you can see this."
        )
    ]
    for pain in page.items:
        people = page.people.get(pain.id or 0, 1)
        blocks.append(
            section(
                f"*#{pain.id}* {esc(clip(pain.text, 400))}\n"
                f"{esc(pain.stage)} · {esc(pain.touchpoint or '–')} · severity {pain.severity}"
                f" · {people} {'person hits' if people == 1 else 'people hit'} it"
                f" · {pain.status.value}"
            )
        )
        blocks.append(
            actions(
                [
                    button(":+1: +1 (me too)", Action.PAIN_PLUS_ONE, str(pain.id)),
                    button("Propose an idea for this", Action.PAIN_PROPOSE, str(pain.id)),
                ],
                block_id=f"found:{pain.id}",
            )
        )
    paging = []
    state = {"q": found.query, "s": search}
    if found.number > 0:
        paging.append(
            button("◀ Previous", Action.PAIN_PAGE, json.dumps({**state, "p": found.number - 1}))
        )
    if found.number + 1 < found.pages:
        paging.append(
            button("Next ▶", Action.PAIN_PAGE, json.dumps({**state, "p": found.number + 1}))
        )
    if paging:
        blocks.append(actions(paging, block_id="found:pages"))
        blocks.append(context(f"Page {found.number + 1} of {found.pages}"))
    return blocks


def found_message(found: Found, *, search: bool) -> dict[str, Any]:
    """Return the private answer to `/pain list` or `/pain search`."""
    return {
        "text": f"{found.page.total} pain points found",
        "blocks": _found_blocks(found, search=search),
    }


def found_view(found: Found, *, search: bool) -> dict[str, Any]:
    """Return the search results as a modal (from App Home's Search button)."""
    return {
        "type": "modal",
        "callback_id": View.PAIN_SEARCH,
        "title": plain("Pain points found", LIMITS.MODAL_TITLE),
        "close": plain("Close", LIMITS.MODAL_BUTTON),
        "blocks": _found_blocks(found, search=search)[: LIMITS.VIEW_BLOCKS],
    }


def similar_ideas_block(ideas: Sequence[Idea]) -> Blocks:
    """Return blocks naming existing ideas that read like the one being proposed."""
    if not ideas:
        return []
    listed = "\n".join(
        f"• *#{i.id}* {esc(clip(i.title, 150))} ({i.status.value})" for i in ideas[:3]
    )
    return [
        section(
            ":bulb: *Similar ideas already exist.* If one of them is yours, +1 or estimate it "
            f"on its card instead; otherwise post yours anyway.\n{listed}",
            block_id=Block.SIMILAR_IDEAS,
        )
    ]


def with_similar_ideas(view: dict[str, Any], ideas: Sequence[Idea]) -> dict[str, Any]:
    """Return the open idea form `view` with its list of similar ideas replaced."""
    blocks = [b for b in view.get("blocks", []) if b.get("block_id") != Block.SIMILAR_IDEAS]
    kept = {k: view[k] for k in ("type", "callback_id", "title", "submit", "close") if k in view}
    return {
        **kept,
        "private_metadata": view.get("private_metadata", ""),
        "blocks": [*similar_ideas_block(ideas), *blocks],
    }
