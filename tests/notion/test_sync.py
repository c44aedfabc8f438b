"""The roadmap sync, end to end: journeybot's database -> notion-client over HTTP -> emulator."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from notion_helpers import (
    CLIENT_RATE,
    TEAM,
    a_person,
    data_source,
    delete_property,
    make_client,
    make_sync,
    page_of,
    plain,
    rows_by_id,
    seed,
    synced,
    synced_without,
    view_id,
    views_named,
)

from bot.notion.client import NotionClient, NotionError
from bot.notion.schema import BOARD_VIEW, PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE, TABLE_VIEW
from bot.notion.sync import IDEA, PAIN, RoadmapSync, SyncBusy
from bot.sandbox.notion import NotionEmulator
from bot.services import Change, Services, StatusChange
from prioritize.models import Bucket, IdeaStatus


def page_writes(notion: NotionEmulator) -> list[str]:
    """Return the page ids that received a PATCH /v1/pages since the last reset."""
    return [
        r.path.rsplit("/", 1)[1]
        for r in notion.requests
        if r.method == "PATCH" and "/pages/" in r.path
    ]


def children_of_root(notion: NotionEmulator, kind: str) -> list[str]:
    return [b[kind]["title"] for b in notion.blocks(notion.root_page_id) if b["type"] == kind]


# ---------------------------------------------------------------- the first sync


def test_first_sync_builds_the_databases_views_summary_and_a_page_per_idea(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = seed(services, ideas=6, pains=4)
    report = sync.run()

    assert report.created == 10 and report.updated == 0
    assert children_of_root(notion, "child_database") == [PAINS_TITLE, ROADMAP_TITLE]
    assert children_of_root(notion, "child_page") == [SUMMARY_TITLE]
    roadmap = sync.state.object(TEAM, "roadmap")
    assert roadmap is not None
    views = {v["name"]: v for v in notion.views(roadmap.notion_id or "")}
    board = views[BOARD_VIEW]
    assert board["type"] == "board"
    assert board["configuration"]["group_by"]["property_name"] == "Bucket"
    assert board["sorts"] == [{"property": "Rank", "direction": "ascending"}]
    table = views[TABLE_VIEW]
    assert table["sorts"] == [
        {"property": "Bucket", "direction": "ascending"},
        {"property": "Rank", "direction": "ascending"},
    ]
    shown = [p["property_name"] for p in table["configuration"]["properties"]]
    assert shown[:4] == ["Name", "Rank", "Bucket", "Needs estimates"]
    assert "Score breakdown" in shown

    rows = rows_by_id(notion, sync)
    assert sorted(rows) == [i.id for i in ws.ideas] and all(len(r) == 1 for r in rows.values())
    entries = {e.idea.id: e for e in services.roadmap(TEAM)}
    for idea_id, (page,) in rows.items():
        e = entries[idea_id]
        props = page["properties"]
        assert plain(props["Name"]) == e.idea.title
        assert props["Score"]["number"] == e.score.value
        assert props["Rank"]["number"] == e.item.rank
        assert props["Needs estimates"]["checkbox"] == e.score.needs_estimates
        assert (props["Bucket"]["select"] or {}).get("name") == (
            e.item.bucket and e.item.bucket.value
        )
        assert props["Status"]["select"]["name"] == e.idea.status.value
        assert props["Estimates"]["number"] == e.score.facts.consensus.count
        assert plain(props["Score breakdown"]) == e.breakdown
        assert [r["id"] for r in props["Pain points"]["relation"]] == [
            page_of(sync, p, PAIN) for p in e.idea.pain_point_ids
        ]
        body = notion.blocks(page["id"])
        assert plain(body[0]) == f"What we would build for improvement {idea_id - 1}."
        assert body[2]["type"] == "heading_3" and body[3]["type"] == "quote"

    pains = rows_by_id(notion, sync, PAIN)
    assert sorted(pains) == [p.id for p in ws.pains]
    summary = sync.state.object(TEAM, "summary")
    assert summary is not None
    blocks = notion.blocks(summary.notion_id or "")
    assert [b["type"] for b in blocks][:2] == ["paragraph", "heading_2"]
    assert any(b["type"] == "table" and len(b["children"]) == 1 + 7 for b in blocks)
    assert services.store.meta.get(f"notion.roadmap_url:{TEAM}") == roadmap.url


def test_a_sync_with_nothing_changed_sends_only_the_read_backs_and_the_views_list(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced(services, sync)
    notion.reset_counts()
    report = sync.run()
    assert report.requests == 3 and notion.request_count == report.requests
    assert sorted(r.path.split("/")[2] for r in notion.requests) == [
        "data_sources",
        "data_sources",
        "views",
    ]
    assert (report.created, report.updated, report.archived) == (0, 0, 0)
    notion.reset_counts()
    quick = sync.run(full=False)  # after a change in Slack: Pain points unread, none written
    assert quick.requests == 2
    assert sorted(r.path.split("/")[2] for r in notion.requests) == ["data_sources", "views"]


def test_one_vote_changes_exactly_one_page(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = seed(services, ideas=8)
    sync.run()
    voted = ws.ideas[-1]
    notion.reset_counts()
    services.support(TEAM, voted.id or 0, "U_NEW")
    report = sync.run()
    assert report.updated == 1 and report.created == 0
    assert page_writes(notion) == [page_of(sync, voted.id or 0)]
    page = notion.page(page_of(sync, voted.id or 0))
    assert page["properties"]["Supporters"]["number"] == 1


def test_a_new_idea_costs_one_create_and_a_rank_update_per_idea_it_moved_down(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced(services, sync)
    before = {e.idea.id: e.item.rank for e in services.roadmap(TEAM)}
    notion.reset_counts()
    services.propose_idea(TEAM, "U1", "Brand new idea")
    report = sync.run()
    after = {e.idea.id: e.item.rank for e in services.roadmap(TEAM)}
    moved = {i for i, rank in before.items() if after[i] != rank}
    creates = [r for r in notion.requests if r.method == "POST" and r.path == "/v1/pages"]
    assert report.created == 1 and len(creates) == 1 and report.updated == len(moved)
    assert sorted(page_writes(notion)) == sorted(page_of(sync, i or 0) for i in moved)
    for r in notion.requests:
        if r.method == "PATCH" and "/pages/" in r.path:
            assert set((r.body or {}).get("properties", {})) == {"Rank"}


def test_a_sync_after_votes_skips_rank_only_shifts_and_the_full_sync_puts_them_right(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    seed(services, ideas=8)
    sync.run()
    before = {e.idea.id: (e.item.rank, e.item.bucket) for e in services.roadmap(TEAM)}
    last = max(before, key=lambda i: before[i][0])  # the idea ranked last climbs past others
    for n in range(6):
        services.support(TEAM, last or 0, f"U_FAN{n}")
    after = {e.idea.id: (e.item.rank, e.item.bucket) for e in services.roadmap(TEAM)}
    moved = {i for i in before if before[i] != after[i]} - {last}
    rank_only = {i for i in moved if before[i][1] == after[i][1]}
    assert rank_only, "the votes must shift the rank of ideas they pass, or this proves nothing"

    notion.reset_counts()
    light = sync.run(full=False)
    written = set(page_writes(notion))
    assert page_of(sync, last or 0) in written
    assert not written & {page_of(sync, i or 0) for i in rank_only}
    assert light.updated == len(moved - rank_only) + 1
    assert notion.page(page_of(sync, last or 0))["properties"]["Rank"]["number"] == after[last][0]

    notion.reset_counts()
    full = sync.run()
    assert sorted(page_writes(notion)) == sorted(page_of(sync, i or 0) for i in rank_only)
    assert full.updated == len(rank_only)
    by_rank = sorted(
        (page["properties"]["Rank"]["number"], idea_id)
        for idea_id, (page,) in rows_by_id(notion, sync).items()
    )
    assert [i for _, i in by_rank] == [e.idea.id for e in services.roadmap(TEAM)]
    assert sync.run().updated == 0


def test_the_roadmap_order_is_the_rank_order_in_notion(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    seed(services, ideas=8)
    services.propose_idea(TEAM, "U1", "Unestimated but loved")  # needs estimates: ranked late
    sync.run()
    by_rank = sorted(
        (page["properties"]["Rank"]["number"], idea_id)
        for idea_id, (page,) in rows_by_id(notion, sync).items()
    )
    assert [i for _, i in by_rank] == [e.idea.id for e in services.roadmap(TEAM)]


def test_a_roadmap_built_before_ranks_gets_its_rank_column_on_the_next_sync(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    # As an older journeybot left it: no Rank property, nothing known of rank values.
    ws = synced_without(notion, services, sync, "Rank")
    sync.state.forget_property(TEAM, IDEA, "Rank")
    report = sync.run()
    assert report.repaired == ["Rank"] and report.updated == len(ws.ideas)
    ranks = {e.idea.id: e.item.rank for e in services.roadmap(TEAM)}
    for idea_id, (page,) in rows_by_id(notion, sync).items():
        assert page["properties"]["Rank"]["number"] == ranks[idea_id]


def test_a_leader_status_edit_in_notion_flows_back_and_slack_hears_of_it(
    notion: NotionEmulator,
    services: Services,
    sync: RoadmapSync,
    events: list[Change | StatusChange],
) -> None:
    ws = synced(services, sync)
    idea = ws.ideas[2]
    notion.edit_page_as_user(page_of(sync, idea.id or 0), {"Status": {"select": {"name": "Done"}}})
    report = sync.run()

    assert report.read_back == 1
    assert services.store.ideas.get(TEAM, idea.id or 0).status is IdeaStatus.DONE
    changes = [e for e in events if isinstance(e, StatusChange)]
    assert len(changes) == 1
    assert changes[0].idea_id == idea.id and changes[0].new is IdeaStatus.DONE
    assert changes[0].source == "notion" and changes[0].by == "Ada Product"
    page = notion.page(page_of(sync, idea.id or 0))
    assert page["properties"]["Status"]["select"]["name"] == "Done"
    assert page["properties"]["Bucket"]["select"] is None  # Done ideas leave the roadmap
    notion.reset_counts()
    assert sync.run().read_back == 0  # an edit is applied once


def test_a_leader_edit_made_while_journeybot_writes_the_page_is_not_lost(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    idea = ws.ideas[1]
    page_id = page_of(sync, idea.id or 0)
    services.support(TEAM, idea.id or 0, "U_NEW")  # journeybot will write this page

    def leader_edits_first(method: str, path: str) -> None:
        if method == "PATCH" and path.endswith(page_id):
            notion.on_request = None
            notion.edit_page_as_user(page_id, {"Status": {"select": {"name": "In progress"}}})

    notion.on_request = leader_edits_first
    report = sync.run()
    assert report.read_back == 1 and report.follow_up
    assert services.store.ideas.get(TEAM, idea.id or 0).status is IdeaStatus.IN_PROGRESS
    sync.run()  # the follow-up sync brings the consequences (its bucket) to Notion
    page = notion.page(page_id)
    assert page["properties"]["Status"]["select"]["name"] == "In progress"
    assert page["properties"]["Bucket"]["select"]["name"] == "Now"


def test_a_leader_moving_a_card_on_the_board_pins_its_bucket(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    idea = ws.ideas[0]
    notion.edit_page_as_user(page_of(sync, idea.id or 0), {"Bucket": {"select": {"name": "Now"}}})
    sync.run()
    assert services.store.ideas.get(TEAM, idea.id or 0).pinned_bucket is Bucket.NOW
    entry = next(e for e in services.roadmap(TEAM) if e.idea.id == idea.id)
    assert entry.item.bucket is Bucket.NOW


def test_a_leader_edit_of_the_score_is_overwritten_and_logged(
    notion: NotionEmulator,
    services: Services,
    sync: RoadmapSync,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = synced(services, sync)
    idea = ws.ideas[1]
    page_id = page_of(sync, idea.id or 0)
    expected = notion.page(page_id)["properties"]["Score"]["number"]
    notion.edit_page_as_user(page_id, {"Score": {"number": 99.9}})
    with caplog.at_level(logging.WARNING, logger="bot.notion.readback"):
        report = sync.run()
    assert report.overwritten == 1 and report.read_back == 0
    assert notion.page(page_id)["properties"]["Score"]["number"] == expected
    assert any("'Score' was edited in Notion" in r.message for r in caplog.records)


def test_a_merged_idea_leaves_the_roadmap_database(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    duplicate, survivor = ws.ideas[3], ws.ideas[4]
    services.merge(TEAM, duplicate.id or 0, survivor.id or 0, by="U1")
    report = sync.run()
    assert report.archived == 1
    assert duplicate.id not in rows_by_id(notion, sync)
    assert notion.page(page_of(sync, duplicate.id or 0))["in_trash"] is True


# ---------------------------------------------------------------- text at the limits


def test_a_pain_point_full_of_emoji_and_notion_looking_markup_arrives_verbatim(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    text = (
        "**Bold?** _no_ `code` [link](https://evil.example) <aside>💡</aside> @Ada "
        "{{template}} /page ## heading\n- item\n> quote $$x^2$$ " + "🐢🔥🇫🇷👍🏽" * 400 + " end"
    )
    pain = services.log_pain_point(TEAM, "U1", text, stage="Purchase").pain
    sync.run()
    (page,) = rows_by_id(notion, sync, PAIN)[pain.id or 0]
    assert plain(page["properties"]["Text"]) == pain.text
    assert all(
        len(t["plain_text"].encode("utf-16-le")) <= 4000
        for t in page["properties"]["Text"]["rich_text"]
    )
    assert len(page["properties"]["Text"]["rich_text"]) > 1
    (quote,) = [b for b in notion.blocks(page["id"]) if b["type"] == "quote"]
    assert plain(quote) == pain.text


def test_the_longest_description_journeybot_accepts_syncs_whole(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    description = ("A sentence about the idea that goes on. " * 100)[:4000].strip()
    idea = services.propose_idea(TEAM, "U1", "Long one", description=description)
    sync.run()
    body = notion.blocks(page_of(sync, idea.id or 0))
    assert plain(body[0]) == description and len(body[0]["paragraph"]["rich_text"]) == 2


def test_a_10000_character_description_reaches_notion_intact(
    notion: NotionEmulator, client: NotionClient
) -> None:
    from bot.notion import render

    long = "Ten thousand characters, split where Notion needs it. " * 186
    assert len(long) >= 10_000
    blocks = render.paragraphs(long)
    page = client.create_page({"page_id": notion.root_page_id}, {}, blocks)
    (block,) = notion.blocks(page["id"])
    assert plain(block) == long.strip("\n")
    assert len(block["paragraph"]["rich_text"]) >= 6


# ---------------------------------------------------------------- drift


def test_a_schema_a_person_changed_is_repaired_without_losing_pages(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    person = a_person(notion)
    person.data_sources.update(
        data_source(sync),
        properties={"Score": None, "Bucket": {"name": "Horizon"}, "Impact": {"rich_text": {}}},
    )
    before = {i: p[0]["id"] for i, p in rows_by_id(notion, sync).items()}

    report = sync.run(check_schema=True)

    assert sorted(report.repaired) == ["Bucket", "Impact", "Score"]
    schema = notion.data_source(data_source(sync))["properties"]
    assert schema["Score"]["type"] == "number" and schema["Impact"]["type"] == "number"
    assert "Bucket" in schema and "Horizon" not in schema
    rows = rows_by_id(notion, sync)
    assert {i: p[0]["id"] for i, p in rows.items()} == before  # the same pages, none lost
    entries = {e.idea.id: e for e in services.roadmap(TEAM)}
    for idea in ws.ideas:
        props = rows[idea.id or 0][0]["properties"]
        assert props["Score"]["number"] == entries[idea.id].score.value
        assert props["Impact"]["number"] is not None
        assert (props["Bucket"]["select"] or {}).get("name") == (
            entries[idea.id].item.bucket and entries[idea.id].item.bucket.value
        )


def test_a_deleted_property_is_repaired_when_a_write_needs_it(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced_without(notion, services, sync, "Supporters")
    services.support(TEAM, ws.ideas[0].id or 0, "U_NEW")
    report = sync.run()
    assert report.repaired == ["Supporters"]
    for idea in ws.ideas:
        page = notion.page(page_of(sync, idea.id or 0))
        assert page["properties"]["Supporters"]["number"] is not None


def test_a_deleted_bucket_comes_back_and_the_board_groups_by_it_again(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced_without(notion, services, sync, "Bucket")
    sync.run(check_schema=True)
    bucket = notion.data_source(data_source(sync))["properties"]["Bucket"]
    roadmap = sync.state.object(TEAM, "roadmap")
    views = {v["name"]: v for v in notion.views(roadmap.notion_id or "")} if roadmap else {}
    assert views[BOARD_VIEW]["configuration"]["group_by"]["property_id"] == bucket["id"]
    entries = {e.idea.id: e for e in services.roadmap(TEAM)}
    for idea_id, (page,) in rows_by_id(notion, sync).items():
        want = entries[idea_id].item.bucket
        assert (page["properties"]["Bucket"]["select"] or {}).get("name") == (want and want.value)


def test_a_summary_block_a_person_deleted_does_not_stop_every_later_sync(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    summary = sync.state.object(TEAM, "summary")
    assert summary is not None and summary.notion_id
    first_line = sync.state.blocks(TEAM)["Now:1"][0]
    a_person(notion).blocks.delete(first_line)
    for voter in range(5):  # the last idea climbs to the top: the first line changes
        services.record_estimate(TEAM, ws.ideas[-1].id or 0, f"W{voter}", impact=5, complexity=1)
    sync.run()
    texts = [plain(b) for b in notion.blocks(summary.notion_id) if b["type"] == "paragraph"]
    assert any(ws.ideas[-1].title in t for t in texts)
    services.support(TEAM, ws.ideas[0].id or 0, "U_LATER")
    assert sync.run().updated == 1  # and the sync after that is incremental again


def test_a_deleted_view_is_created_again(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced(services, sync)
    a_person(notion).views.delete(view_id(sync, "view_board"))
    report = sync.run()  # the next sync, not only a schema check
    assert report.repaired == [f"{BOARD_VIEW} view"]
    assert len(views_named(notion, sync, BOARD_VIEW)) == 1


def test_a_deleted_board_and_a_deleted_property_never_stop_the_next_syncs(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced(services, sync)
    a_person(notion).views.delete(view_id(sync, "view_board"))
    delete_property(notion, sync, "Bucket")
    first = sync.run()
    assert "Bucket" in first.repaired and f"{BOARD_VIEW} view" in first.repaired
    sync.run()
    bucket = notion.data_source(data_source(sync))["properties"]["Bucket"]
    (board,) = views_named(notion, sync, BOARD_VIEW)
    assert board["configuration"]["group_by"]["property_id"] == bucket["id"]


def test_a_view_is_created_again_after_the_property_it_sorts_by_was_deleted(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced_without(notion, services, sync, "Score")
    sync.run()  # nothing to write: Score stays missing
    a_person(notion).views.delete(view_id(sync, "view_table"))
    assert sync.run().repaired == [f"{TABLE_VIEW} view", "Score"]
    assert len(views_named(notion, sync, TABLE_VIEW)) == 1


# ---------------------------------------------------------------- failures


def test_two_syncs_of_one_workspace_never_run_at_once(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    seed(services, ideas=2, pains=1)
    now = datetime.now(UTC)
    assert sync.state.acquire_lease(TEAM, "other-process", now=now, ttl=60)
    with pytest.raises(SyncBusy):
        sync.run()
    assert notion.request_count == 0
    later = make_sync(services, make_client(notion), notion)
    later.clock = lambda: now + timedelta(seconds=61)  # the other process died
    assert later.run().created == 3


def a_pid_that_is_gone() -> int:
    """Return the id of a process of this host that has exited (and been reaped)."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_a_lease_left_by_a_process_that_is_gone_is_taken_over_at_once(
    services: Services, sync: RoadmapSync
) -> None:
    seed(services, ideas=1, pains=0)
    owner = {"host": socket.gethostname(), "pid": a_pid_that_is_gone()}
    now = datetime.now(UTC)
    assert sync.state.acquire_lease(TEAM, "killed-sync", now=now, ttl=180, owner=owner)
    assert sync.run().created == 1


