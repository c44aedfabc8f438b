"""A short week of the demo with the bot connected over Socket Mode."""

from bot.demo import run_demo, script
from bot.demo.html import property_text
from prioritize.models import IdeaStatus

# The ideas the demo's merge and leader edit act on, their pain points and their votes.
KEYS = ("first-run", "invites", "invites-dup")
IDEAS = tuple(i for i in script.IDEAS if i.key in KEYS)
NEEDED = {p for i in IDEAS for p in i.pains}
PAINS = tuple(p for n, p in enumerate(script.PAINS) if n in NEEDED)
VOTES = tuple(v for v in script.VOTES if v.idea in KEYS)


def test_the_week_played_over_socket_mode_ends_as_it_does_over_http(tmp_path):
    result = run_demo(
        tmp_path, pains=PAINS, ideas=IDEAS, votes=VOTES, notion_rate=30, socket_mode=True
    )
    try:
        store, team = result.services.store, result.team_id
        assert len(store.pains.all(team)) == len(PAINS)
        assert len(store.ideas.all(team, include_merged=True)) == len(IDEAS)
        assert (
            store.ideas.get(team, result.ideas["invites-dup"]).merged_into
            == result.ideas["invites"]
        )
        assert store.ideas.get(team, result.ideas["first-run"]).status is IdeaStatus.IN_PROGRESS
        ideas_in_notion = {
            property_text(p["properties"].get("Idea ID"))
            for p in result.notion.pages()
            if property_text(p["properties"].get("Idea ID")) and not p.get("in_trash")
        }
        assert len(ideas_in_notion) == len(store.ideas.all(team))
        # Every action went over the one socket and the bot acked each.
        hub = result.slack.socket_mode
        assert {a.type for a in hub.acks} == {"slash_commands", "interactive", "events_api"}
        assert hub.unacked == 0
        assert result.slack.count("apps.connections.open") == 1
    finally:
        result.services.store.close()
