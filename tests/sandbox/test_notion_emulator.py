"""Behaviour of the Notion emulator, driven through the real notion-client over HTTP."""

from __future__ import annotations

import time
from contextlib import closing
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client
from notion_client.client import RetryOptions
from notion_client.helpers import collect_paginated_api
from notion_clients import Later, client_for

from bot.sandbox.notion import NOTION_VERSION, NotionEmulator

# Retries that honour Retry-After but wait at most 20 ms, to keep the tests fast.
FAST_RETRIES = RetryOptions(max_retries=3, max_retry_delay_ms=20)


@pytest.fixture
def roadmap(client: Client, emulator: NotionEmulator) -> str:
    """Return the data source id of a database shaped like the journeybot roadmap."""
    database = client.databases.create(
        parent={"page_id": emulator.root_page_id},
        title=[{"text": {"content": "Roadmap"}}],
        initial_data_source={
            "properties": {
                "Name": {"title": {}},
                "Summary": {"rich_text": {}},
                "Score": {"number": {"format": "number"}},
                "Stage": {"select": {"options": [{"name": "Now"}, {"name": "Next"}]}},
                "Tags": {"multi_select": {}},
                "Shipped": {"checkbox": {}},
                "Link": {"url": {}},
                "Due": {"date": {}},
            }
        },
    )
    return str(database["data_sources"][0]["id"])


def text(content: str) -> list[dict[str, Any]]:
    """Return a one-item rich text request array."""
    return [{"text": {"content": content}}]


def add_row(client: Client, source_id: str, name: str, **properties: Any) -> dict[str, Any]:
    """Create a row in a data source; return the page."""
    return dict(
        client.pages.create(
            parent={"data_source_id": source_id},
            properties={"Name": {"title": text(name)}, **properties},
        )
    )


def names(pages: list[dict[str, Any]]) -> list[str]:
    """Return the plain titles of pages."""
    return ["".join(t["plain_text"] for t in page["properties"]["Name"]["title"]) for page in pages]


def error_of(call: Any, *args: Any, **kwargs: Any) -> APIResponseError:
    """Return the APIResponseError a client call raises."""
    with pytest.raises(APIResponseError) as raised:
        call(*args, **kwargs)
    return raised.value


# -- limits ----------------------------------------------------------------------


def test_a_text_over_2000_characters_is_rejected_like_notion_does(
    client: Client, roadmap: str
) -> None:
    error = error_of(add_row, client, roadmap, "x" * 2301)

    assert (error.status, error.code) == (400, "validation_error")
    assert str(error) == (
        "body failed validation: body.properties.Name.title[0].text.content.length "
        "should be ≤ `2000`, instead was `2301`."
    )


def test_text_length_is_counted_in_utf16_units_as_notion_does(client: Client, roadmap: str) -> None:
    add_row(client, roadmap, "é" * 2000)

    error = error_of(add_row, client, roadmap, "🚀" * 1001)

    assert "should be ≤ `2000`, instead was `2002`" in str(error)


@pytest.mark.parametrize(
    ("properties", "path"),
    [
        ({"Tags": {"multi_select": [{"name": f"t{i}"} for i in range(101)]}}, "Tags.multi_select"),
        ({"Summary": {"rich_text": text("a") * 101}}, "Summary.rich_text"),
    ],
)
def test_arrays_over_100_elements_are_rejected(
    client: Client, roadmap: str, properties: dict[str, Any], path: str
) -> None:
    error = error_of(add_row, client, roadmap, "Too many", **properties)

    assert error.code == "validation_error"
    assert f"body.properties.{path}.length should be ≤ `100`, instead was `101`" in str(error)


def test_appending_more_than_100_blocks_is_rejected_and_100_are_accepted(
    client: Client, emulator: NotionEmulator
) -> None:
    paragraph = {"paragraph": {"rich_text": text("step")}}

    error = error_of(
        client.blocks.children.append, emulator.root_page_id, children=[paragraph] * 101
    )
    appended = client.blocks.children.append(emulator.root_page_id, children=[paragraph] * 100)

    assert error.code == "validation_error"
    assert "body.children.length should be ≤ `100`, instead was `101`" in str(error)
    assert len(appended["results"]) == 100