def test_a_lease_of_a_live_process_or_of_another_host_is_respected(
    services: Services, sync: RoadmapSync
) -> None:
    seed(services, ideas=1, pains=0)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        for owner in (
            {"host": socket.gethostname(), "pid": alive.pid},
            {"host": "another-host", "pid": a_pid_that_is_gone()},
        ):
            now = datetime.now(UTC)
            sync.state.release_lease(TEAM, "other")
            assert sync.state.acquire_lease(TEAM, "other", now=now, ttl=180, owner=owner)
            with pytest.raises(SyncBusy):
                sync.run()
    finally:
        alive.kill()
        alive.wait()


class Killed(BaseException):
    """Stands for the process dying: nothing in journeybot may catch it."""


class KillEvery(httpx.BaseTransport):
    """Deliver every request, then kill the process after every `n`th answer arrives."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.count += 1
        if self.count % self.n == 0:
            response.read()
            response.close()
            raise Killed(f"killed after request {self.count}")
        return response


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_a_sync_killed_after_every_nth_request_ends_with_one_page_per_idea(
    notion: NotionEmulator, services: Services, n: int
) -> None:
    ws = seed(services, ideas=12, pains=4)
    killer = KillEvery(n)
    client = make_client(notion, http_client=httpx.Client(transport=killer))
    kills = 0
    for _ in range(400):
        try:
            make_sync(services, client, notion).run()
            break
        except Killed:
            kills += 1
    else:
        pytest.fail("the sync never finished")
    assert kills > 0
    final = make_sync(services, make_client(notion), notion)
    assert final.run().requests <= 3  # nothing left to do but look
    rows = rows_by_id(notion, final)
    assert sorted(rows) == [i.id for i in ws.ideas]
    assert all(len(pages) == 1 for pages in rows.values())
    pains = rows_by_id(notion, final, PAIN)
    assert sorted(pains) == [p.id for p in ws.pains] and all(len(p) == 1 for p in pains.values())
    assert children_of_root(notion, "child_database") == [PAINS_TITLE, ROADMAP_TITLE]
    assert children_of_root(notion, "child_page") == [SUMMARY_TITLE]
    roadmap = final.state.object(TEAM, "roadmap")
    names = sorted(v["name"] for v in notion.views(roadmap.notion_id or "")) if roadmap else []
    assert names == sorted(["Default view", BOARD_VIEW, TABLE_VIEW])
    for idea in ws.ideas:  # bodies are whole, written once
        kinds = [b["type"] for b in notion.blocks(page_of(final, idea.id or 0))]
        assert kinds == ["paragraph", "paragraph", "heading_3", "quote"]


def test_a_connection_dropped_after_a_create_leaves_exactly_one_page(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = seed(services, ideas=3, pains=1)
    notion.drop_after_create(2)
    report = sync.run()
    rows = rows_by_id(notion, sync)
    assert sorted(rows) == [i.id for i in ws.ideas] and all(len(r) == 1 for r in rows.values())
    assert report.created + report.updated >= 4
    for idea in ws.ideas:
        kinds = [b["type"] for b in notion.blocks(page_of(sync, idea.id or 0))]
        assert kinds == ["paragraph", "paragraph", "heading_3", "quote"]


def test_a_create_notion_performs_after_the_client_gave_up_leaves_one_page(
    notion: NotionEmulator, services: Services
) -> None:
    ws = seed(services, ideas=3, pains=0)
    impatient = NotionClient(
        notion.token,
        base_url=notion.base_url,
        requests_per_second=CLIENT_RATE,
        backoff_seconds=0.01,
        timeout_seconds=0.5,
    )
    sync = make_sync(services, impatient, notion)
    notion.slow_create(1.5, n=1)  # the first idea's create: the client gives up at 0.5 s
    assert sync.run().created == 3
    deadline = time.monotonic() + 5
    while sum(map(len, rows_by_id(notion, sync).values())) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow create lands after the sync moved on
    (late,) = [i for i, pages in rows_by_id(notion, sync).items() if len(pages) == 2]
    assert sorted(rows_by_id(notion, sync)) == [i.id for i in ws.ideas]

    kept = page_of(sync, late)
    report = sync.run()
    assert report.archived == 1
    rows = rows_by_id(notion, sync)
    assert all(len(pages) == 1 for pages in rows.values())
    assert rows[late][0]["id"] == kept
    later = datetime.now(UTC) + timedelta(minutes=11)
    sync.clock = lambda: later  # past the time a lost create could still land
    sync.run()
    assert sync.run().requests <= 3  # the look stops once no copy can land any more


def test_a_429_storm_is_waited_out(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, client: NotionClient
) -> None:
    seed(services, ideas=3, pains=1)
    notion.storm_429(1.0)
    report = sync.run()
    assert report.rate_limited >= 1 and report.created == 4
    assert notion.rate_limited_count == client.stats.rate_limited


def test_notion_being_down_never_blocks_votes_and_the_next_sync_catches_up(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    notion.fail_next(5, status=500)  # the first attempt and all four retries
    with pytest.raises(NotionError):
        sync.run()
    vote = services.record_estimate(TEAM, ws.ideas[0].id or 0, "U_LATE", impact=5)
    assert vote.estimate is not None
    report = sync.run()
    assert report.updated >= 1
    page = notion.page(page_of(sync, ws.ideas[0].id or 0))
    entry = next(e for e in services.roadmap(TEAM) if e.idea.id == ws.ideas[0].id)
    assert page["properties"]["Score"]["number"] == entry.score.value


def test_a_thousand_ideas_sync_with_no_unhandled_429(
    notion: NotionEmulator, services: Services
) -> None:
    # The emulator enforces its limit (token bucket, 429 + Retry-After); the client's
    # limiter sits just under it, as it sits under Notion's 3 per second in production.
    notion.configure_rate_limit(500.0, burst=5)
    client = make_client(notion, rate=450.0)
    store = services.store
    from prioritize.models import Idea

    with store.transaction():
        for i in range(1000):
            store.ideas.add(
                Idea(team_id=TEAM, title=f"Idea {i}", proposer="U1"), now=services.clock()
            )
    sync = make_sync(services, client, notion)
    began = time.monotonic()
    report = sync.run()
    assert report.created == 1000
    assert notion.rate_limited_count == client.stats.rate_limited  # every 429 was retried
    assert len(rows_by_id(notion, sync)) == 1000
    assert time.monotonic() - began < 30
    notion.reset_counts()
    assert sync.run().requests <= 3  # a read-back per database and the list of views
