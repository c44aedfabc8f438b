"""`/journey`: the stage heat table; `/journey questions`; `/journey team <Team>`;
`/journey notify on|off`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from prioritize.errors import InvalidInput, NotAllowed, NotSaved

from ...blocks.kit import esc, unmarkup
from ...blocks.questions import questions_message
from ...blocks.reports import heat_message
from ...deps import Deps
from ...forms import not_saved
from ...ids import Command

__all__ = ["HELP", "register"]

HELP = (
    "*/journey* shows where on the customer journey it hurts most.\n"
    "• `/journey` or `/journey heat`: the stage heat table\n"
    "• `/journey questions`: the five journey questions answered (impact, effort,"
    " obstacles, weakest and strongest stage with outcomes, say versus do)\n"
    "• `/journey team <team>`: say which team you are in (estimates count per team;"
    " once set, only an admin changes it)\n"
    "• `/journey notify off` or `on`: DMs about ideas you care about (status updates,"
    ' "Is this better now?")'
)


def register(app: App, deps: Deps) -> None:
    """Register /journey and its subcommands."""

    def heat(team_id: str, respond: Respond) -> None:
        respond(response_type="ephemeral", **heat_message(deps.services.heat(team_id)))

    def questions(team_id: str, respond: Respond) -> None:
        q = deps.services.questions(team_id)
        respond(response_type="ephemeral", **questions_message(q.answers, titles=q.titles))

    @app.command(Command.JOURNEY)
    def journey_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        team_id, user = command["team_id"], command["user_id"]
        words = unmarkup(command.get("text") or "").split()
        verb = words[0].casefold() if words else "heat"
        rest = " ".join(words[1:])
        if verb == "heat":
            ack()
            deps.runtime.later(heat, team_id, respond)
        elif verb in ("questions", "question", "q"):
            ack()
            deps.runtime.later(questions, team_id, respond)
        elif verb == "team":
            # One small row: answered in the ack itself.
            ack(response_type="ephemeral", text=_team(deps, team_id, user, rest))
        elif verb == "notify" and rest.casefold() in ("on", "off"):
            try:
                deps.services.set_notify(team_id, user, rest.casefold() == "on")
            except NotSaved as e:
                ack(response_type="ephemeral", text=f":warning: {esc(not_saved(e))}")
                return
            ack(
                response_type="ephemeral",
                text="DMs about ideas you care about are on (status updates, and"
                ' "Is this better now?" after one ships).'
                if rest.casefold() == "on"
                else "DMs about ideas you care about are off: no status updates, no"
                ' "Is this better now?". Turn them back on with `/journey notify on`.',
            )
        else:
            ack(response_type="ephemeral", text=HELP)


def _team(deps: Deps, team_id: str, user: str, name: str) -> str:
    if not name:
        current = deps.services.team_of(team_id, user)
        teams = ", ".join(deps.journey_of(team_id).teams)
        if current:
            return (
                f"You are in *{esc(current)}*. Only an admin"
                f" ({deps.services.admins_to_ask(team_id)}) can change it: {esc(teams)}."
            )
        return (
            f"You have not set a team. Set it with `/journey team <team>` ({esc(teams)});"
            f" after that only an admin ({deps.services.admins_to_ask(team_id)}) can change it."
        )
    try:
        team = deps.services.set_team(team_id, user, name)
    except InvalidInput as e:
        return f":warning: {esc(e.message)}"
    except NotAllowed as e:
        return f":warning: {e}"  # our own words, with the admins as mentions
    except NotSaved as e:
        return f":warning: {esc(not_saved(e))}"
    return f"You are in *{esc(team)}* now; your estimates and +1s count for {esc(team)}."
