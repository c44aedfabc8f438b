"""Workspaces installed side by side never see each other's data, whatever a request says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fleet import Fleet, Member, start_fleet

from bot.sandbox.slack import SlackEmulator
from bot.slack.ids import Action


def _install(fleet: Fleet, team_ids: list[str]) -> list[Member]:
    members = []
    for team_id in team_ids:
        member = fleet.workspace(team_id)
        assert fleet.install(team_id, member.users[0]).status == 200
        fleet.set_channel(member)
        members.append(member)
    fleet.settle()
    return members


def _use_every_surface(fleet: Fleet, member: Member) -> None:
    """Pain point, idea card, a vote, a status DM, /roadmap, /journey and App Home."""
    admin, proposer = member.users[0], member.users[1]
    reporter = proposer
    marker = f"marker-{member.team_id}"
    reply = member.people.slash(
        reporter, "/pain", f"Checkout hurts {marker}", channel=member.channel
    )
    assert reply.status == 200, reply
    fleet.settle()
    idea = fleet.propose(member, proposer, f"Idea {marker}")
    vote = member.people.block_action(
        admin,
        Action.IDEA_SUPPORT,
        str(idea.id),
        channel=member.channel,
        message_ts=idea.card_ts,
    )
    assert vote.status == 200
    with fleet.serving(member):
        fleet.services.change_status(member.team_id, idea.id, "Planned", by=admin)
    for command in ("/roadmap", "/journey"):
        assert member.people.slash(reporter, command, channel=member.channel).status == 200
    assert member.people.open_home(reporter).status == 200
    fleet.settle()


def _assert_isolated(fleet: Fleet, members: list[Member]) -> None:
    for member in members:
        shown = member.slack.shown()
        assert f"marker-{member.team_id}" in shown
        leaks = [m.team_id for m in members if m is not member and f"marker-{m.team_id}" in shown]
        assert leaks == [], f"{member.team_id} shows data of {leaks}"
        home = member.slack.home(member.users[1])
        assert home is not None and f"Idea marker-{member.team_id}" in str(home)
        ideas = fleet.store.ideas.all(member.team_id)
        assert [i.title for i in ideas] == [f"Idea marker-{member.team_id}"]
        assert fleet.store.votes.supporters(ideas[0].id) == [member.users[0]]
        [dm] = member.slack.dms(member.users[1])
        assert "you proposed it" in str(dm) and f"marker-{member.team_id}" in str(dm)
    # The emulator's own workspace, installed in none of them, heard no bot call (only the
    # app's own: installs, and the Socket Mode link).
    assert {c.method for c in fleet.slack.calls} <= {"oauth.v2.access", "apps.connections.open"}


def test_two_workspaces_see_only_their_own_pain_points_cards_answers_and_homes(
    fleet: Fleet,
) -> None:
    members = _install(fleet, ["T0AAA", "T0BBB"])
    for member in members:
        _use_every_surface(fleet, member)
    _assert_isolated(fleet, members)


def test_ten_workspaces_see_only_their_own_data(fleet: Fleet) -> None:
    members = _install(fleet, [f"T0W{n:02d}" for n in range(10)])
    for member in members:
        _use_every_surface(fleet, member)
    _assert_isolated(fleet, members)
    tokens = {fleet.installs.bot(m.team_id).bot_token for m in members}  # type: ignore[union-attr]
    assert len(tokens) == 10


def test_a_vote_naming_another_workspace_s_idea_changes_nothing_there(fleet: Fleet) -> None:
    ours, theirs = _install(fleet, ["T0OURS", "T0THEM"])
    their_idea = fleet.propose(theirs, theirs.users[0], "Their idea")
    our_idea = fleet.propose(ours, ours.users[0], "Our idea")
    theirs.slack.reset_calls()
    # A crafted click in our workspace carrying their idea's id, on our card.
    reply = ours.people.block_action(
        ours.users[1],
        Action.IDEA_SUPPORT,
        str(their_idea.id),
        channel=ours.channel,
        message_ts=our_idea.card_ts,
    )
    fleet.settle()
    assert reply.status == 200
    # The clicker is told, in their own workspace, that there is no such idea there.
    [told] = ours.slack.ephemerals(ours.users[1])
    assert f"idea #{their_idea.id} does not exist" in told["text"]
    assert fleet.store.votes.supporters(their_idea.id) == []
    assert theirs.slack.calls == []
    assert "Their idea" not in ours.slack.shown()


def test_a_command_naming_another_workspace_s_channel_stays_in_its_own_workspace(
    fleet: Fleet,
) -> None:
    ours, theirs = _install(fleet, ["T0OURS", "T0THEM"])
    theirs.slack.reset_calls()
    reply = ours.people.slash(
        ours.users[1], "/pain", "Crafted into their channel", channel=theirs.channel
    )
    fleet.settle()
    assert reply.status == 200
    assert [p.text for p in fleet.store.pains.all("T0OURS")] == ["Crafted into their channel"]
    assert fleet.store.pains.all("T0THEM") == []
    assert theirs.slack.calls == [] and "Crafted" not in theirs.slack.shown()


def test_the_config_file_s_roadmap_channel_is_no_workspace_s_default_when_several_install(
    slack: SlackEmulator, tmp_path: Path, clock: Any, transport: str
) -> None:
    # A channel id in the config file belongs to one workspace; with the install flow on,
    # each workspace's admins pick their own, and until then /idea says whom to ask.
    stops: list[Any] = []
    fleet = start_fleet(slack, tmp_path, clock, transport, stops, roadmap_channel="C0ELSEWHERE")
    try:
        member = fleet.workspace("T0NEW")
        assert fleet.install("T0NEW", member.users[0]).status == 200
        reply = member.people.slash(
            member.users[1], "/idea", "Retry failed payments", channel=member.channel
        )
        assert reply.status == 200
        fleet.settle()
        assert "no roadmap channel yet" in member.slack.shown()
        assert fleet.services.roadmap_channel("T0NEW") is None
        assert fleet.store.ideas.all("T0NEW") == []
    finally:
        for stop in stops:
            stop()


def _as_org(fleet: Fleet, org: Member, team_id: str, text: str) -> Any:
    """A signed `/pain` from the org-wide install `org`'s people, naming `team_id`."""
    people, user = org.people, org.users[1]
    fields = {
        "token": people.verification_token,
        "team_id": team_id,
        "enterprise_id": "E0GRID",
        "is_enterprise_install": "true",
        "channel_id": org.channel,
        "user_id": user,
        "user_name": "someone",
        "command": "/pain",
        "text": text,
        "api_app_id": people.api_app_id,
        "response_url": people._response_url(channel=org.channel, user=user),
        "trigger_id": people._trigger(user),
    }
    reply = people.post_form(fields)
    fleet.settle()
    return reply


