"""Settings per workspace over a real store: defaults, admins, validation, encrypted tokens."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.config import DigestConfig
from bot.services import InvalidInput, NotAllowed, Services
from bot.workspace_settings import WorkspaceDefaults, mask
from prioritize.config import JourneyConfig
from storage.store import Store

T1, T2 = "T0001", "T0002"
KEY = Fernet.generate_key().decode()
GOOD = "secret_abcdefghijklmnopqrstuvwxyz0123456789wxyz"
PAGE = "0123456789abcdef0123456789abcdef"


def reject_unless_good(token: str, page_id: str) -> None:
    if token != GOOD:
        raise InvalidInput("notion_token", "Notion says this token is not valid")


def make(store: Store, clock: object, *, key: str | None = KEY) -> Services:
    defaults = WorkspaceDefaults(
        digest=DigestConfig(cron="0 9 * * mon", timezone="UTC"),
        notion_token=SecretStr("secret_env_token_0000"),
        notion_parent_page_id="env-page",
        secret_key=SecretStr(key) if key else None,
        check_notion=reject_unless_good,
    )
    return Services(
        store,
        JourneyConfig(),
        clock=clock,  # type: ignore[arg-type]
        admins=frozenset({"U0ADMIN"}),
        workspace_defaults=defaults,
    )


@pytest.fixture
def services(store: Store, clock: object) -> Services:
    return make(store, clock)


def test_a_workspace_that_set_nothing_runs_with_the_config_file(services: Services) -> None:
    ws = services.workspace.of(T1)
    assert ws.admins == {"U0ADMIN"}
    assert ws.journey == services.journey
    assert ws.digest.cron == "0 9 * * mon"
    assert ws.notion is not None and not ws.notion.own
    assert ws.notion.parent_page_id == "env-page"


def test_admins_set_in_one_workspace_are_not_admins_of_another(services: Services) -> None:
    services.workspace.set_admins(T1, ["U0ADMIN", "U0NEW"], by="U0ADMIN")
    assert services.workspace.is_admin(T1, "U0NEW")
    assert not services.workspace.is_admin(T2, "U0NEW")
    services.workspace.set_admins(T1, ["U0NEW"], by="U0NEW")
    assert not services.workspace.is_admin(T1, "U0ADMIN")
    assert services.workspace.is_admin(T2, "U0ADMIN")


def test_only_an_admin_of_the_workspace_may_change_its_settings(services: Services) -> None:
    with pytest.raises(NotAllowed):
        services.workspace.set_digest(T1, cron="0 8 * * *", timezone="UTC", by="U0SOMEONE")
    assert services.workspace.of(T1).own == frozenset()


def test_an_admin_cannot_remove_themselves_by_mistake(services: Services) -> None:
    with pytest.raises(InvalidInput, match="keep yourself"):
        services.workspace.set_admins(T1, ["U0OTHER"], by="U0ADMIN")
    with pytest.raises(InvalidInput, match="not a Slack user id"):
        services.workspace.set_admins(T1, ["U0ADMIN", "bob"], by="U0ADMIN")


def test_a_journey_map_that_drops_a_stage_still_in_use_is_refused_and_nothing_saved(
    services: Services,
) -> None:
    services.log_pain_point(T1, "U1", "Checkout fails", stage="Purchase")
    stages = [s for s in services.journey.stages if s != "Purchase"]
    j = services.journey
    with pytest.raises(InvalidInput) as e:
        services.workspace.set_journey(
            T1,
            stages=stages,
            teams=j.teams,
            touchpoints=j.touchpoints,
            personas=j.personas,
            by="U0ADMIN",
        )
    assert e.value.field == "stages"
    assert "'Purchase' is still in use" in str(e.value)
    assert services.workspace.of(T1).journey.stages == j.stages
    # The other workspace never logged anything at Purchase: it may drop the stage.
    changed = services.workspace.set_journey(
        T2, stages=stages, teams=j.teams, touchpoints=j.touchpoints, personas=[], by="U0ADMIN"
    )
    assert "Purchase" not in changed.journey.stages
    assert services.workspace.of(T1).journey.stages == j.stages


def test_weights_that_are_not_numbers_are_named(services: Services) -> None:
    with pytest.raises(InvalidInput) as e:
        services.workspace.set_scoring(
            T1, weights={"impact": "lots"}, capacity={"now": "10"}, by="U0ADMIN"
        )
    assert e.value.field == "weights.impact"
    assert "'lots' is not a number" in str(e.value)
    ws = services.workspace.set_scoring(
        T1, weights={"impact": "1", "reach": "0"}, capacity={"now": "6", "next": "9"}, by="U0ADMIN"
    )
    assert ws.journey.scoring.weights.impact == 1.0
    assert ws.journey.scoring.capacity.now == 6.0
    assert services.workspace.of(T2).journey.scoring == services.journey.scoring


def test_a_digest_schedule_or_time_zone_that_is_wrong_is_refused(services: Services) -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        services.workspace.set_digest(T1, cron="0 9 * * mon", timezone="Mars/Olympus", by="U0ADMIN")
    with pytest.raises(InvalidInput, match="is not a schedule"):
        services.workspace.set_digest(T1, cron="0 99 * * mon", timezone="UTC", by="U0ADMIN")
    ws = services.workspace.set_digest(
        T1, cron="30 8 * * fri", timezone="Europe/Paris", by="U0ADMIN"
    )
    assert (ws.digest.cron, ws.digest.timezone) == ("30 8 * * fri", "Europe/Paris")


def test_a_notion_token_is_stored_encrypted_and_shown_masked(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ws = services.workspace.connect_notion(
        T1, token=GOOD, parent_page_id=f"https://www.notion.so/Roadmap-{PAGE}", by="U0ADMIN"
    )
    assert ws.notion is not None and ws.notion.own
    assert ws.notion.parent_page_id == PAGE
    assert ws.notion.token.get_secret_value() == GOOD
    assert ws.notion.masked == "secret_…wxyz" == mask(GOOD)
    raw = services.store.db.execute("select value from workspace_settings").fetchall()
    assert all(GOOD not in value for (value,) in raw)
    assert GOOD not in caplog.text
    assert services.workspace.of(T2).notion.parent_page_id == "env-page"  # type: ignore[union-attr]


def test_a_token_notion_rejects_is_refused_and_nothing_is_saved(services: Services) -> None:
    with pytest.raises(InvalidInput, match="not valid"):
        services.workspace.connect_notion(T1, token="secret_bad", parent_page_id=PAGE, by="U0ADMIN")
    assert services.workspace.of(T1).own == frozenset()


def test_without_a_secret_key_a_token_is_refused_with_a_clear_message(
    store: Store, clock: object
) -> None:
    services = make(store, clock, key=None)
    with pytest.raises(InvalidInput, match="without JOURNEYBOT_SECRET_KEY"):
        services.workspace.connect_notion(T1, token=GOOD, parent_page_id=PAGE, by="U0ADMIN")
    assert services.workspace.of(T1).own == frozenset()


def test_a_token_stored_under_another_key_is_not_used_and_not_logged(
    store: Store, clock: object, caplog: pytest.LogCaptureFixture
) -> None:
    make(store, clock).workspace.connect_notion(T1, token=GOOD, parent_page_id=PAGE, by="U0ADMIN")
    other = make(store, clock, key=Fernet.generate_key().decode())
    assert other.workspace.of(T1).notion is None
    assert "cannot be decrypted" in caplog.text
    assert GOOD not in caplog.text


def test_a_workspaces_own_weights_rank_its_ideas_and_no_one_elses(services: Services) -> None:
    for team_id in (T1, T2):
        # Big and slow against small and quick: the weights decide which comes first.
        services.propose_idea(team_id, "U1", "Big bet", impact=5, complexity=5, weeks=12)
        services.propose_idea(team_id, "U1", "Quick win", impact=2, complexity=1, weeks=1)
        for voter in ("U2", "U3"):
            for idea in services.store.ideas.all(team_id):
                services.record_estimate(
                    team_id,
                    idea.id or 0,
                    voter,
                    impact=5 if idea.title == "Big bet" else 2,
                    complexity=5 if idea.title == "Big bet" else 1,
                    weeks=12 if idea.title == "Big bet" else 1,
                )
    before = [e.idea.title for e in services.top(T2, 2)]
    services.workspace.set_scoring(
        T1,
        weights={"impact": "0", "reach": "0", "ease": "1", "speed": "1"},
        capacity={"now": "12", "next": "24"},
        by="U0ADMIN",
    )
    assert [e.idea.title for e in services.top(T1, 2)] == ["Quick win", "Big bet"]
    assert [e.idea.title for e in services.roadmap(T1)] == ["Quick win", "Big bet"]
    assert [e.idea.title for e in services.top(T2, 2)] == before == ["Big bet", "Quick win"]


def test_a_workspaces_own_journey_map_is_the_one_its_pain_points_are_checked_against(
    services: Services,
) -> None:
    j = services.journey
    services.workspace.set_journey(
        T1,
        stages=["Discover", "Buy", "Use"],
        teams=j.teams,
        touchpoints=j.touchpoints,
        personas=j.personas,
        by="U0ADMIN",
    )
    assert services.log_pain_point(T1, "U1", "Pricing is unclear", stage="buy").pain.stage == "Buy"
    with pytest.raises(InvalidInput, match="unknown journey stage 'Buy'"):
        services.log_pain_point(T2, "U1", "Pricing is unclear", stage="Buy")
    assert [row.stage for row in services.heat(T1).stages] == ["Discover", "Buy", "Use"]


def test_an_admin_of_one_workspace_cannot_manage_another_ones_ideas(services: Services) -> None:
    services.workspace.set_admins(T1, ["U0ADMIN", "U0LEAD"], by="U0ADMIN")
    idea = services.propose_idea(T2, "U1", "Faster refunds")
    with pytest.raises(NotAllowed):
        services.manageable(T2, idea.id or 0, "U0LEAD")
    mine = services.propose_idea(T1, "U1", "Faster refunds")
    assert services.manageable(T1, mine.id or 0, "U0LEAD").id == mine.id
