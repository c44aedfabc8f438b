"""Votes as people write them in a Slack thread."""

from __future__ import annotations

import pytest

from prioritize.parsing import ParsedVote, parse_id, parse_vote, parse_weeks

TSHIRT = {"XS": 0.5, "S": 1.0, "M": 3.0, "L": 6.0, "XL": 12.0}


def vote(text: str) -> ParsedVote | None:
    return parse_vote(text, tshirt=TSHIRT)


@pytest.mark.parametrize("text", ["+1", " +1! ", ":+1:", ":+1::skin-tone-3:", "👍", "👍🏽"])
def test_a_plain_plus_one_is_support(text):
    assert vote(text) == ParsedVote(support=True)


@pytest.mark.parametrize(
    ("text", "impact", "complexity", "weeks"),
    [
        ("i4 c2 t3w", 4, 2, 3.0),
        ("I4 C2 T3W", 4, 2, 3.0),
        ("i4 c2 t3w.", 4, 2, 3.0),
        ("impact 4 complexity 2 time 3w", 4, 2, 3.0),
        ("impact 4, complexity 2.", 4, 2, None),
        ("impact: 4\ncomplexity: 2\ntime: 2 weeks", 4, 2, 2.0),
        ("impact=5 c=1", 5, 1, None),
        ("impact: high", 4, None, None),
        ("impact: High!", 4, None, None),
        ("impact very high", 5, None, None),
        ("value low", 2, None, None),
        ("effort L", None, None, 6.0),
        ("effort xs", None, None, 0.5),
        ("size M", None, None, 3.0),
        ("effort 4", None, 4, None),
        ("effort high", None, 4, None),
        ("effort 2w", None, None, 2.0),
        ("time 2 weeks", None, None, 2.0),
        ("t 10d", None, None, 2.0),
        ("time 1.5", None, None, 1.5),
        ("ttd 1 month", None, None, 4.33),
        ("10d", None, None, 2.0),
        ("1 month", None, None, 4.33),
        ("3 weeks.", None, None, 3.0),
    ],
)
def test_shorthand_ratings_are_understood(text, impact, complexity, weeks):
    assert vote(text) == ParsedVote(impact=impact, complexity=complexity, weeks=weeks)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "great idea",
        "+1 but only for enterprise customers",
        "I think this has a big impact on onboarding",
        "impact 4 but honestly I am not sure this is the right thing at all",
        "This would take time to build",
        "impact 6",
        "complexity 0",
        "impact 4.5",
        "impact 4 impact 5",
        "effort 9",
        "effort enormous",
        "time forever",
        "3",
        "L",
        "i4c2t3w",
        "see https://example.com/i4",
        "2024",
    ],
)
def test_sentences_and_out_of_range_ratings_are_not_votes(text):
    assert vote(text) is None


def test_weeks_come_from_sizes_days_weeks_and_months():
    assert parse_weeks("XL", tshirt=TSHIRT) == 12.0
    assert parse_weeks("xl", tshirt=TSHIRT) == 12.0
    assert parse_weeks("5 days", tshirt=TSHIRT) == 1.0
    assert parse_weeks("2 months", tshirt=TSHIRT) == 8.66
    assert parse_weeks("3", tshirt=TSHIRT) == 3.0


@pytest.mark.parametrize("text", ["0w", "0", "600 weeks", "soon", "-1w"])
def test_durations_outside_ten_years_or_not_durations_are_refused(text):
    assert parse_weeks(text, tshirt=TSHIRT) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" #7 ", 7),
        ("²", None),
        ("#١٢", None),
        ("9" * 30, None),
        ("#", None),
    ],
)
def test_an_id_is_ascii_digits_with_an_optional_hash(typed, expected):
    assert parse_id(typed) == expected
