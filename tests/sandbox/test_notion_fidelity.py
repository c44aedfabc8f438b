"""The Notion emulator answers in the shapes the real Notion API answered in.

The recordings in ``tests/data/notion-recordings/`` are VCR cassettes of API version
2025-09-03 from notion-sdk-py's test suite (MIT, see the LICENSE there). Each cassette is
replayed against the emulator through the real ``notion_client.Client``: every recorded
request becomes the matching client call (recorded ids swapped for the emulator's), and
every answer is compared with the recorded one shape for shape: the same keys and the same
JSON type for each value, recursively. Ids, times and texts are not compared; lists are
compared element by element against the recorded element of the same kind; property maps
are compared by property type, not name.

Deliberate omissions and known drift:

- ``file_uploads_*`` cassettes are not replayed: the emulator has no file uploads.
- ``api_http_response_error`` is an answer of mock.httpstatus.io, not of Notion.
- Keys Notion added after some cassettes were recorded (``is_archived`` on pages,
  ``archived`` on databases; both present in the April 2026 cassettes) may appear in the
  emulator's answers where older cassettes lack them.
- ``iterate_paginated_api`` was recorded in December 2024: its search answers say
  ``page_or_database`` where 2025-09-03 says ``page_or_data_source`` (as ``search.yaml``
  shows), and its pages predate ``is_locked``.
- Where a recorded list is empty or the emulator's is (the recorded search matched other
  objects of that workspace), there is no element to compare; the explicit tests at the end
  cover those element shapes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from notion_client import APIResponseError, Client

from bot.sandbox.notion import NotionEmulator

RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "notion-recordings"
# Parent pages of the recorded workspaces; they stand for the emulator's root page.
RECORDED_ROOTS = ("26899f72bada80dc843deacaf51e89ad", "95ba011667764c199e4554e77415f03b")
NEWER_KEYS = frozenset({"is_archived", "archived"})
CASSETTES = [
    "users_me",
    "pages_create",
    "pages_retrieve",
    "pages_update",
    "databases_create",
    "databases_retrieve",
    "databases_update",
    "data_sources_create",
    "data_sources_retrieve",
    "data_sources_query",
    "data_sources_update",
    "blocks_children_create",
    "blocks_children_list",
    "blocks_retrieve",
    "blocks_update",
    "blocks_delete",
    "views_create",
    "views_list",
    "views_retrieve",
    "views_update",
    "search",
    "api_response_error",
    "api_response_error_request_id",
    "iterate_paginated_api",
]
DRIFT: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # cassette: (keys the emulator may add, keys the emulator may lack)
    "iterate_paginated_api": (
        frozenset({"is_locked", "page_or_data_source"}),
        frozenset({"page_or_database"}),
    ),
}


@dataclass(frozen=True)
class Interaction:
    """One recorded request and Notion's answer."""

    method: str
    path: str  # after /v1/
    query: dict[str, str]
    body: str
    status: int
    answer: Any


def load(cassette: str) -> list[Interaction]:
    """Return the interactions of a cassette (both VCR formats in the folder)."""
    data = yaml.safe_load((RECORDINGS / f"{cassette}.yaml").read_text(encoding="utf-8"))
    out = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        url = urlsplit(request["uri"])
        text = response["body"]["string"] if "body" in response else response["content"]
        status = response["status"]["code"] if "status" in response else response["status_code"]
        out.append(
            Interaction(
                method=request["method"],
                path=url.path.removeprefix("/v1/"),
                query=dict(parse_qsl(url.query)),
                body=request.get("body") or "",
                status=status,
                answer=json.loads(text),
            )
        )
    return out


def json_type(value: Any) -> str:
    """Return the JSON type name of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def by_type(properties: dict[str, Any]) -> dict[str, Any]:
    """Re-key a page or data source property map by property type."""
    return {prop["type"]: prop for prop in properties.values()}


def counterpart(item: Any, recorded: list[Any]) -> Any:
    """Return the recorded list element of the same kind as ``item``."""
    if isinstance(item, dict):
        for key in ("object", "type"):
            for candidate in recorded:
                if isinstance(candidate, dict) and candidate.get(key) == item.get(key):
                    return candidate
    return recorded[0]


def differences(
    ours: Any,
    recorded: Any,
    path: str = "$",
    *,
    extra_ok: frozenset[str] = NEWER_KEYS,
    missing_ok: frozenset[str] = frozenset(),
) -> list[str]:
    """Return where two JSON values differ in shape (keys and JSON types)."""
    if json_type(ours) != json_type(recorded):
        return [f"{path}: {json_type(ours)} where Notion answered {json_type(recorded)}"]
    found: list[str] = []
    if isinstance(ours, dict):
        if path.endswith(".properties") and all(
            isinstance(value, dict) and "type" in value
            for value in [*ours.values(), *recorded.values()]
        ):
            ours, recorded = by_type(ours), by_type(recorded)
        found += [f"{path}: lacks {key!r}" for key in recorded.keys() - ours.keys() - missing_ok]
        found += [f"{path}: adds {key!r}" for key in ours.keys() - recorded.keys() - extra_ok]
        for key in ours.keys() & recorded.keys():
            found += differences(
                ours[key],
                recorded[key],
                f"{path}.{key}",
                extra_ok=extra_ok,
                missing_ok=missing_ok,
            )
    elif isinstance(ours, list) and ours and recorded:
        for index, item in enumerate(ours):
            found += differences(
                item,
                counterpart(item, recorded),
                f"{path}[{index}]",
                extra_ok=extra_ok,
                missing_ok=missing_ok,
            )
    return found


def id_key(value: Any) -> str | None:
    """Return the dashless form of a Notion id, or None if the value is not one."""
    if isinstance(value, str):
        try:
            return uuid.UUID(value).hex
        except ValueError:
            return None
    return None


def learn_ids(recorded: Any, ours: Any, ids: dict[str, str]) -> None:
    """Map the recorded ids (and cursors) in an answer to the emulator's."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key, value in recorded.items():
            if key not in ours or key == "request_id":
                continue
            is_id = key in ("id", "next_cursor") or key.endswith("_id")
            recorded_key = id_key(value) if is_id else None
            if recorded_key and isinstance(ours[key], str):
                ids[recorded_key] = ours[key]
            else:
                learn_ids(value, ours[key], ids)
    elif isinstance(recorded, list) and isinstance(ours, list):
        for recorded_item, our_item in zip(recorded, ours, strict=False):
            learn_ids(recorded_item, our_item, ids)