def test_a_page_size_over_100_is_rejected(client: Client, roadmap: str) -> None:
    error = error_of(client.data_sources.query, roadmap, page_size=101)

    assert error.code == "validation_error"
    assert str(error) == (
        "body failed validation: body.page_size should be ≤ `100`, instead was `101`."
    )


def test_a_body_over_500kb_is_rejected(client: Client, emulator: NotionEmulator) -> None:
    paragraph = {"paragraph": {"rich_text": text("x" * 2000) * 3}}

    error = error_of(
        client.blocks.children.append, emulator.root_page_id, children=[paragraph] * 90
    )

    assert (error.status, error.code) == (400, "validation_error")
    assert "too large" in str(error)
    assert emulator.blocks(emulator.root_page_id) == []


def test_blocks_nested_deeper_than_notion_allows_are_rejected(
    client: Client, emulator: NotionEmulator
) -> None:
    def toggle(*children: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"rich_text": text("more")}
        if children:
            body["children"] = list(children)
        return {"toggle": body}

    client.blocks.children.append(emulator.root_page_id, children=[toggle(toggle(toggle()))])
    error = error_of(
        client.blocks.children.append,
        emulator.root_page_id,
        children=[toggle(toggle(toggle(toggle())))],
    )

    assert "children should be not present" in str(error)


# -- property values and schema -------------------------------------------------------


