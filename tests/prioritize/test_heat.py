"""Journey heat: open pain per stage, what addresses it, and the weakest stage."""

from __future__ import annotations

import pytest

from prioritize.heat import PainFact, heat
from prioritize.models import PainStatus

STAGES = ["Awareness", "Purchase", "Onboarding"]


def test_heat_sums_open_pain_per_stage_and_counts_the_ideas_addressing_it():
    pains = [
        PainFact(1, "Awareness", 5),
        PainFact(2, "Awareness", 2),
        PainFact(3, "Purchase", 4),
        PainFact(4, "Purchase", 5, PainStatus.ADDRESSED),
        PainFact(5, "Onboarding", 3),
    ]
    h = heat(STAGES, pains, {10: [1], 11: [1, 3]})
    # Awareness: 2 open, load 5 + 2 = 7, ideas {10, 11}, unaddressed: pain 2 (severity 2)
    # Purchase: the addressed pain 4 does not count; 1 open, load 4, idea {11}, nothing left
    # Onboarding: 1 open, load 3, no idea, unaddressed 3
    rows = [
        (r.stage, r.open_pain_points, r.severity_load, r.ideas, r.unaddressed) for r in h.stages
    ]
    assert rows == [
        ("Awareness", 2, 7, 2, 2),
        ("Purchase", 1, 4, 1, 0),
        ("Onboarding", 1, 3, 0, 3),
    ]
    assert h.weakest == "Onboarding"


def test_the_weakest_stage_tie_goes_to_the_heavier_load_then_the_earlier_stage():
    heavier = [PainFact(1, "Awareness", 3), PainFact(2, "Purchase", 3), PainFact(3, "Purchase", 4)]
    assert heat(STAGES, heavier, {9: [3]}).weakest == "Purchase"
    even = [PainFact(1, "Purchase", 3), PainFact(2, "Onboarding", 3)]
    assert heat(STAGES, even, {}).weakest == "Purchase"


def test_there_is_no_weakest_stage_when_every_open_pain_is_addressed():
    h = heat(STAGES, [PainFact(1, "Purchase", 5)], {3: [1]})
    assert h.weakest is None
    assert h.row("Purchase").ideas == 1


def test_stages_keep_journey_order_and_pain_in_an_unknown_stage_is_left_out():
    h = heat(STAGES, [PainFact(1, "Retired stage", 5)], {})
    assert [r.stage for r in h.stages] == STAGES
    assert all(r.severity_load == 0 for r in h.stages)
    with pytest.raises(KeyError):
        h.row("Retired stage")


def test_closed_pain_points_are_not_heat():
    h = heat(STAGES, [PainFact(1, "Awareness", 5, PainStatus.CLOSED)], {})
    assert h.row("Awareness").open_pain_points == 0
    assert h.weakest is None