def swap_ids(text: str, ids: dict[str, str]) -> str:
    """Replace recorded ids, dashed or not, with the emulator's."""
    for recorded, ours in ids.items():
        text = text.replace(str(uuid.UUID(recorded)), ours).replace(recorded, ours)
    return text


def call(client: Client, interaction: Interaction, ids: dict[str, str]) -> tuple[int, Any]:
    """Make the recorded request through the matching notion-client method."""
    path = swap_ids(interaction.path, ids)
    query = {key: swap_ids(value, ids) for key, value in interaction.query.items()}
    body = json.loads(swap_ids(interaction.body, ids)) if interaction.body else {}
    # The recorded 401 was made with a revoked token.
    auth = {"auth": "ntn_revoked"} if interaction.status == 401 else {}
    parts = path.split("/")
    try:
        match interaction.method, parts:
            case "GET", ["users", "me"]:
                answer = client.users.me(**auth)
            case "GET", ["users"]:
                answer = client.users.list(**query, **auth)
            case "POST", ["pages"]:
                answer = client.pages.create(**body, **auth)
            case "GET", ["pages", page_id]:
                answer = client.pages.retrieve(page_id, **auth)
            case "PATCH", ["pages", page_id]:
                answer = client.pages.update(page_id, **body, **auth)
            case "POST", ["databases"]:
                answer = client.databases.create(**body, **auth)
            case "GET", ["databases", database_id]:
                answer = client.databases.retrieve(database_id, **auth)
            case "PATCH", ["databases", database_id]:
                answer = client.databases.update(database_id, **body, **auth)
            case "POST", ["data_sources"]:
                answer = client.data_sources.create(**body, **auth)
            case "GET", ["data_sources", source_id]:
                answer = client.data_sources.retrieve(source_id, **auth)
            case "PATCH", ["data_sources", source_id]:
                answer = client.data_sources.update(source_id, **body, **auth)
            case "POST", ["data_sources", source_id, "query"]:
                answer = client.data_sources.query(source_id, **body, **auth)
            case "GET", ["blocks", block_id]:
                answer = client.blocks.retrieve(block_id, **auth)
            case "PATCH", ["blocks", block_id]:
                answer = client.blocks.update(block_id, **body, **auth)
            case "DELETE", ["blocks", block_id]:
                answer = client.blocks.delete(block_id, **auth)
            case "GET", ["blocks", block_id, "children"]:
                answer = client.blocks.children.list(block_id, **query, **auth)
            case "PATCH", ["blocks", block_id, "children"]:
                answer = client.blocks.children.append(block_id, **body, **auth)
            case "POST", ["views"]:
                answer = client.views.create(**body, **auth)
            case "GET", ["views"]:
                answer = client.views.list(**query, **auth)
            case "GET", ["views", view_id]:
                answer = client.views.retrieve(view_id, **auth)
            case "PATCH", ["views", view_id]:
                answer = client.views.update(view_id, **body, **auth)
            case "DELETE", ["views", view_id]:
                answer = client.views.delete(view_id, **auth)
            case "POST", ["search"]:
                answer = client.search(**body, **auth)
            case _:  # e.g. the recorded request to an invalid URL
                answer = client.request(
                    path=path, method=interaction.method, query=query, body=body or None, **auth
                )
    except APIResponseError as error:
        return error.status, json.loads(error.body)
    return 200, answer


def recorded_answer(cassette: str, method: str, path_start: str, index: int = 0) -> Any:
    """Return the ``index``-th recorded answer to a request of this method and path."""
    answers = [
        interaction.answer
        for interaction in load(cassette)
        if interaction.method == method and interaction.path.startswith(path_start)
    ]
    return answers[index]


