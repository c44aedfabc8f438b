"""Domain models and journey lookups refuse bad input, naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from prioritize.config import Criterion, InvalidInput, JourneyConfig, ScoringConfig
from prioritize.models import MAX_TEXT, MAX_TITLE, Estimate, Idea, PainPoint, clean_text


def pain(**values: object) -> PainPoint:
    return PainPoint(**{"team_id": "T1", "reporter": "U1", "text": "Checkout fails",
                        "stage": "Purchase", **values})  # fmt: skip


def field_of(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.errors()[0]["loc"])


@pytest.mark.parametrize("severity", [0, 6, -1, 100])
def test_a_severity_outside_1_to_5_is_refused(severity):
    with pytest.raises(ValidationError) as e:
        pain(severity=severity)
    assert field_of(e.value) == "severity"


@pytest.mark.parametrize(
    ("criterion", "value"),
    [("impact", 0), ("impact", 6), ("complexity", 0), ("complexity", 9), ("weeks", 0),
     ("weeks", -2), ("weeks", 521), ("weeks", float("nan")), ("weeks", float("inf"))],
)  # fmt: skip
def test_out_of_range_estimates_are_refused_naming_the_criterion(criterion, value):
    with pytest.raises(ValidationError) as e:
        Estimate(team_id="T1", idea_id=1, voter="U1", **{criterion: value})
    assert field_of(e.value) == criterion


def test_an_estimate_must_rate_something():
    with pytest.raises(ValidationError, match="at least one of impact, complexity or weeks"):
        Estimate(team_id="T1", idea_id=1, voter="U1")


def test_a_partial_estimate_takes_the_rest_from_the_older_one():
    older = Estimate(team_id="T1", idea_id=1, voter="U1", team="Sales", impact=2, complexity=4)
    newer = Estimate(team_id="T1", idea_id=1, voter="U1", impact=5, weeks=3)
    merged = newer.merged_over(older)
    assert (merged.impact, merged.complexity, merged.weeks, merged.team) == (5, 4, 3.0, "Sales")
    assert newer.merged_over(None) is newer


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b\u200b", "\u202e\u2066\u200d"])
def test_empty_or_invisible_text_is_refused(text):
    with pytest.raises(ValidationError) as e:
        pain(text=text)
    assert field_of(e.value) == "text"
    assert "must not be empty" in str(e.value)


def test_a_40000_character_slack_message_is_too_long_for_a_pain_point():
    with pytest.raises(ValidationError) as e:
        pain(text="x" * 40_000)
    assert field_of(e.value) == "text"
    assert f"must be at most {MAX_TEXT} characters, not 40000" in str(e.value)


def test_an_idea_title_must_fit_a_header():
    Idea(team_id="T1", proposer="U1", title="t" * MAX_TITLE)
    with pytest.raises(ValidationError) as e:
        Idea(team_id="T1", proposer="U1", title="t" * (MAX_TITLE + 1))
    assert field_of(e.value) == "title"


# Typed as people type them: the emoji is woman + ZWJ + laptop, the Persian word carries
# a zero-width non-joiner, the Devanagari ones a virama with a ZWJ or ZWNJ, and the flag
# is a tag sequence. Each is already NFC, so "as typed" means the same code points.
AS_TYPED = [
    "\U0001f469\u200d\U0001f4bb",  # 👩‍💻
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian "I want"
    "\u0646\u0627\u0645\u0647\u200c\u0647\u0627",  # Persian "letters"
    "\u0915\u094d\u200d\u0937",  # Devanagari half-form with ZWJ
    "\u0915\u094d\u200c\u0937",  # Devanagari explicit virama with ZWNJ
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
    "\u2764\ufe0f",  # red heart with its emoji variation selector
    "\U0001fae8",  # an emoji newer than this Python's Unicode tables
    "\u05e9\u05dc\u05d5\u05dd \u200fabc",  # Hebrew with a right-to-left mark
]


@pytest.mark.parametrize("text", AS_TYPED)
def test_joiners_marks_and_new_emoji_are_kept_exactly_as_typed(text):
    assert clean_text(text) == text
    assert pain(text=f"Checkout {text} fails").text == f"Checkout {text} fails"
    assert Idea(team_id="T1", proposer="U1", title=text).title == text


def test_bidi_overrides_embeddings_and_isolates_are_removed():
    reordering = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert pain(text=f"{reordering}Checkout\u202e fails\u2069 ").text == "Checkout fails"


def test_nul_and_other_control_characters_are_removed_but_newline_and_tab_stay():
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\n\t\r") + "\x7f\x85"
    assert clean_text(f"a{controls}b\nc\td") == "ab\nc\td"
    assert clean_text("one\r\ntwo\rthree") == "one\ntwo\nthree"


def test_tag_characters_that_hide_ascii_are_removed_outside_a_flag():
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore this")
    assert clean_text(f"Refund{hidden} please") == "Refund please"


def test_text_made_only_of_joiners_or_blank_looking_characters_is_empty():
    for text in ["\u200d", "\u200c\u200b", "\u3164", "\u0301", "\u2800 \u200d"]:
        with pytest.raises(ValidationError, match="must not be empty"):
            pain(text=text)


def test_text_is_nfc_normalised_and_keeps_newlines_and_ordinary_unicode():
    assert clean_text("Cafe\u0301\r\nnaïve 日本 🚀\tok") == "Café\nnaïve 日本 🚀\tok"


def test_a_link_must_be_a_web_address():
    assert pain(link="https://example.com/ticket/1").link == "https://example.com/ticket/1"
    with pytest.raises(ValidationError, match="must start with http") as e:
        pain(link="javascript:alert(1)")
    assert field_of(e.value) == "link"


def test_unknown_evidence_source_and_status_are_refused():
    with pytest.raises(ValidationError) as e:
        pain(source="a dream")
    assert field_of(e.value) == "source"
    with pytest.raises(ValidationError) as e:
        Idea(team_id="T1", proposer="U1", title="x", status="Shipped")
    assert field_of(e.value) == "status"


def test_records_need_a_workspace():
    with pytest.raises(ValidationError) as e:
        pain(team_id="")
    assert field_of(e.value) == "team_id"


# ---------------------------------------------------------------- journey lookups


def test_journey_lookups_return_the_configured_spelling():
    j = JourneyConfig()
    assert j.stage("  onboarding ") == "Onboarding"
    assert j.team("customer   success") == "Customer Success"
    assert j.touchpoint("in-app") == "In-app"
    assert j.persona("ADMIN") == "Admin"


@pytest.mark.parametrize(
    ("lookup", "field", "kind"),
    [("stage", "stage", "journey stage"), ("team", "team", "team"),
     ("touchpoint", "touchpoint", "touchpoint"), ("persona", "persona", "persona")],
)  # fmt: skip
def test_an_unknown_name_is_refused_with_the_field_and_the_choices(lookup, field, kind):
    with pytest.raises(InvalidInput) as e:
        getattr(JourneyConfig(), lookup)("Nowhere")
    assert e.value.field == field
    assert e.value.message.startswith(f"unknown {kind} 'Nowhere'; choose one of ")
    assert str(e.value).startswith(f"{field}: unknown {kind}")


def test_a_lookup_can_name_the_field_it_was_asked_for():
    with pytest.raises(InvalidInput) as e:
        JourneyConfig().team("Legal", field="owning_team")
    assert e.value.field == "owning_team"
    assert "choose one of Marketing, Sales, Support, Customer Success" in e.value.message


def test_raters_are_stored_in_the_configured_spelling_so_lookups_match():
    j = JourneyConfig(raters={"complexity": ["engineering", " product "]})
    assert j.raters[Criterion.COMPLEXITY] == ["Engineering", "Product"]
    assert j.may_rate("Engineering", Criterion.COMPLEXITY)
    assert not j.may_rate("Sales", Criterion.COMPLEXITY)
    assert not j.may_rate(None, Criterion.COMPLEXITY)
    assert j.may_rate(None, Criterion.IMPACT)
    assert j.who_may_rate(Criterion.COMPLEXITY) == "Engineering or Product"
    assert j.who_may_rate(Criterion.IMPACT) == "everyone"


def test_a_config_naming_an_unknown_team_or_stage_is_refused():
    with pytest.raises(ValidationError, match=r"raters.weeks: unknown team 'Legal'"):
        JourneyConfig(raters={"weeks": ["Legal"]})
    with pytest.raises(ValidationError, match=r"default_stage: unknown journey stage 'Nope'"):
        JourneyConfig(default_stage="Nope")


@pytest.mark.parametrize(
    "stages",
    [[], ["Awareness", "awareness"], ["Awareness", " "], ["Buy, then use"]],
)
def test_stage_lists_must_be_non_empty_unique_and_comma_free(stages):
    with pytest.raises(ValidationError) as e:
        JourneyConfig(stages=stages)
    assert field_of(e.value) == "stages"


def test_names_with_runs_of_spaces_can_still_be_looked_up():
    j = JourneyConfig(teams=["Customer  Success", "Sales"])
    assert j.teams == ["Customer Success", "Sales"]
    assert j.team("customer success") == "Customer Success"


def test_tshirt_sizes_are_looked_up_in_upper_case():
    assert ScoringConfig(tshirt_weeks={" xl ": 10}).tshirt_weeks == {"XL": 10}
