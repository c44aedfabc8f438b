"""/roadmap, /journey and the App Home tab."""

from __future__ import annotations

from slack_helpers import TEAM, Bot

from bot.sandbox.slack import static_select_value
from bot.services import NOTION_ROADMAP_URL
from bot.slack.ids import Action, Block


def test_roadmap_answers_ephemerally_with_the_top_ten_and_the_weakest_stage(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Signup form rejects plus addresses")
    for i in range(12):
        bot.propose("U0BEN", f"Idea number {i + 1}", impact=1 + i % 5, complexity=3, weeks="2w")
    bot.store.meta.set(f"{NOTION_ROADMAP_URL}:{TEAM}", "https://notion.so/roadmap-123")
    reply = bot.slash("U0CHLOE", "/roadmap")
    assert reply.body == ""
    answer = bot.slack.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    text = bot.text_of(answer)
    assert text.count("*Idea number") == 10
    assert answer["blocks"][0]["text"]["text"] == "Roadmap: top 10 of 12 ideas"
    assert "2 more ideas are ranked below these" in text
    assert "Weakest journey stage: *Awareness*" in text
    buttons = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["url"] == "https://notion.so/roadmap-123"
    # Slack sends a block_actions payload for link buttons too: it must be acked.
    ephemeral = bot.slack.ephemerals("U0CHLOE")[-1]
    link = bot.people.block_action(
        "U0CHLOE", Action.OPEN_LINK, channel="C0ROADMAP", message_ts=ephemeral["ts"]
    )
    assert link.status == 200


def test_the_roadmap_header_counts_what_it_shows(bot: Bot) -> None:
    for i in range(3):
        bot.propose("U0BEN", f"Idea number {i + 1}")
    bot.slash("U0CHLOE", "/roadmap")
    answer = bot.slack.responses()[-1]
    assert answer["blocks"][0]["text"]["text"] == "Roadmap: 3 ideas"
    assert bot.text_of(answer).count("*Idea number") == 3


def test_roadmap_without_ideas_says_how_to_start(bot: Bot) -> None:
    bot.slash("U0BEN", "/roadmap")
    assert "Propose one with `/idea`" in bot.text_of(bot.slack.responses()[-1])


def test_journey_shows_the_heat_table(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Nobody reads the onboarding email")
    bot.slash("U0BEN", "/journey")
    text = bot.text_of(bot.slack.responses()[-1])
    assert "Awareness" in text and "← weakest" in text
    assert "Weakest stage: Awareness. Its one open pain point has no idea addressing it" in text


def test_journey_team_sets_the_team_and_refuses_unknown_ones(bot: Bot) -> None:
    reply = bot.slash("U0BEN", "/journey", "team customer success")
    assert "You are in *Customer Success* now" in reply.json()["text"]
    assert bot.store.people.team_of(TEAM, "U0BEN") == "Customer Success"
    refused = bot.slash("U0BEN", "/journey", "team Astronauts")
    assert "unknown team 'Astronauts'" in refused.json()["text"]
    assert bot.store.people.team_of(TEAM, "U0BEN") == "Customer Success"
    current = bot.slash("U0BEN", "/journey", "team")
    assert "You are in *Customer Success*. Only an admin" in current.json()["text"]


def test_app_home_cannot_switch_a_team_once_set_either_and_says_so_in_a_dm(bot: Bot) -> None:
    bot.slash("U0EVE", "/journey", "team support")
    bot.people.open_home("U0EVE")
    bot.settle()
    bot.people.block_action(
        "U0EVE",
        Action.HOME_TEAM,
        view=bot.slack.home("U0EVE")["id"],
        action_type="static_select",
        selected_option=static_select_value("Engineering")["selected_option"],
        block_id=Block.HOME_SETTINGS,
    )
    bot.settle()
    assert bot.store.people.team_of(TEAM, "U0EVE") == "Support"
    [dm] = bot.slack.dms("U0EVE")
    assert "you are in Support; once set, a team is changed only by an admin" in dm["text"]


def test_journey_team_cannot_switch_a_team_once_set_and_says_who_can(bot: Bot) -> None:
    bot.slash("U0BEN", "/journey", "team support")
    refused = bot.slash("U0BEN", "/journey", "team engineering")
    text = refused.json()["text"]
    assert "you are in Support; once set, a team is changed only by an admin" in text
    assert bot.store.people.team_of(TEAM, "U0BEN") == "Support"


def test_journey_notify_turns_dms_off_and_on(bot: Bot) -> None:
    assert "off" in bot.slash("U0BEN", "/journey", "notify off").json()["text"]
    assert bot.store.people.wants_dms(TEAM, "U0BEN") is False
    assert "on" in bot.slash("U0BEN", "/journey", "notify ON").json()["text"]
    assert bot.store.people.wants_dms(TEAM, "U0BEN") is True


def test_journey_with_anything_else_explains_itself(bot: Bot) -> None:
    answer = bot.slash("U0BEN", "/journey", "what is this").json()
    assert "/journey team <team>" in answer["text"]


def test_app_home_shows_my_pain_points_ideas_waiting_estimates_and_the_top(bot: Bot) -> None:
    bot.slash("U0BEN", "/pain", "Trial users never see the import wizard")
    mine = bot.propose("U0BEN", "Show the import wizard on first login", impact=4)
    theirs = bot.propose("U0CHLOE", "Weekly usage email")
    assert bot.people.open_home("U0BEN").status == 200
    bot.settle()
    home = bot.slack.home("U0BEN")
    text = bot.text_of(home)
    assert "Trial users never see the import wizard" in text and "*Open*" in text
    assert f"#{mine.id} *Show the import wizard on first login*" in text
    waiting = [
        b for b in home["blocks"] if b.get("accessory", {}).get("action_id") == Action.IDEA_ESTIMATE
    ]
    # Ben estimated his own idea when he proposed it; Chloé's still waits for him.
    assert [b["accessory"]["value"] for b in waiting] == [str(theirs.id)]
    # The Estimate button works from the Home tab too.
    bot.people.block_action("U0BEN", Action.IDEA_ESTIMATE, str(theirs.id), view=home["id"])
    bot.settle()
    assert bot.slack.modal("U0BEN")["title"]["text"] == f"Estimate #{theirs.id}"


def test_app_home_settings_set_the_team_and_dms(bot: Bot) -> None:
    bot.people.open_home("U0EVE")
    bot.settle()
    home = bot.slack.home("U0EVE")
    bot.people.block_action(
        "U0EVE",
        Action.HOME_TEAM,
        view=home["id"],
        action_type="static_select",
        selected_option=static_select_value("Support")["selected_option"],
        block_id=Block.HOME_SETTINGS,
    )
    bot.people.block_action("U0EVE", Action.HOME_NOTIFY, "off", view=home["id"])
    bot.settle()
    assert bot.store.people.team_of(TEAM, "U0EVE") == "Support"
    assert bot.store.people.wants_dms(TEAM, "U0EVE") is False
    text = bot.text_of(bot.slack.home("U0EVE"))
    assert "Your team: *Support*" in text and "Turn DMs on" in text
