"""Everyday use cases over a real store: edits with history, triage, finding again."""

from __future__ import annotations

import pytest

from bot.services import InvalidInput, NotAllowed, NotFound, Services
from prioritize.models import PainStatus

T1, T2 = "T0001", "T0002"


def test_an_edit_that_changes_nothing_stores_no_history_and_no_redraw(services: Services) -> None:
    pain = services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase").pain
    before = services.outbox.backlog()
    edited = services.editing.edit_pain(T1, "U1", pain.id, stage="purchase", severity=3)
    assert edited.changed == ()
    assert services.editing.history_of(T1, "pain", pain.id) == []
    assert services.outbox.backlog() == before


def test_only_the_fields_given_change_and_each_is_kept_with_old_and_new(services: Services) -> None:
    pain = services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase").pain
    services.editing.edit_pain(T1, "U1", pain.id, text="Checkout fails on mobile")
    stored = services.store.pains.get(T1, pain.id)
    assert (stored.text, stored.stage) == ("Checkout fails on mobile", "Purchase")
    [edit] = services.editing.history_of(T1, "pain", pain.id)
    assert edit["changes"] == {"text": ["Checkout fails", "Checkout fails on mobile"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"text": "  "}, "text"), ({"stage": None}, "stage"), ({"reporter": "U2"}, "reporter")],
)
def test_emptying_a_required_field_or_editing_another_is_refused(services, changes, field):
    pain = services.log_pain_point(T1, "U1", "Checkout fails").pain
    with pytest.raises(InvalidInput) as e:
        services.editing.edit_pain(T1, "U1", pain.id, **changes)
    assert e.value.field == field
    assert services.store.pains.get(T1, pain.id).text == "Checkout fails"


def test_others_and_other_workspaces_cannot_edit_or_triage(services: Services) -> None:
    pain = services.log_pain_point(T1, "U1", "Checkout fails").pain
    with pytest.raises(NotAllowed, match="Only the person who logged"):
        services.editing.edit_pain(T1, "U2", pain.id, severity=5)
    with pytest.raises(NotAllowed, match="can withdraw"):
        services.editing.withdraw_pain(T1, "U2", pain.id)
    with pytest.raises(NotAllowed, match="Only journeybot admins"):
        services.editing.set_pain_status(T1, "U1", pain.id, "Closed")
    with pytest.raises(NotFound):
        services.editing.edit_pain(T2, "U1", pain.id, severity=5)
    assert services.store.pains.get(T1, pain.id).status is PainStatus.OPEN


def test_finding_filters_by_stage_team_and_mine_within_one_workspace(services: Services) -> None:
    services.log_pain_point(
        T1, "U1", "Invoice email is late", stage="Purchase", owning_team="Support"
    )
    services.log_pain_point(T1, "U2", "Invoice PDF is blurry", stage="Purchase")
    services.log_pain_point(T1, "U1", "Invoice missing in onboarding", stage="Onboarding")
    services.log_pain_point(T2, "U1", "Invoice in another workspace", stage="Purchase")
    find = services.editing.find
    assert find(T1, "U1", "invoice", search=True).page.total == 3
    assert find(T1, "U1", "invoice stage:purchase", search=True).page.total == 2
    assert find(T1, "U1", "team:support", search=False).page.total == 1
    assert find(T1, "U1", "mine invoice", search=True).page.total == 2
    assert [p.text for p in find(T1, "U2", "mine", search=False).page.items] == [
        "Invoice PDF is blurry"
    ]
    with pytest.raises(InvalidInput, match="unknown journey stage"):
        find(T1, "U1", "stage:Nowhere", search=False)
    with pytest.raises(InvalidInput, match="unknown filter"):
        find(T1, "U1", "colour:red", search=False)


def test_a_withdrawn_pain_point_is_not_found_by_default_and_the_reporters_plus_one_adds_nothing(
    services: Services,
) -> None:
    kept = services.log_pain_point(T1, "U1", "Invoice email is late").pain
    gone = services.log_pain_point(T1, "U1", "Invoice PDF is blurry").pain
    services.editing.withdraw_pain(T1, "U1", gone.id)
    assert [p.id for p in services.editing.find(T1, "U2", "invoice", search=True).page.items] == [
        kept.id
    ]
    assert services.editing.plus_one(T1, "U1", kept.id) == (False, 1)
    assert services.editing.plus_one(T1, "U2", kept.id) == (True, 2)
    assert services.editing.plus_one(T1, "U2", kept.id) == (False, 2)
