"""A roadmap whose place in Notion changed: said in one line, rebuilt by a rehome, never twice."""

from __future__ import annotations

import pytest
from notion_helpers import TEAM, a_person, make_client, rows_by_id, seed, synced

from bot.notion.client import NotionClient
from bot.notion.schema import PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE
from bot.notion.sync import PAIN, HomeLost, RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.services import Services


def sync_under(services: Services, client: NotionClient, page_id: str) -> RoadmapSync:
    return RoadmapSync(services, client, team_id=TEAM, parent_page_id=page_id)


def titles_under(notion: NotionEmulator, page_id: str) -> list[str]:
    return [
        b[b["type"]]["title"]
        for b in notion.blocks(page_id)
        if b["type"] in ("child_database", "child_page")
    ]


def database_id(sync: RoadmapSync, key: str) -> str:
    obj = sync.state.object(TEAM, key)
    assert obj is not None and obj.notion_id
    return obj.notion_id


def one_page_each(notion: NotionEmulator, sync: RoadmapSync) -> bool:
    ideas, pains = rows_by_id(notion, sync), rows_by_id(notion, sync, PAIN)
    return all(len(pages) == 1 for pages in [*ideas.values(), *pains.values()])


def test_a_changed_parent_page_is_said_in_one_line_and_nothing_is_written(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, client: NotionClient
) -> None:
    synced(services, sync)
    new_home = notion.add_page("New roadmap home")
    notion.reset_counts()
    with pytest.raises(HomeLost) as caught:
        sync_under(services, client, new_home).run()
    message = str(caught.value)
    assert "NOTION_PARENT_PAGE_ID changed" in message and "--rehome" in message
    assert "\n" not in message
    assert notion.request_count == 0
    assert titles_under(notion, new_home) == []


def test_a_rehome_builds_the_roadmap_under_the_new_page(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, client: NotionClient
) -> None:
    ws = synced(services, sync)
    old_roadmap = database_id(sync, "roadmap")
    new_home = notion.add_page("New roadmap home")
    moved = sync_under(services, client, new_home)
    report = moved.run(rehome=True)
    assert report.created == len(ws.ideas) + len(ws.pains)
    assert titles_under(notion, new_home) == [PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE]
    assert database_id(moved, "roadmap") != old_roadmap
    assert sorted(rows_by_id(notion, moved)) == [i.id for i in ws.ideas]
    assert one_page_each(notion, moved)
    assert moved.run().created == 0  # and the syncs after it are ordinary ones


def test_a_rehome_takes_over_databases_a_person_moved_to_the_new_page(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, client: NotionClient
) -> None:
    ws = synced(services, sync)
    pages_before = {i: p[0]["id"] for i, p in rows_by_id(notion, sync).items()}
    new_home = notion.add_page("New roadmap home")
    person = a_person(notion)
    for key in ("pains", "roadmap"):
        person.databases.update(
            database_id(sync, key), parent={"type": "page_id", "page_id": new_home}
        )
    moved = sync_under(services, client, new_home)
    report = moved.run(rehome=True)
    assert report.created == 0 and report.archived == 0
    assert titles_under(notion, new_home) == [PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE]
    after = {i: p[0]["id"] for i, p in rows_by_id(notion, moved).items()}
    assert after == pages_before  # matched by Idea ID: the same pages, no copies
    assert sorted(after) == [i.id for i in ws.ideas] and one_page_each(notion, moved)


def test_a_rehome_run_twice_makes_nothing_twice(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    synced(services, sync)
    again = sync.run(rehome=True)
    assert again.created == 0 and again.archived == 0
    assert titles_under(notion, notion.root_page_id) == [PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE]
    assert one_page_each(notion, sync)


def test_a_deleted_roadmap_database_is_said_in_one_line_and_a_rehome_rebuilds_it(
    notion: NotionEmulator, services: Services, sync: RoadmapSync
) -> None:
    ws = synced(services, sync)
    a_person(notion).databases.update(database_id(sync, "roadmap"), in_trash=True)
    services.support(TEAM, ws.ideas[0].id or 0, "U_LATER")  # a write is due
    with pytest.raises(HomeLost) as caught:
        sync.run()
    assert "the Roadmap database journeybot built in Notion is gone" in str(caught.value)
    with pytest.raises(HomeLost):
        sync.run(check_schema=True)

    report = sync.run(rehome=True)
    assert report.created == len(ws.ideas)  # the pain points' pages are taken over
    assert sorted(rows_by_id(notion, sync)) == [i.id for i in ws.ideas]
    assert one_page_each(notion, sync)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_a_rehome_killed_again_and_again_ends_with_one_page_per_idea(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, n: int
) -> None:
    import httpx
    from test_sync import Killed, KillEvery

    ws = seed(services, ideas=8, pains=3)
    sync.run()
    new_home = notion.add_page("New roadmap home")
    client = make_client(notion, http_client=httpx.Client(transport=KillEvery(n)))
    moved = sync_under(services, client, new_home)
    rehome = True
    for _ in range(400):
        try:
            moved.run(rehome=rehome)
            break
        except Killed:
            rehome = False  # the person runs plain syncs after the first attempt died
    else:
        pytest.fail("the rehome never finished")
    final = sync_under(services, make_client(notion), new_home)
    assert final.run().created == 0
    assert titles_under(notion, new_home) == [PAINS_TITLE, ROADMAP_TITLE, SUMMARY_TITLE]
    assert sorted(rows_by_id(notion, final)) == [i.id for i in ws.ideas]
    assert one_page_each(notion, final)
