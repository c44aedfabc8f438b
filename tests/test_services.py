"""Use cases over a real store: validation against the journey map, permissions, events."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from bot.services import Change, InvalidInput, NotAllowed, Services, StatusChange
from prioritize.config import JourneyConfig
from prioritize.models import Bucket, IdeaStatus, PainStatus

T1 = "T0001"


def test_a_pain_point_is_stored_in_the_configured_spelling_with_similar_ones(services):
    first = services.log_pain_point(T1, "U1", "Checkout times out on mobile", stage="purchase")
    second = services.log_pain_point(
        T1, "U2", "Mobile checkout times out", stage="Purchase", touchpoint="checkout",
        persona="buyer", severity=5, source="customer", owning_team="support",
    )  # fmt: skip
    assert first.pain.stage == "Purchase" and first.similar == []
    p = second.pain
    assert (p.touchpoint, p.persona, p.owning_team, p.source.value) == (
        "Checkout",
        "Buyer",
        "Support",
        "customer said",
    )
    assert [s.id for s in second.similar] == [first.pain.id]


def test_a_pain_point_without_a_stage_goes_to_the_first_stage(services):
    assert services.log_pain_point(T1, "U1", "Ads are confusing").pain.stage == "Awareness"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"stage": "Nowhere"}, "stage"),
        ({"touchpoint": "Fax"}, "touchpoint"),
        ({"owning_team": "Legal"}, "owning_team"),
        ({"severity": 7}, "severity"),
        ({"source": "rumour"}, "source"),
        ({"link": "ftp://x"}, "link"),
    ],
)
def test_bad_pain_point_input_names_the_field_and_stores_nothing(services, values, field):
    with pytest.raises(InvalidInput) as e:
        services.log_pain_point(T1, "U1", "Checkout fails", **values)
    assert e.value.field == field
    assert services.store.pains.all(T1) == []


def test_the_reporter_can_edit_a_pain_point_and_others_cannot(services):
    pain = services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase").pain
    updated = services.update_pain_point(T1, "U1", pain.id, severity=5, stage="onboarding")
    assert (updated.severity, updated.stage, updated.text) == (5, "Onboarding", "Checkout fails")
    assert services.store.pains.get(T1, pain.id).severity == 5
    with pytest.raises(NotAllowed):
        services.update_pain_point(T1, "U2", pain.id, severity=1)
    assert services.update_pain_point(T1, "U2", pain.id, admin=True, severity=1).severity == 1
    with pytest.raises(InvalidInput) as e:
        services.update_pain_point(T1, "U1", pain.id, stage="Nowhere")
    assert e.value.field == "stage"


def test_only_the_configured_teams_may_rate_a_restricted_criterion(store, clock):
    journey = JourneyConfig(raters={"complexity": ["engineering", "product"]})
    s = Services(store, journey, clock=clock)
    idea = s.propose_idea(T1, "U1", "Retry payments")
    s.set_team(T1, "U1", "sales")
    s.set_team(T1, "U2", "Engineering")
    with pytest.raises(NotAllowed) as e:
        s.record_estimate(T1, idea.id, "U1", impact=4, complexity=2)
    assert str(e.value) == "complexity is rated by Engineering or Product (you are in Sales)"
    with pytest.raises(NotAllowed, match=r"tell me your team with /journey team"):
        s.record_estimate(T1, idea.id, "U3", complexity=2)
    assert s.record_estimate(T1, idea.id, "U1", impact=4).estimate.team == "Sales"
    assert s.record_estimate(T1, idea.id, "U2", complexity=2).estimate.team == "Engineering"
    assert len(store.votes.estimates(idea.id)) == 2


def test_a_team_once_set_is_changed_only_by_an_admin_so_raters_cannot_be_bypassed(store, clock):
    journey = JourneyConfig(raters={"complexity": ["engineering"]})
    s = Services(store, journey, clock=clock, admins=frozenset({"U0ADMIN"}))
    idea = s.propose_idea(T1, "U1", "Retry payments")
    assert s.set_team(T1, "U1", "sales") == "Sales"
    assert s.set_team(T1, "U1", "SALES") == "Sales"  # the same team again changes nothing
    with pytest.raises(NotAllowed, match=r"you are in Sales; .* only by an admin .*<@U0ADMIN>"):
        s.set_team(T1, "U1", "Engineering")
    assert s.team_of(T1, "U1") == "Sales"
    with pytest.raises(NotAllowed, match="complexity is rated by Engineering"):
        s.record_estimate(T1, idea.id, "U1", complexity=2)
    with pytest.raises(NotAllowed, match="someone else's team"):
        s.set_team(T1, "U1", "Engineering", by="U2")
    assert s.set_team(T1, "U1", "Engineering", by="U0ADMIN") == "Engineering"
    assert s.record_estimate(T1, idea.id, "U1", complexity=2).estimate.team == "Engineering"


def test_a_team_from_the_config_mapping_wins_and_cannot_be_changed_in_slack(store, clock):
    journey = JourneyConfig(
        raters={"complexity": ["engineering"]}, members={"U1": "sales", "U2": "engineering"}
    )
    assert journey.members == {"U1": "Sales", "U2": "Engineering"}
    s = Services(store, journey, clock=clock)
    idea = s.propose_idea(T1, "U1", "Retry payments")
    with pytest.raises(NotAllowed, match=r"your team is Sales, set in the config file"):
        s.set_team(T1, "U1", "Engineering")
    store.people.set_team(T1, "U1", "Engineering")  # a row written before the mapping existed
    assert s.team_of(T1, "U1") == "Sales"
    with pytest.raises(NotAllowed):
        s.record_estimate(T1, idea.id, "U1", complexity=2)
    assert s.record_estimate(T1, idea.id, "U2", complexity=2).estimate.team == "Engineering"
    with pytest.raises(ValidationError, match=r"members.U3: unknown team 'Legal'"):
        JourneyConfig(members={"U3": "Legal"})


def test_votes_on_a_merged_idea_land_on_the_survivor(services):
    a = services.propose_idea(T1, "U1", "Retry card payments")
    b = services.propose_idea(T1, "U1", "Retry payments")
    services.merge(T1, a.id, b.id, by="U9")
    vote = services.record_estimate(T1, a.id, "U2", impact=5)
    assert vote.idea.id == b.id
    assert services.support(T1, a.id, "U3").support_added
    assert services.store.votes.supporters(b.id) == ["U3"]
    assert [e.idea.id for e in services.roadmap(T1)] == [b.id]


def test_changes_are_announced_and_a_failing_subscriber_does_not_undo_them(services):
    seen: list[Change | StatusChange] = []
    services.subscribe(lambda event: 1 / 0)
    services.subscribe(seen.append)
    idea = services.propose_idea(T1, "U1", "Retry payments")
    change = services.change_status(T1, idea.id, "Done", by="U9")
    assert services.change_status(T1, idea.id, IdeaStatus.DONE, by="U9") is None
    assert seen == [Change(T1, idea_ids=(idea.id,)), change]
    assert (change.old, change.new) == (IdeaStatus.PROPOSED, IdeaStatus.DONE)


def test_an_unknown_status_or_bucket_lists_the_choices(services):
    idea = services.propose_idea(T1, "U1", "Retry payments")
    with pytest.raises(InvalidInput, match="choose Proposed, Planned, In progress, Done"):
        services.change_status(T1, idea.id, "Shipped", by="U9")
    with pytest.raises(InvalidInput, match="choose Now, Next or Later"):
        services.pin_bucket(T1, idea.id, "Soon", by="U9")


def test_a_pinned_idea_keeps_its_bucket_on_the_roadmap(services):
    idea = services.propose_idea(T1, "U1", "Retry payments")
    assert services.roadmap(T1)[0].item.bucket is Bucket.LATER  # needs estimates
    services.pin_bucket(T1, idea.id, "Now", by="U9")
    assert services.entry(T1, idea.id).item.bucket is Bucket.NOW
    services.pin_bucket(T1, idea.id, None, by="U9")
    assert services.entry(T1, idea.id).item.bucket is Bucket.LATER


def test_score_of_one_idea_matches_its_roadmap_entry(services):
    idea = services.propose_idea(T1, "U1", "Retry payments", impact=4, complexity=2, weeks=2)
    s, line = services.score_of(T1, idea.id)
    entry = services.entry(T1, idea.id)
    assert (s.value, line) == (entry.score.value, entry.breakdown)


def test_heat_follows_ideas_being_done(services):
    pain = services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase", severity=4).pain
    assert services.heat(T1).weakest == "Purchase"
    idea = services.propose_idea(T1, "U1", "Retry payments", pain_point_ids=[pain.id])
    assert services.heat(T1).row("Purchase").unaddressed == 0
    services.change_status(T1, idea.id, IdeaStatus.DONE, by="U9")
    assert services.store.pains.get(T1, pain.id).status is PainStatus.ADDRESSED
    assert services.heat(T1).row("Purchase").open_pain_points == 0


def test_two_details_changed_at_once_both_stick(services):
    # The /pain pickers each start a background update; one must not write back the
    # other's stale copy of the pain point.
    pains = [services.log_pain_point(T1, "U1", f"Checkout fails {n}").pain for n in range(20)]
    for pain in pains:
        barrier = threading.Barrier(2)

        def change(pain_id: int, barrier: threading.Barrier = barrier, **detail: object) -> None:
            barrier.wait()
            services.update_pain_point(T1, "U1", pain_id, **detail)

        threads = [
            threading.Thread(target=change, args=(pain.id,), kwargs={"stage": "Purchase"}),
            threading.Thread(target=change, args=(pain.id,), kwargs={"severity": 5}),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    stored = services.store.pains.all(T1)
    assert {(p.stage, p.severity) for p in stored} == {("Purchase", 5)}
