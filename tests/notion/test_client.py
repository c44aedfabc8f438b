"""The Notion client wrapper: limiter, retries by safety, counting, chunking; over HTTP."""

from __future__ import annotations

import time

import pytest
from notion_helpers import make_client

from bot.notion.client import NotionClient, NotionError, OutcomeUnknown, RateLimiter
from bot.sandbox.notion import NotionEmulator


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def paragraph(text: str) -> dict[str, object]:
    return {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": text}}]}}


def test_the_limiter_spaces_requests_so_the_average_stays_at_the_rate() -> None:
    fake = FakeTime()
    limiter = RateLimiter(3.0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(31):
        limiter.wait()
    assert fake.now == pytest.approx(10.0)  # 31 starts, 30 gaps of a third of a second


def test_a_pause_holds_the_next_request() -> None:
    fake = FakeTime()
    limiter = RateLimiter(3.0, clock=fake.clock, sleep=fake.sleep)
    limiter.wait()
    limiter.pause(2.0)
    limiter.wait()
    assert fake.now == pytest.approx(2.0)


def test_a_429_is_retried_after_its_retry_after(
    notion: NotionEmulator, client: NotionClient
) -> None:
    notion.fail_next(1, status=429, retry_after=1)
    began = time.monotonic()
    me = client.me()
    assert me["type"] == "bot"
    assert time.monotonic() - began >= 0.9
    assert client.stats.rate_limited == 1 and client.stats.sent == 2
    assert notion.request_count == 2


def test_a_500_on_a_safe_request_is_retried(notion: NotionEmulator, client: NotionClient) -> None:
    notion.fail_next(2, status=500)
    assert client.me()["type"] == "bot"
    assert client.stats.sent == 3 and notion.request_count == 3


def test_a_409_on_an_update_is_retried(notion: NotionEmulator, client: NotionClient) -> None:
    page_id = notion.root_page_id
    notion.fail_next(1, status=409, method="PATCH")
    title = {"title": {"title": [{"text": {"content": "x"}}]}}
    page = client.update_page(page_id, properties=title)
    assert page["properties"]["title"]["title"][0]["plain_text"] == "x"


@pytest.mark.parametrize("status", [409, 500, 503])
def test_a_failed_create_is_not_repeated_blindly(
    notion: NotionEmulator, client: NotionClient, status: int
) -> None:
    notion.fail_next(1, status=status, method="POST", path_contains="/pages")
    with pytest.raises(OutcomeUnknown):
        client.create_page({"page_id": notion.root_page_id}, {})
    assert notion.request_count == 1


def test_a_connection_dropped_after_a_create_is_an_unknown_outcome(
    notion: NotionEmulator, client: NotionClient
) -> None:
    notion.drop_after_create(1)
    with pytest.raises(OutcomeUnknown):
        client.create_page({"page_id": notion.root_page_id}, {})
    assert len(notion.blocks(notion.root_page_id)) == 1  # it was created all the same


def test_other_errors_are_raised_with_notions_code(client: NotionClient) -> None:
    with pytest.raises(NotionError) as caught:
        client.retrieve_database("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 404 and caught.value.code == "object_not_found"


def test_appends_are_chunked_at_100_blocks(notion: NotionEmulator, client: NotionClient) -> None:
    created = client.append_blocks(notion.root_page_id, [paragraph(str(i)) for i in range(250)])
    assert len(created) == 250
    assert client.stats.sent == 3
    assert len(notion.blocks(notion.root_page_id)) == 250


def test_every_attempt_is_counted_like_the_server_counts_it(notion: NotionEmulator) -> None:
    client = make_client(notion)
    notion.fail_next(1, status=503, retry_after=1)
    client.me()
    client.list_children(notion.root_page_id)
    assert client.stats.sent == notion.request_count == 3
