"""Pain point surfaces: the /pain confirmation and the pain point modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prioritize.config import JourneyConfig
from prioritize.models import EvidenceSource, PainPoint

from ..ids import Action, Block, View
from .kit import (
    LIMITS,
    Blocks,
    actions,
    button,
    clip,
    context,
    esc,
    input_block,
    plain,
    section,
    select,
)

__all__ = [
    "SEVERITY_LABELS",
    "SOURCE_BUTTONS",
    "pain_confirmation",
    "pain_details_block_id",
    "pain_modal",
    "pain_source_block_id",
    "source_label",
]

SEVERITY_LABELS = {
    1: "1 · minor annoyance",
    2: "2 · slows them down",
    3: "3 · real friction",
    4: "4 · costs us customers",
    5: "5 · blocks the journey",
}
SOURCE_BUTTONS = {
    EvidenceSource.CUSTOMER_SAID: (Action.PAIN_SAID, "A customer said it"),
    EvidenceSource.OBSERVED: (Action.PAIN_OBSERVED, "We saw customers do it"),
    EvidenceSource.INTERNAL: (Action.PAIN_INTERNAL, "Internal"),
}
"""The one-click evidence buttons of the /pain confirmation, by the source each sets."""
_SOURCE_LABELS = {
    EvidenceSource.CUSTOMER_SAID: "A customer said it",
    EvidenceSource.OBSERVED: "Observed behaviour (data, sessions)",
    EvidenceSource.INTERNAL: "Internal hunch or report",
}


def pain_details_block_id(pain_id: int) -> str:
    """Return the block_id of the detail selects, which carries the pain point's id."""
    return f"{Block.PAIN_DETAILS}:{pain_id}"


def pain_source_block_id(pain_id: int) -> str:
    """Return the block_id of the evidence buttons, which carries the pain point's id."""
    return f"{Block.PAIN_SOURCE}:{pain_id}"


def source_label(source: EvidenceSource | None) -> str:
    """Return how a pain point's evidence reads: its source, or "unknown"."""
    return source.value if source is not None else "unknown"


def _names(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(name, name) for name in names]


def _summary(pain: PainPoint) -> str:
    parts = [
        f"Stage *{esc(pain.stage)}*",
        f"severity {pain.severity}",
        f"touchpoint {esc(pain.touchpoint or '–')}",
        f"persona {esc(pain.persona or '–')}",
        f"evidence {esc(source_label(pain.source))}",
    ]
    if pain.link:
        parts.append(f"<{esc(pain.link)}|evidence>")
    return " · ".join(parts)


def pain_confirmation(
    pain: PainPoint, similar: Sequence[PainPoint], journey: JourneyConfig
) -> dict[str, Any]:
    """Return the ephemeral answer to /pain: what was stored, detail pickers, look-alikes."""
    assert pain.id is not None
    blocks: Blocks = [
        section(f":white_check_mark: Logged pain point *#{pain.id}*: {esc(clip(pain.text, 600))}"),
        context(_summary(pain)),
    ]
    pickers = [
        select(
            Action.PAIN_STAGE,
            _names(journey.stages),
            placeholder="Journey stage",
            initial=pain.stage,
        ),
        select(
            Action.PAIN_SEVERITY,
            [(label, str(n)) for n, label in SEVERITY_LABELS.items()],
            placeholder="Severity",
            initial=str(pain.severity),
        ),
    ]
    # Touchpoints and personas are optional in the config: no picker when none are set.
    for names, action_id, placeholder, initial in (
        (journey.touchpoints, Action.PAIN_TOUCHPOINT, "Touchpoint", pain.touchpoint),
        (journey.personas, Action.PAIN_PERSONA, "Persona", pain.persona),
    ):
        if names:
            pickers.append(
                select(action_id, _names(names), placeholder=placeholder, initial=initial)
            )
    pickers.append(button("Evidence & more…", Action.PAIN_DETAILS, str(pain.id)))
    blocks.append(actions(pickers, block_id=pain_details_block_id(pain.id)))
    if pain.source is None:
        blocks.append(context("What backs this? One click tells the say-versus-do question."))
    evidence = []
    for source, (action_id, label) in SOURCE_BUTTONS.items():
        chosen = pain.source is source
        evidence.append(
            button(
                f":white_check_mark: {label}" if chosen else label,
                action_id,
                str(pain.id),
                style="primary" if chosen else None,
            )
        )
    blocks.append(actions(evidence, block_id=pain_source_block_id(pain.id)))
    for other in similar[:3]:
        blocks.append(
            section(
                f":mag: This looks like *#{other.id}* ({esc(other.stage)}): "
                f"{esc(clip(other.text, 280))}",
                accessory=button(
                    f"+1 #{other.id} instead", Action.PAIN_ME_TOO, f"{other.id}:{pain.id}"
                ),
            )
        )
    return {
        "text": clip(f"Logged pain point #{pain.id}: {esc(pain.text)}", LIMITS.MESSAGE_TEXT),
        "blocks": blocks,
    }


