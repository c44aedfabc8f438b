"""Idea surfaces: the idea modal, the idea card, estimates, "why this score", admin."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from prioritize.config import JourneyConfig
from prioritize.models import MAX_TITLE, Bucket, Estimate, Idea, IdeaStatus, PainPoint
from prioritize.outcomes import Outcome
from prioritize.scoring import Score
from prioritize.words import figure

from ..ids import Action, Block, View
from .kit import (
    LIMITS,
    Blocks,
    actions,
    button,
    clip,
    context,
    esc,
    header,
    input_block,
    option,
    plain,
    section,
    select,
)
from .questions import VERDICT_EMOJI

__all__ = [
    "COMPLEXITY_LABELS",
    "IMPACT_LABELS",
    "admin_modal",
    "estimate_modal",
    "idea_card",
    "idea_modal",
    "idea_option",
    "merged_card",
    "pain_option",
    "pain_picker",
    "why_modal",
]

IMPACT_LABELS = {
    1: "1 · barely noticeable",
    2: "2 · minor",
    3: "3 · clear improvement",
    4: "4 · major",
    5: "5 · transforms the journey",
}
COMPLEXITY_LABELS = {
    1: "1 · trivial",
    2: "2 · simple",
    3: "3 · moderate",
    4: "4 · hard",
    5: "5 · very complex",
}
_AUTO = "auto"


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return figure(value)


def _weeks(value: float | None) -> str:
    return "–" if value is None else f"{_num(value)}w"


def pain_picker(chosen: Sequence[PainPoint]) -> dict[str, Any]:
    """Return the pain point multi-select of the idea forms, with `chosen` picked already."""
    picker: dict[str, Any] = {
        "type": "multi_external_select",
        "action_id": Action.PAIN_SEARCH,
        "min_query_length": 0,
        "placeholder": plain("Search open pain points", LIMITS.PLACEHOLDER),
    }
    if chosen:
        picker["initial_options"] = [pain_option(p) for p in chosen[: LIMITS.OPTIONS]]
    return picker


def pain_option(pain: PainPoint) -> dict[str, Any]:
    """Return the select option naming a pain point: `#12 Onboarding: text…`."""
    return option(f"#{pain.id} {pain.stage}: {pain.text}", str(pain.id))


def idea_option(idea: Idea) -> dict[str, Any]:
    """Return the select option naming an idea: `#12 title…`."""
    return option(f"#{idea.id} {idea.title}", str(idea.id))


def _rating_select(
    block_id: str, labels: Mapping[int, str], initial: int | None, placeholder: str
) -> dict[str, Any]:
    return select(
        block_id,
        [(label, str(n)) for n, label in labels.items()],
        placeholder=placeholder,
        initial=str(initial) if initial is not None else None,
    )


def _weeks_input(initial: float | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Block.WEEKS,
        "max_length": 30,
        "placeholder": plain("3w, 10 days, 2 months or S/M/L", LIMITS.PLACEHOLDER),
    }
    if initial is not None:
        element["initial_value"] = f"{_num(initial)}w"
    return element


def _estimate_inputs(previous: Estimate | None) -> Blocks:
    return [
        input_block(
            Block.IMPACT,
            "Impact on customers",
            _rating_select(
                Block.IMPACT, IMPACT_LABELS, previous.impact if previous else None, "1 to 5"
            ),
            optional=True,
        ),
        input_block(
            Block.COMPLEXITY,
            "Complexity",
            _rating_select(
                Block.COMPLEXITY,
                COMPLEXITY_LABELS,
                previous.complexity if previous else None,
                "1 to 5",
            ),
            optional=True,
        ),
        input_block(
            Block.WEEKS,
            "Time to deliver",
            _weeks_input(previous.weeks if previous else None),
            optional=True,
            hint="Team-weeks: 3w, 10d (working days), 1 month, or a T-shirt size.",
        ),
    ]


def idea_modal(
    journey: JourneyConfig,
    *,
    title: str = "",
    suggested: Sequence[PainPoint] = (),
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the /idea modal, prefilled with `title` and suggested pain point links."""
    title_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Action.IDEA_TITLE,
        "max_length": MAX_TITLE,
        "placeholder": plain("What should we change?", LIMITS.PLACEHOLDER),
        # Enter in the title lists similar ideas above the form (see actions/everyday).
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    if title:
        title_input["initial_value"] = clip(title, MAX_TITLE)
    pains = pain_picker(suggested)
    blocks: Blocks = [
        input_block(
            Block.TITLE,
            "Idea",
            title_input,
            dispatch=True,
            hint="Press Enter to see similar ideas that already exist.",
        ),
        input_block(
            Block.DESCRIPTION,
            "Description",
            {
                "type": "plain_text_input",
                "action_id": Block.DESCRIPTION,
                "multiline": True,
                "max_length": LIMITS.INPUT_VALUE,
            },
            optional=True,
        ),
        input_block(
            Block.OWNING_TEAM,
            "Owning team",
            select(
                Block.OWNING_TEAM,
                [(t, t) for t in journey.teams],
                placeholder="Who would build it?",
            ),
            optional=True,
        ),
        input_block(
            Block.PAIN_POINTS,
            "Pain points it relieves",
            pains,
            optional=True,
            hint="Type a few words to search; linked pain points add reach to the score.",
        ),
        section("*Your own estimate* (optional; others add theirs on the card)"),
        *_estimate_inputs(None),
    ]
    return {
        "type": "modal",
        "callback_id": View.IDEA,
        "title": plain("Propose an idea", LIMITS.MODAL_TITLE),
        "submit": plain("Post it", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps(dict(metadata or {})),
        "blocks": blocks,
    }


def estimate_modal(idea: Idea, previous: Estimate | None) -> dict[str, Any]:
    """Return the modal in which a person estimates an idea (their earlier estimate filled in)."""
    assert idea.id is not None
    return {
        "type": "modal",
        "callback_id": View.ESTIMATE,
        "title": plain(f"Estimate #{idea.id}", LIMITS.MODAL_TITLE),
        "submit": plain("Save", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps({"idea_id": idea.id}),
        "blocks": [
            section(f"*{esc(idea.title)}*"),
            context(
                "Rate what you can judge; leave the rest empty. "
                "Saving again replaces your earlier estimate."
            ),
            *_estimate_inputs(previous),
        ],
    }


def _card_fields(idea: Idea, score: Score, bucket: Bucket | None, min_estimates: int) -> list[str]:
    c = score.facts.consensus
    needs = f" _(needs estimates: {c.count} of {min_estimates})_" if score.needs_estimates else ""
    estimates = (
        f"{c.count}: impact {_num(c.impact)} · complexity {_num(c.complexity)} · {_weeks(c.weeks)}"
        if c.count
        else "none yet"
    )
    fields = [
        f"*Score*\n{score.value:g}{needs}",
        f"*Bucket*\n{bucket.value if bucket else '–'}"
        + (" (pinned)" if idea.pinned_bucket else ""),
        f"*Quadrant*\n{score.quadrant.value if score.quadrant else '–'}",
        f"*Status*\n{idea.status.value}",
        f"*Supporters*\n{score.facts.supporters}",
        f"*Estimates*\n{estimates}",
        f"*Teams weighed in*\n{esc(', '.join(c.teams)) or '–'}",
        f"*Pain points*\n{len(idea.pain_point_ids)} linked"
        + (f" (severity {score.facts.pain_severity})" if score.facts.pain_severity else ""),
    ]
    if c.disagreement:
        fields.append(f"*Disagreement*\n{esc(c.disagreement)}")
    if idea.owning_team:
        fields.append(f"*Owning team*\n{esc(idea.owning_team)}")
    return fields


def idea_card(
    idea: Idea,
    score: Score,
    bucket: Bucket | None,
    *,
    min_estimates: int,
    outcome: Outcome | None = None,
) -> dict[str, Any]:
    """Return the idea card (text and blocks) posted in the roadmap channel.

    A Done idea's card says whether it worked (`outcome`), with the figures behind it.
    """
    assert idea.id is not None
    blocks: Blocks = [header(f"#{idea.id} {idea.title}")]
    if idea.description:
        blocks.append(section(esc(clip(idea.description, 2000))))
    blocks.append(section(None, fields=_card_fields(idea, score, bucket, min_estimates)))
    linked = ", ".join(f"#{p}" for p in idea.pain_point_ids[:20])
    more = f" and {len(idea.pain_point_ids) - 20} more" if len(idea.pain_point_ids) > 20 else ""
    blocks.append(
        context(
            f"Proposed by <@{idea.proposer}>"
            + (f" · relieves pain points {linked}{more}" if linked else "")
        )
    )
    if outcome is not None:
        emoji = VERDICT_EMOJI[outcome.verdict]
        blocks.append(section(f"*Did it work?* {emoji} {esc(outcome.why)}"))
    value = str(idea.id)
    elements = [
        button(":+1: +1", Action.IDEA_SUPPORT, value, style="primary"),
        button("Estimate", Action.IDEA_ESTIMATE, value),
        button("Why this score", Action.IDEA_WHY, value),
    ]
    if idea.status.is_active:
        elements.append(
            {
                "type": "overflow",
                "action_id": Action.IDEA_ADMIN,
                "options": [
                    option("Change status…", f"status:{idea.id}"),
                    option("Pin to a bucket…", f"bucket:{idea.id}"),
                    option("Merge into another idea…", f"merge:{idea.id}"),
                    option("Edit… (proposer, admins)", f"edit:{idea.id}"),
                ],
            }
        )
    else:
        elements.append(button("Change status…", Action.IDEA_ADMIN, f"status:{idea.id}"))
    blocks.append(actions(elements, block_id=Block.CARD_ACTIONS))
    blocks.append(
        context("Vote in the thread: `+1`, or an estimate like `i4 c2 t3w` or `effort L`.")
    )
    text = f"Idea #{idea.id}: {esc(idea.title)} (score {score.value:g})"
    return {"text": clip(text, LIMITS.MESSAGE_TEXT), "blocks": blocks}


def merged_card(idea: Idea, into: Idea, *, link: str | None = None) -> dict[str, Any]:
    """Return the card of a duplicate: it says where the idea and its votes went."""
    target = f"*#{into.id} {esc(into.title)}*"
    if link:
        target = f"<{esc(link)}|#{into.id} {esc(clip(into.title, 200))}>"
    text = (
        f"~#{idea.id} {esc(clip(idea.title, 500))}~\n:twisted_rightwards_arrows: Merged into "
        f"{target}. Its votes and pain points moved there; vote on that card."
    )
    return {
        "text": clip(f"Idea #{idea.id} was merged into #{into.id}", LIMITS.MESSAGE_TEXT),
        "blocks": [section(text)],
    }


def why_modal(
    idea: Idea,
    score: Score,
    breakdown: str,
    estimates: Sequence[Estimate],
    bucket: Bucket | None,
) -> dict[str, Any]:
    """Return the "Why this score" modal: the breakdown line and every estimate."""
    s = score
    summary = (
        f"*{s.value:g}* · bucket {bucket.value if bucket else '–'} · "
        f"{s.quadrant.value if s.quadrant else 'quadrant unknown'}"
    )
    blocks: Blocks = [
        section(f"*#{idea.id} {esc(clip(idea.title, 300))}*\n{summary}"),
        section(esc(breakdown)),
    ]
    if estimates:
        blocks.append(section("*Estimates*"))
        for e in estimates[: LIMITS.VIEW_BLOCKS - 6]:
            blocks.append(
                context(
                    f"<@{e.voter}>{f' ({esc(e.team)})' if e.team else ''}: "
                    f"impact {e.impact or '–'} · complexity {e.complexity or '–'} · "
                    f"{_weeks(e.weeks)}"
                )
            )
        if len(estimates) > LIMITS.VIEW_BLOCKS - 6:
            blocks.append(context(f"…and {len(estimates) - (LIMITS.VIEW_BLOCKS - 6)} more"))
    else:
        blocks.append(context("No estimates yet: press *Estimate* on the card."))
    return {
        "type": "modal",
        "callback_id": View.WHY,
        "title": plain("Why this score", LIMITS.MODAL_TITLE),
        "close": plain("Close", LIMITS.MODAL_BUTTON),
        "blocks": blocks,
    }


def admin_modal(idea: Idea, *, focus: str = "status") -> dict[str, Any]:
    """Return the admin modal for an idea: status, pinned bucket, merge into another."""
    assert idea.id is not None
    status = input_block(
        Block.STATUS,
        "Status",
        select(
            Block.STATUS,
            [(s.value, s.value) for s in IdeaStatus],
            placeholder="Status",
            initial=idea.status.value,
        ),
    )
    bucket = input_block(
        Block.BUCKET,
        "Bucket",
        select(
            Block.BUCKET,
            [("Ranked by score (not pinned)", _AUTO)] + [(b.value, b.value) for b in Bucket],
            placeholder="Bucket",
            initial=idea.pinned_bucket.value if idea.pinned_bucket else _AUTO,
        ),
        hint="A pinned idea keeps its bucket whatever its score.",
    )
    merge = input_block(
        Block.MERGE_INTO,
        "Merge into",
        {
            "type": "external_select",
            "action_id": Action.IDEA_SEARCH,
            "min_query_length": 0,
            "placeholder": plain("Search ideas", LIMITS.PLACEHOLDER),
        },
        optional=True,
        hint="The duplicate's votes and pain points move to the idea you pick.",
    )
    order = {"status": [status, bucket, merge], "bucket": [bucket, status, merge]}
    return {
        "type": "modal",
        "callback_id": View.ADMIN,
        "title": plain(f"Manage idea #{idea.id}", LIMITS.MODAL_TITLE),
        "submit": plain("Apply", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps({"idea_id": idea.id}),
        "blocks": [
            section(f"*{esc(idea.title)}*"),
            *order.get(focus, [merge, status, bucket]),
        ],
    }
