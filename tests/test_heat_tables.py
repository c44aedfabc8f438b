"""The journey heat table is one table: the CLI, Slack and Notion show the same columns in
the same order, the same numbers, and the same plain-words sentence about the weakest stage.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.notion import render
from bot.slack.blocks.reports import heat_message
from bot.tables import heat_table
from prioritize.heat import HEAT_COLUMNS, STAGE_COLUMN, Heat, PainFact, heat, weakest_sentence

STAGES = ["Awareness", "Purchase", "Onboarding"]


def a_journey() -> Heat:
    """Purchase is weakest though one idea addresses one of its three pain points."""
    pains = [
        PainFact(1, "Purchase", 5),
        PainFact(2, "Purchase", 4),
        PainFact(3, "Purchase", 3),
        PainFact(4, "Awareness", 2),
        PainFact(5, "Onboarding", 5),
    ]
    return heat(STAGES, pains, {10: [1], 11: [5]})


def cli_rows(h: Heat) -> tuple[list[str], list[list[str]]]:
    table = heat_table(h)
    assert isinstance(table, Table)
    heads = [str(c.header) for c in table.columns]
    cells = [[Text.from_markup(str(cell)).plain for cell in c._cells] for c in table.columns]
    return heads, [list(row) for row in zip(*cells, strict=True)]


def slack_rows(h: Heat) -> tuple[list[str], list[list[str]]]:
    text = heat_message(h)["blocks"][1]["text"]["text"]
    lines = text.strip("`").splitlines()
    heads = lines[0].split()
    rows = []
    for line in lines[1:]:
        stage, numbers = re.match(r"(.+?)\s+((?:\d+\s*)+)", line).groups()  # type: ignore[union-attr]
        rows.append([stage.strip(), *numbers.split()])
    return heads, rows


def notion_rows(h: Heat) -> tuple[list[str], list[list[str]]]:
    slots = render.summary_slots([], h, page_urls={}, roadmap_url=None)
    table = next(s for s in slots if s.key == "heat")
    texts = [
        [
            "".join(piece["text"]["content"] for piece in cell)
            for cell in r.block["table_row"]["cells"]
        ]
        for r in table.rows
    ]
    return texts[0], texts[1:]


def test_the_cli_slack_and_notion_heat_tables_have_the_same_columns_in_the_same_order() -> None:
    h = a_journey()
    cli_heads, _ = cli_rows(h)
    slack_heads, _ = slack_rows(h)
    notion_heads, _ = notion_rows(h)
    assert cli_heads == notion_heads == [STAGE_COLUMN, *(c.title for c in HEAT_COLUMNS)]
    assert slack_heads == [STAGE_COLUMN, *(c.short for c in HEAT_COLUMNS)]


def test_the_three_heat_tables_show_the_same_numbers_row_by_row() -> None:
    h = a_journey()
    expected = [[str(c.value(r)) for c in HEAT_COLUMNS] for r in h.stages]
    for heads, rows in (cli_rows(h), slack_rows(h), notion_rows(h)):
        assert len(rows) == len(STAGES), heads
        numbers = [[cell.split()[0] for cell in row[1:]] for row in rows]
        assert numbers == expected, heads
        assert [row[0].replace(" ← weakest", "") for row in rows] == STAGES


def test_the_weakest_stage_sentence_agrees_with_its_row_and_is_said_alike_everywhere() -> None:
    h = a_journey()
    row = h.row("Purchase")
    assert h.weakest == "Purchase" and row.ideas == 1 and row.unaddressed == 7
    sentence = weakest_sentence(h)
    assert sentence == (
        "Weakest stage: Purchase. 2 of its 3 open pain points have no idea addressing them"
        " yet (severity 7 of its load of 12), the most unaddressed severity of any stage."
        " 1 idea addresses the other."
    )
    console = Console(width=400, record=True)
    console.print(heat_table(h))
    assert sentence in " ".join(console.export_text().split())  # the caption wraps
    assert sentence in heat_message(h)["blocks"][2]["text"]["text"]
    slots = render.summary_slots([], h, page_urls={}, roadmap_url=None)
    callout = next(s for s in slots if s.key == "weakest").block["callout"]["rich_text"]
    assert "".join(piece["text"]["content"] for piece in callout) == sentence


def test_with_nothing_unaddressed_every_table_says_so() -> None:
    h = heat(STAGES, [PainFact(1, "Purchase", 5)], {10: [1]})
    assert weakest_sentence(h) == "Every open pain point has at least one idea addressing it."
    assert weakest_sentence(h) in heat_message(h)["blocks"][2]["text"]["text"]