def pain_modal(
    journey: JourneyConfig,
    *,
    pain: PainPoint | None = None,
    text: str = "",
    link: str | None = None,
    source: EvidenceSource | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the pain point modal: new (prefilled with `text`) or editing `pain`."""
    editing = pain is not None and pain.id is not None
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Block.TEXT,
        "multiline": True,
        "max_length": LIMITS.INPUT_VALUE,
        "placeholder": plain("What gets in the customer's way?", LIMITS.PLACEHOLDER),
    }
    initial_text = pain.text if pain else text
    if initial_text:
        text_input["initial_value"] = clip(initial_text, LIMITS.INPUT_VALUE)
    link_input: dict[str, Any] = {"type": "url_text_input", "action_id": Block.LINK}
    initial_link = pain.link if pain else link
    if initial_link and len(initial_link) <= LIMITS.INPUT_VALUE:
        link_input["initial_value"] = initial_link
    blocks: Blocks = [
        input_block(Block.TEXT, "Pain point", text_input),
        input_block(
            Block.STAGE,
            "Journey stage",
            select(
                Block.STAGE,
                _names(journey.stages),
                placeholder="Choose a stage",
                initial=pain.stage if pain else journey.first_stage,
            ),
        ),
        input_block(
            Block.SEVERITY,
            "Severity",
            select(
                Block.SEVERITY,
                [(label, str(n)) for n, label in SEVERITY_LABELS.items()],
                placeholder="How bad is it?",
                initial=str(pain.severity if pain else 3),
            ),
        ),
    ]
    for block_id, label, names, current in (
        (Block.TOUCHPOINT, "Touchpoint", journey.touchpoints, pain.touchpoint if pain else None),
        (Block.PERSONA, "Persona", journey.personas, pain.persona if pain else None),
        (Block.OWNING_TEAM, "Owning team", journey.teams, pain.owning_team if pain else None),
    ):
        if names:
            blocks.append(
                input_block(
                    block_id,
                    label,
                    select(block_id, _names(names), placeholder=label, initial=current),
                    optional=True,
                )
            )
    chosen_source = pain.source if pain else source
    blocks += [
        input_block(
            Block.SOURCE,
            "Evidence",
            select(
                Block.SOURCE,
                [(_SOURCE_LABELS[s], s.value) for s in EvidenceSource],
                placeholder="Where does this come from?",
                initial=chosen_source.value if chosen_source else None,
            ),
            optional=True,
            hint="Left empty, it counts as unknown (never as internal).",
        ),
        input_block(
            Block.LINK,
            "Link to the evidence",
            link_input,
            optional=True,
            hint="A ticket, a recording, or the Slack message with the customer's words.",
        ),
    ]
    meta = dict(metadata or {})
    if editing:
        meta["pain_id"] = pain.id
    return {
        "type": "modal",
        "callback_id": View.PAIN_EDIT if editing else View.PAIN,
        "title": plain(
            f"Pain point #{pain.id}" if editing else "Log a pain point", LIMITS.MODAL_TITLE
        ),
        "submit": plain("Save" if editing else "Log it", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }
