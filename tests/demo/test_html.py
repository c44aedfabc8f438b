"""The demo's roadmap.html renderer: Notion JSON in, readable HTML out."""

from bot.demo.html import property_text, render_page


def _text(content: str) -> list[dict]:
    return [{"type": "text", "text": {"content": content}, "plain_text": content}]


def _page(name: str, score: float, bucket: str, status: str = "Proposed") -> dict:
    return {
        "object": "page",
        "properties": {
            "Name": {"type": "title", "title": _text(name)},
            "Score": {"type": "number", "number": score},
            "Bucket": {"type": "select", "select": {"name": bucket}},
            "Status": {"type": "select", "select": {"name": status}},
            "Teams": {
                "type": "multi_select",
                "multi_select": [{"name": "Sales"}, {"name": "Support"}],
            },
        },
    }


def test_property_text_reads_every_common_type():
    assert property_text({"type": "number", "number": 61.5}) == "61.5"
    assert property_text({"type": "select", "select": None}) == ""
    assert property_text({"type": "checkbox", "checkbox": True}) == "yes"
    assert (
        property_text({"type": "multi_select", "multi_select": [{"name": "A"}, {"name": "B"}]})
        == "A, B"
    )
    assert property_text(None) == ""


def test_the_board_puts_each_idea_in_its_bucket_column_highest_score_first():
    pages = [
        _page("Low now", 40, "Now"),
        _page("High now", 80, "Now"),
        _page("Later one", 10, "Later"),
    ]
    html = render_page(
        title="Journey roadmap", summary_blocks=[], children=lambda _: [], roadmap_pages=pages
    )
    board = html.split("<h2>Roadmap board</h2>")[1].split("<h2>Roadmap table</h2>")[0]
    now_column = board.split("<h3>Next")[0]
    assert now_column.index("High now") < now_column.index("Low now")
    assert "Later one" in board.split("<h3>Later")[1]


def test_summary_blocks_render_headings_lists_and_tables_and_escape_text():
    blocks = [
        {"id": "h", "type": "heading_2", "heading_2": {"rich_text": _text("Now")}},
        {
            "id": "b",
            "type": "bulleted_list_item",
            "bulleted_list_item": {"rich_text": _text("<script>x</script>")},
        },
        {"id": "t", "type": "table", "has_children": True, "table": {"has_column_header": True}},
    ]
    rows = {
        "t": [
            {"type": "table_row", "table_row": {"cells": [_text("Stage"), _text("Load")]}},
            {"type": "table_row", "table_row": {"cells": [_text("Onboarding"), _text("19")]}},
        ]
    }
    html = render_page(
        title="T", summary_blocks=blocks, children=lambda i: rows.get(i, []), roadmap_pages=[]
    )
    assert "<h3>Now</h3>" in html
    assert "<ul>\n<li>&lt;script&gt;x&lt;/script&gt;</li>\n</ul>" in html
    assert "<th>Stage</th>" in html and "<td>Onboarding</td>" in html
    assert "<script>" not in html


def test_the_table_shows_a_done_ideas_outcome_and_the_figures_behind_it():
    done = _page("Faster checkout", 30, "", status="Done")
    done["properties"]["Outcome"] = {"type": "select", "select": {"name": "worked"}}
    done["properties"]["Outcome figures"] = {
        "type": "rich_text",
        "rich_text": _text("shipped 2025-03-10; 0 new pain points since shipping against 4"),
    }
    html = render_page(
        title="Journey roadmap", summary_blocks=[], children=lambda _: [], roadmap_pages=[done]
    )
    table = html.split("<h2>Roadmap table</h2>")[1]
    assert "<th>Outcome</th>" in table and "<td>worked</td>" in table
    assert "<td>shipped 2025-03-10; 0 new pain points since shipping against 4</td>" in table