def test_a_new_select_option_joins_the_schema(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    page = add_row(client, roadmap, "Faster checkout", Stage={"select": {"name": "Later"}})

    options = emulator.data_source(roadmap)["properties"]["Stage"]["select"]["options"]
    assert [option["name"] for option in options] == ["Now", "Next", "Later"]
    assert page["properties"]["Stage"]["select"]["name"] == "Later"


def test_an_option_name_with_a_comma_is_rejected(client: Client, roadmap: str) -> None:
    error = error_of(add_row, client, roadmap, "Tagged", Tags={"multi_select": [{"name": "a,b"}]})

    assert error.code == "validation_error"
    assert str(error) == "Invalid select option, commas not allowed: a,b"


def test_unknown_properties_and_wrong_types_are_rejected_with_notion_messages(
    client: Client, roadmap: str
) -> None:
    unknown = error_of(add_row, client, roadmap, "x", Owner={"rich_text": text("me")})
    wrong = error_of(add_row, client, roadmap, "x", Score={"rich_text": text("3")})
    not_a_number = error_of(add_row, client, roadmap, "x", Score={"number": "3"})

    assert str(unknown) == "Owner is not a property that exists."
    assert str(wrong) == "Score is expected to be number."
    assert "body.properties.Score.number should be a number or `null`" in str(not_a_number)


def test_values_come_back_in_notion_page_shape(client: Client, roadmap: str) -> None:
    page = add_row(
        client,
        roadmap,
        "Faster checkout",
        Summary={"rich_text": text("One tap pay")},
        Score={"number": 4.5},
        Tags={"multi_select": [{"name": "checkout"}, {"name": "mobile"}]},
        Shipped={"checkbox": True},
        Link={"url": "https://example.com/idea"},
        Due={"date": {"start": "2025-06-01"}},
    )

    values = client.pages.retrieve(page["id"])["properties"]
    assert values["Score"] == {"id": values["Score"]["id"], "type": "number", "number": 4.5}
    assert [tag["name"] for tag in values["Tags"]["multi_select"]] == ["checkout", "mobile"]
    assert values["Shipped"]["checkbox"] is True
    assert values["Link"]["url"] == "https://example.com/idea"
    assert values["Due"]["date"] == {"start": "2025-06-01", "end": None, "time_zone": None}
    assert values["Summary"]["rich_text"][0]["plain_text"] == "One tap pay"
    assert values["Stage"]["select"] is None


def test_renaming_and_deleting_properties_shows_on_pages(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    page = add_row(client, roadmap, "Faster checkout", Score={"number": 3})

    client.data_sources.update(
        roadmap,
        properties={"Score": {"name": "Priority"}, "Link": None, "Effort": {"number": {}}},
    )

    properties = client.pages.retrieve(page["id"])["properties"]
    assert properties["Priority"]["number"] == 3
    assert "Score" not in properties and "Link" not in properties
    assert properties["Effort"]["number"] is None
    assert "Priority" in emulator.data_source(roadmap)["properties"]


def test_an_update_with_one_bad_field_changes_nothing(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    page = add_row(client, roadmap, "Faster checkout", Score={"number": 3})

    error = error_of(
        client.pages.update,
        page["id"],
        properties={"Score": {"number": 9}, "Stage": {"select": {"name": "Someday"}}},
        icon="🛴",
    )

    assert error.code == "validation_error"
    assert emulator.page(page["id"])["properties"]["Score"]["number"] == 3
    options = emulator.data_source(roadmap)["properties"]["Stage"]["select"]["options"]
    assert "Someday" not in [option["name"] for option in options]


# -- queries ----------------------------------------------------------------------


@pytest.fixture
def ideas(client: Client, roadmap: str) -> str:
    add_row(
        client, roadmap, "Faster checkout", Score={"number": 5}, Stage={"select": {"name": "Now"}}
    )
    add_row(
        client,
        roadmap,
        "Saved carts",
        Score={"number": 3},
        Stage={"select": {"name": "Next"}},
        Shipped={"checkbox": True},
    )
    add_row(client, roadmap, "Dark mode", Score={"number": 1}, Summary={"rich_text": text("Nice")})
    return roadmap


@pytest.mark.parametrize(
    ("query_filter", "expected"),
    [
        ({"property": "Name", "title": {"equals": "Saved carts"}}, ["Saved carts"]),
        ({"property": "Name", "rich_text": {"contains": "CHECK"}}, ["Faster checkout"]),
        ({"property": "Summary", "rich_text": {"is_not_empty": True}}, ["Dark mode"]),
        ({"property": "Score", "number": {"greater_than": 2}}, ["Faster checkout", "Saved carts"]),
        ({"property": "Score", "number": {"equals": 1}}, ["Dark mode"]),
        ({"property": "Stage", "select": {"equals": "Next"}}, ["Saved carts"]),
        ({"property": "Shipped", "checkbox": {"equals": False}}, ["Faster checkout", "Dark mode"]),
        (
            {
                "and": [
                    {"property": "Score", "number": {"greater_than": 0}},
                    {
                        "or": [
                            {"property": "Stage", "select": {"equals": "Now"}},
                            {"property": "Stage", "select": {"is_empty": True}},
                        ]
                    },
                ]
            },
            ["Faster checkout", "Dark mode"],
        ),
    ],
)
def test_filters_select_the_matching_rows(
    client: Client, ideas: str, query_filter: dict[str, Any], expected: list[str]
) -> None:
    assert names(client.data_sources.query(ideas, filter=query_filter)["results"]) == expected


def test_sorts_order_rows_by_property_and_by_timestamp(client: Client, ideas: str) -> None:
    by_score = client.data_sources.query(
        ideas, sorts=[{"property": "Score", "direction": "descending"}]
    )
    newest_first = client.data_sources.query(
        ideas, sorts=[{"timestamp": "created_time", "direction": "descending"}]
    )
    by_stage = client.data_sources.query(
        ideas, sorts=[{"property": "Stage", "direction": "ascending"}]
    )

    assert names(by_score["results"]) == ["Faster checkout", "Saved carts", "Dark mode"]
    assert names(newest_first["results"]) == ["Dark mode", "Saved carts", "Faster checkout"]
    assert names(by_stage["results"]) == ["Faster checkout", "Saved carts", "Dark mode"]


def test_a_filter_on_an_unknown_property_is_rejected(client: Client, ideas: str) -> None:
    error = error_of(
        client.data_sources.query, ideas, filter={"property": "Owner", "select": {"equals": "x"}}
    )

    assert str(error) == "Could not find property with name or id: Owner"


def test_edits_since_the_last_sync_are_found_by_last_edited_time(
    client: Client, emulator: NotionEmulator, ideas: str, later: Later
) -> None:
    seen = client.data_sources.query(ideas)["results"]
    synced_up_to = max(page["last_edited_time"] for page in seen)
    saved_carts = next(page for page in seen if names([page]) == ["Saved carts"])

    later.wait(minutes=1)
    edited = emulator.edit_page_as_user(saved_carts["id"], {"Score": {"number": 8}})

    def edited_since(condition: str) -> list[str]:
        query_filter = {
            "timestamp": "last_edited_time",
            "last_edited_time": {condition: synced_up_to},
        }
        return names(client.data_sources.query(ideas, filter=query_filter)["results"])

    assert edited_since("after") == ["Saved carts"]
    # Times are minutes: every page last edited in that minute is on or after it.
    assert sorted(edited_since("on_or_after")) == ["Dark mode", "Faster checkout", "Saved carts"]
    assert edited["last_edited_time"] > saved_carts["last_edited_time"]
    assert edited["last_edited_by"]["id"] == emulator.person_user_id
    assert edited["properties"]["Score"]["number"] == 8


def test_page_times_are_rounded_down_to_the_minute_as_notion_shows_them(
    client: Client, emulator: NotionEmulator, ideas: str
) -> None:
    for page in client.data_sources.query(ideas)["results"]:
        for stamp in (page["created_time"], page["last_edited_time"]):
            assert stamp.endswith(":00.000Z"), stamp


def test_cursors_walk_250_rows_in_pages_of_100(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    created = {add_row(client, roadmap, f"Idea {n}")["id"] for n in range(250)}

    first = client.data_sources.query(roadmap, page_size=100)
    second = client.data_sources.query(roadmap, page_size=100, start_cursor=first["next_cursor"])
    third = client.data_sources.query(roadmap, page_size=100, start_cursor=second["next_cursor"])
    everything = collect_paginated_api(client.data_sources.query, data_source_id=roadmap)

    assert [len(page["results"]) for page in (first, second, third)] == [100, 100, 50]
    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)
    assert third["next_cursor"] is None
    assert first["next_cursor"] not in created  # opaque, not the next page's id
    assert {page["id"] for page in everything} == created
    assert len(emulator.pages(roadmap)) == 250


def test_a_made_up_cursor_is_rejected(client: Client, roadmap: str) -> None:
    error = error_of(client.data_sources.query, roadmap, start_cursor="not-a-cursor")

    assert error.code == "validation_error"


def test_trashed_rows_leave_queries_and_cannot_be_edited_until_restored(
    client: Client, emulator: NotionEmulator, ideas: str
) -> None:
    page = client.data_sources.query(ideas)["results"][0]

    client.pages.update(page["id"], in_trash=True)
    blocked = error_of(client.pages.update, page["id"], properties={"Score": {"number": 9}})
    restored = client.pages.update(page["id"], in_trash=False, properties={"Score": {"number": 9}})

    assert "archived" in str(blocked)
    assert restored["properties"]["Score"]["number"] == 9
    assert len(client.data_sources.query(ideas)["results"]) == 3
    client.pages.update(page["id"], archived=True)
    assert len(client.data_sources.query(ideas)["results"]) == 2
    assert len(emulator.pages(ideas, include_archived=True)) == 3


# -- blocks --------------------------------------------------------------------------


def test_blocks_append_after_a_sibling_and_list_with_cursors(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    page = add_row(client, roadmap, "Faster checkout")
    first, last = client.blocks.children.append(
        page["id"],
        children=[
            {"heading_2": {"rich_text": text("Pain points")}},
            {"bulleted_list_item": {"rich_text": text("last")}},
        ],
    )["results"]
    client.blocks.children.append(
        page["id"], after=first["id"], children=[{"paragraph": {"rich_text": text("middle")}}]
    )

    one = client.blocks.children.list(page["id"], page_size=1)
    rest = client.blocks.children.list(page["id"], page_size=5, start_cursor=one["next_cursor"])

    kinds = [block["type"] for block in one["results"] + rest["results"]]
    assert kinds == ["heading_2", "paragraph", "bulleted_list_item"]
    assert rest["has_more"] is False
    assert [block["id"] for block in emulator.blocks(page["id"])][2] == last["id"]


def test_blocks_can_be_updated_deleted_and_read_recursively(
    client: Client, emulator: NotionEmulator
) -> None:
    (toggle,) = client.blocks.children.append(
        emulator.root_page_id,
        children=[
            {
                "toggle": {
                    "rich_text": text("Details"),
                    "children": [{"to_do": {"rich_text": text("a")}}],
                }
            }
        ],
    )["results"]
    (todo,) = emulator.blocks(emulator.root_page_id)[0]["children"]

    client.blocks.update(todo["id"], to_do={"checked": True})
    client.blocks.delete(toggle["id"])
    again = error_of(client.blocks.delete, toggle["id"])

    assert toggle["has_children"] is True
    assert client.blocks.retrieve(todo["id"])["to_do"]["checked"] is True
    assert client.blocks.retrieve(toggle["id"])["archived"] is True
    assert emulator.blocks(emulator.root_page_id) == []
    assert "archived" in str(again)


# -- views -------------------------------------------------------------------------


def test_a_board_view_groups_by_a_select_property(
    client: Client, emulator: NotionEmulator, ideas: str
) -> None:
    database_id = emulator.data_source(ideas)["parent"]["database_id"]
    stage_id = emulator.data_source(ideas)["properties"]["Stage"]["id"]

    board = client.views.create(
        database_id=database_id,
        data_source_id=ideas,
        name="By stage",
        type="board",
        configuration={"type": "board", "group_by": {"type": "select", "property_id": "Stage"}},
        sorts=[{"property": "Score", "direction": "descending"}],
    )
    renamed = client.views.update(board["id"], name="Board")
    listed = client.views.list(database_id=database_id)

    assert board["configuration"]["group_by"]["property_id"] == stage_id
    assert board["configuration"]["group_by"]["property_name"] == "Stage"
    assert renamed["name"] == "Board"
    assert board["id"] in [view["id"] for view in listed["results"]]
    assert [view["name"] for view in emulator.views(database_id)] == ["Default view", "Board"]


def test_a_view_grouping_by_an_unfit_property_is_rejected(client: Client, ideas: str) -> None:
    error = error_of(
        client.views.create,
        data_source_id=ideas,
        name="Bad",
        type="board",
        configuration={"type": "board", "group_by": {"type": "select", "property_id": "Score"}},
    )

    assert error.code == "validation_error"


def test_a_deleted_view_is_gone_and_the_last_view_cannot_be_deleted(
    client: Client, emulator: NotionEmulator, ideas: str
) -> None:
    database_id = emulator.data_source(ideas)["parent"]["database_id"]
    board = client.views.create(data_source_id=ideas, name="Board", type="table")
    client.views.delete(board["id"])
    (default,) = [view["id"] for view in client.views.list(database_id=database_id)["results"]]

    assert error_of(client.views.update, board["id"], name="Back").status == 404
    assert error_of(client.views.delete, default).code == "validation_error"


# -- access, headers and errors -----------------------------------------------------------


def test_pages_not_shared_with_the_integration_are_not_found(
    client: Client, emulator: NotionEmulator
) -> None:
    hidden = emulator.add_page("Private notes", shared=False)

    error = error_of(client.pages.retrieve, hidden)
    child_error = error_of(client.pages.create, parent={"page_id": hidden}, properties={})

    assert (error.status, error.code) == (404, "object_not_found")
    assert "Make sure the relevant pages and databases are shared" in str(error)
    assert child_error.code == "object_not_found"


def test_a_wrong_token_is_unauthorized(emulator: NotionEmulator) -> None:
    with closing(client_for(emulator, auth="secret_wrong")) as stranger:
        error = error_of(stranger.users.me)

    assert (error.status, error.code, str(error)) == (401, "unauthorized", "API token is invalid.")


def test_raw_http_mistakes_get_notion_error_codes(emulator: NotionEmulator) -> None:
    auth = {"Authorization": f"Bearer {emulator.token}"}
    versioned = {**auth, "Notion-Version": NOTION_VERSION}
    base = f"{emulator.base_url}/v1"

    with httpx.Client(verify=False) as http:
        no_version = http.get(f"{base}/users/me", headers=auth)
        bad_json = http.post(f"{base}/pages", headers=versioned, content=b"{nope")
        unknown = http.get(f"{base}/nothing/here", headers=versioned)
        no_token = http.get(f"{base}/users/me", headers={"Notion-Version": NOTION_VERSION})

    assert (no_version.status_code, no_version.json()["code"]) == (400, "missing_version")
    assert (bad_json.status_code, bad_json.json()["code"]) == (400, "invalid_json")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_request_url")
    assert (no_token.status_code, no_token.json()["code"]) == (401, "unauthorized")
    assert all("request_id" in answer.json() for answer in (no_version, bad_json, unknown))


def test_an_id_of_the_wrong_kind_is_named(client: Client, roadmap: str) -> None:
    error = error_of(client.pages.retrieve, roadmap)

    assert "is a data source, not a page" in str(error)


# -- rate limit and failure injection ------------------------------------------------------


def test_requests_over_the_rate_limit_get_429_with_retry_after() -> None:
    with NotionEmulator(rate_limit=3.0, burst=3) as notion, closing(client_for(notion)) as client:
        outcomes: list[APIResponseError | None] = []
        for _ in range(8):
            try:
                client.users.me()
                outcomes.append(None)
            except APIResponseError as error:
                outcomes.append(error)

        limited = [error for error in outcomes if error is not None]
        assert outcomes[:3] == [None, None, None]
        assert len(limited) >= 4
        assert {(error.status, error.code) for error in limited} == {(429, "rate_limited")}
        assert all(int(error.headers["retry-after"]) >= 1 for error in limited)
        assert notion.rate_limited_count == len(limited)
        assert notion.request_count == 8


def test_the_client_retries_after_429s_and_succeeds(emulator: NotionEmulator) -> None:
    emulator.fail_next(2, status=429, retry_after=1)

    with closing(client_for(emulator, retry=FAST_RETRIES)) as patient:
        me = patient.users.me()

    assert me["type"] == "bot"
    assert [request.status for request in emulator.requests] == [429, 429, 200]


def test_injected_failures_match_method_and_path(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    emulator.fail_next(1, status=503, path_contains="/query", method="POST")
    emulator.fail_next(1, status=409, method="POST", path_contains="/pages")

    client.users.me()
    unavailable = error_of(client.data_sources.query, roadmap)
    conflict = error_of(add_row, client, roadmap, "Clash")
    created = add_row(client, roadmap, "Second try")

    assert (unavailable.status, unavailable.code) == (503, "service_unavailable")
    assert unavailable.headers["retry-after"] == "1"
    assert (conflict.status, conflict.code) == (409, "conflict_error")
    assert names(emulator.pages(roadmap)) == ["Second try"]
    assert created["id"] == emulator.pages(roadmap)[0]["id"]


def test_a_500_on_a_create_is_not_retried_and_creates_nothing(
    emulator: NotionEmulator, roadmap: str
) -> None:
    emulator.fail_next(1, status=500)

    with closing(client_for(emulator, retry=FAST_RETRIES)) as patient:
        error = error_of(add_row, patient, roadmap, "Once")

    assert (error.status, error.code) == (500, "internal_server_error")
    assert emulator.pages(roadmap) == []


def test_a_storm_of_429s_passes(client: Client, emulator: NotionEmulator) -> None:
    emulator.storm_429(0.2)

    during = error_of(client.users.me)
    time.sleep(0.25)
    after = client.users.me()

    assert during.code == "rate_limited"
    assert after["object"] == "user"


def test_a_dropped_answer_after_a_create_leaves_the_page_created(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    emulator.drop_after_create()

    with pytest.raises(httpx.TransportError):
        add_row(client, roadmap, "Lost answer")
    second = add_row(client, roadmap, "Answered")

    assert names(emulator.pages(roadmap)) == ["Lost answer", "Answered"]
    assert second["object"] == "page"
    assert [request.status for request in emulator.requests][-2:] == [None, 200]


def test_an_on_request_hook_that_raises_loses_the_request(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    def crash_on_create(method: str, path: str) -> None:
        if method == "POST" and path == "/v1/pages":
            raise RuntimeError("process killed")

    emulator.on_request = crash_on_create

    with pytest.raises(httpx.TransportError):
        add_row(client, roadmap, "Never stored")

    emulator.on_request = None
    assert emulator.pages(roadmap) == []
    assert emulator.requests[-1].status is None


def test_the_request_log_records_calls_and_resets(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    emulator.reset_counts()

    add_row(client, roadmap, "Logged", Score={"number": 2})
    client.data_sources.query(roadmap, page_size=10)

    create, query = emulator.requests
    assert (create.method, create.path, create.status) == ("POST", "/v1/pages", 200)
    assert create.body["properties"]["Score"] == {"number": 2}
    assert (query.path, query.body) == (f"/v1/data_sources/{roadmap}/query", {"page_size": 10})
    assert create.at <= query.at
    emulator.reset_counts()
    assert (emulator.request_count, emulator.requests) == (0, [])


def test_a_select_value_may_name_an_option_without_its_color_but_not_with_another(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    options = emulator.data_source(roadmap)["properties"]["Stage"]["select"]["options"]
    color = next(o["color"] for o in options if o["name"] == "Next")
    other = "red" if color != "red" else "blue"
    same = add_row(client, roadmap, "a", Stage={"select": {"name": "Next", "color": color}})
    plain = add_row(client, roadmap, "b", Stage={"select": {"name": "Next"}})
    stage = {"select": {"name": "Next", "color": other}}
    error = error_of(add_row, client, roadmap, "c", Stage=stage)

    assert same["properties"]["Stage"]["select"]["name"] == "Next"
    assert plain["properties"]["Stage"]["select"]["color"] == color
    assert error.code == "validation_error"
    assert str(error) == "Select option color doesn't match existing"


def test_a_schema_update_adds_a_select_with_its_options_and_keeps_existing_options_as_they_are(
    client: Client, emulator: NotionEmulator, roadmap: str
) -> None:
    verdicts = [{"name": "worked", "color": "green"}, {"name": "too early to tell"}]
    client.data_sources.update(roadmap, properties={"Outcome": {"select": {"options": verdicts}}})
    stage = emulator.data_source(roadmap)["properties"]["Stage"]["select"]["options"]
    recolor = "red" if stage[0]["color"] != "red" else "blue"
    kept = client.data_sources.update(
        roadmap,
        properties={"Stage": {"select": {"options": [{"name": "Now"}, {"name": "Later"}]}}},
    )["properties"]["Stage"]["select"]["options"]
    recolored = error_of(
        client.data_sources.update,
        roadmap,
        properties={"Stage": {"select": {"options": [{"name": "Now", "color": recolor}]}}},
    )
    renamed = error_of(
        client.data_sources.update,
        roadmap,
        properties={"Stage": {"select": {"options": [{"id": stage[0]["id"], "name": "Today"}]}}},
    )

    outcome = emulator.data_source(roadmap)["properties"]["Outcome"]
    assert outcome["type"] == "select"
    options = [(o["name"], o["color"]) for o in outcome["select"]["options"]]
    assert options[0] == ("worked", "green") and options[1][0] == "too early to tell"
    # Omitted options are removed, new ones added, an existing one keeps its id and color.
    assert [o["name"] for o in kept] == ["Now", "Later"]
    assert (kept[0]["id"], kept[0]["color"]) == (stage[0]["id"], stage[0]["color"])
    assert str(recolored) == "Cannot update color of select with name: Now."
    assert str(renamed) == f"Cannot update name of select with id: {stage[0]['id']}."