def test_an_org_wide_install_cannot_reach_a_workspace_that_installed_by_itself(
    fleet: Fleet,
) -> None:
    north = fleet.workspace("T0NORTH", enterprise_id="E0GRID")
    alone = fleet.workspace("T0VIC")
    assert fleet.install(None, north.users[0], enterprise_id="E0GRID", org_wide=True).status == 200
    assert fleet.install("T0VIC", alone.users[0]).status == 200
    north.people = fleet.people(north.slack, org_wide=True)
    alone.people.slash(alone.users[1], "/pain", "Only ours", channel=alone.channel)
    fleet.settle()

    injected = _as_org(fleet, north, "T0VIC", "Injected by another org")
    listed = _as_org(fleet, north, "T0VIC", "list")
    if fleet.transport == "http":
        assert injected.status == 403 == listed.status
    assert [p.text for p in fleet.store.pains.all("T0VIC")] == ["Only ours"]
    assert "Only ours" not in north.slack.shown()
    assert fleet.installs.org_of("T0VIC") is None
    # Nor does a request's word make it a member of the org, even if one got that far...
    fleet.installs.remember_org("T0VIC", "E0GRID")
    assert fleet.installs.org_of("T0VIC") is None
    # ...or if an older version noted it: serving the workspace itself forgets it.
    with fleet.installs._connect() as conn:
        conn.execute("insert into journeybot_org_members values ('T0VIC', 'E0GRID')")
    fleet.installs._orgs.clear()
    alone.people.slash(alone.users[1], "/pain", "Still ours", channel=alone.channel)
    fleet.settle()
    assert fleet.installs.org_of("T0VIC") is None

    # Leaving, the workspace is not handed to the org's token by what a request claimed.
    fleet.slack.revoke_install("T0VIC")
    assert alone.people.event({"type": "app_uninstalled"}).status == 200
    fleet.settle()
    after = alone.people.slash(alone.users[1], "/pain", "After leaving", channel=alone.channel)
    fleet.settle()
    if fleet.transport == "http":
        assert after.status == 403
    assert [p.text for p in fleet.store.pains.all("T0VIC")] == ["Only ours", "Still ours"]
    assert fleet.installs.bot("T0VIC") is None


def test_a_workspace_of_an_org_wide_install_is_still_served_with_the_org_token(
    fleet: Fleet,
) -> None:
    north = fleet.workspace("T0NORTH", enterprise_id="E0GRID")
    assert fleet.install(None, north.users[0], enterprise_id="E0GRID", org_wide=True).status == 200
    north.people = fleet.people(north.slack, org_wide=True)
    north.people.slash(north.users[1], "/pain", "Served by the org", channel=north.channel)
    fleet.settle()
    assert [p.text for p in fleet.store.pains.all("T0NORTH")] == ["Served by the org"]
    assert fleet.installs.org_of("T0NORTH") == "E0GRID"
    org, served = fleet.installs.bot(None, "E0GRID", org_wide=True), fleet.installs.bot("T0NORTH")
    assert org is not None and served is not None and served.bot_token == org.bot_token