@pytest.mark.parametrize("cassette", CASSETTES)
def test_replaying_a_cassette_gets_answers_of_the_recorded_shape(
    cassette: str, emulator: NotionEmulator, client: Client
) -> None:
    ids = {root: emulator.root_page_id for root in RECORDED_ROOTS}
    extra_ok, missing_ok = DRIFT.get(cassette, (frozenset(), frozenset()))
    for number, interaction in enumerate(load(cassette)):
        status, answer = call(client, interaction, ids)
        where = f"{cassette} #{number} {interaction.method} /v1/{interaction.path}"
        assert status == interaction.status, f"{where}: {answer}"
        found = differences(
            answer,
            interaction.answer,
            extra_ok=NEWER_KEYS | extra_ok,
            missing_ok=missing_ok,
        )
        assert not found, f"{where}:\n" + "\n".join(found)
        learn_ids(interaction.answer, answer, ids)


def test_the_differences_check_notices_a_missing_key_and_a_wrong_type() -> None:
    recorded = {"object": "page", "icon": None, "parent": {"type": "page_id", "page_id": "x"}}
    ours = {"object": "page", "icon": "🛴", "parent": {"type": "page_id"}}

    assert sorted(differences(ours, recorded)) == [
        "$.icon: string where Notion answered null",
        "$.parent: lacks 'page_id'",
    ]


def make_roadmap(client: Client, emulator: NotionEmulator) -> tuple[str, str]:
    """Create a database with one row; return (database id, data source id)."""
    database = client.databases.create(
        parent={"page_id": emulator.root_page_id},
        title=[{"text": {"content": "Roadmap"}}],
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    source_id = database["data_sources"][0]["id"]
    client.pages.create(
        parent={"data_source_id": source_id},
        properties={"Name": {"title": [{"text": {"content": "B"}}]}},
    )
    return database["id"], source_id


def test_a_data_source_row_has_the_shape_of_a_recorded_row(
    emulator: NotionEmulator, client: Client
) -> None:
    _, source_id = make_roadmap(client, emulator)
    recorded_row = recorded_answer("search", "POST", "search")["results"][2]
    assert recorded_row["parent"]["type"] == "data_source_id"

    (row,) = client.data_sources.query(source_id)["results"]

    assert differences(row, recorded_row) == []


def test_search_finds_data_sources_in_the_recorded_shape(
    emulator: NotionEmulator, client: Client
) -> None:
    _, source_id = make_roadmap(client, emulator)
    client.data_sources.update(source_id, icon={"type": "emoji", "emoji": "⭐"})  # as recorded
    recorded = recorded_answer("search", "POST", "search")

    answer = client.search(query="Roadmap", filter={"property": "object", "value": "data_source"})

    assert [result["object"] for result in answer["results"]] == ["data_source"]
    assert differences(answer, recorded) == []


def test_a_page_with_more_to_come_has_the_recorded_pagination_shape(
    emulator: NotionEmulator, client: Client
) -> None:
    recorded_first_page = recorded_answer("iterate_paginated_api", "POST", "search")
    assert recorded_first_page["has_more"] is True
    client.blocks.children.append(
        emulator.root_page_id,
        children=[{"paragraph": {"rich_text": [{"text": {"content": "x"}}]}}] * 3,
    )

    first = client.blocks.children.list(emulator.root_page_id, page_size=2)

    assert first["has_more"] is True
    envelope = {key: value for key, value in first.items() if key != "results"}
    recorded_envelope = {
        key: value for key, value in recorded_first_page.items() if key != "results"
    }
    assert (
        differences(
            envelope,
            recorded_envelope,
            extra_ok=frozenset({"block"}),
            missing_ok=frozenset({"page_or_database"}),
        )
        == []
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (409, "conflict_error"),
        (429, "rate_limited"),
        (500, "internal_server_error"),
        (503, "service_unavailable"),
    ],
)
def test_injected_errors_have_the_recorded_error_shape(
    emulator: NotionEmulator, client: Client, status: int, code: str
) -> None:
    recorded_error = recorded_answer("api_response_error", "GET", "users")
    emulator.fail_next(1, status=status)

    with pytest.raises(APIResponseError) as raised:
        client.users.me()

    assert (raised.value.status, raised.value.code) == (status, code)
    assert differences(json.loads(raised.value.body), recorded_error) == []


def test_validation_and_not_found_errors_have_the_recorded_error_shape(
    emulator: NotionEmulator, client: Client
) -> None:
    recorded_error = recorded_answer("api_response_error", "GET", "invalid")
    hidden_page = emulator.add_page("Not shared", shared=False)

    with pytest.raises(APIResponseError) as too_big:
        client.blocks.children.list(emulator.root_page_id, page_size=101)
    with pytest.raises(APIResponseError) as hidden:
        client.pages.retrieve(hidden_page)

    assert too_big.value.code == "validation_error"
    assert hidden.value.code == "object_not_found"
    for error in (too_big.value, hidden.value):
        assert differences(json.loads(error.body), recorded_error) == []
