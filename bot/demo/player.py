"""People using Slack in the demo: signed requests (or Socket Mode envelopes) to the running bot.

`Player` plays each step of the scripted week the way a person would: a slash command,
the form it opens filled in and submitted, a click on a card, a reply in its thread.
`fill` answers a modal the way Slack reports a submitted one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from prioritize.models import Idea as StoredIdea

from ..jobs import Jobs
from ..sandbox.notion import NotionEmulator
from ..sandbox.slack import SlackEmulator, Workspace
from ..services import Services
from ..slack.ids import Action, Block, Command, Shortcut, View
from ..slack.runtime import Runtime
from . import script
from .clock import DemoClock, DemoError
from .html import property_text
from .script import DEMO_DAYS, ROADMAP, SHIP_DAY, SUPPORT, SURVEY_AFTER_DAYS

__all__ = ["Player", "fill"]


class Player:
    """Plays people using Slack, through signed requests to the running bot."""

    def __init__(
        self,
        ws: Workspace,
        slack: SlackEmulator,
        services: Services,
        runtime: Runtime,
        people: Mapping[str, script.Person],
        clock: DemoClock,
    ) -> None:
        self.ws = ws
        self.slack = slack
        self.services = services
        self.runtime = runtime
        self.people = people
        self.clock = clock

    def _first(self, user: str) -> str:
        return self.people[user].name.split()[0]

    def _ok(self, reply: Any, what: str) -> Any:
        status = reply[0] if isinstance(reply, tuple) else reply.status
        if status != 200:
            raise DemoError(f"{what}: the bot answered HTTP {status}")
        return reply

    def _click(self, user: str, action_id: str, value: str, card: StoredIdea, what: str) -> None:
        """Click a button of `card` in the roadmap channel as `user`."""
        self._ok(
            self.ws.block_action(
                user, action_id, value, channel=card.card_channel, message_ts=card.card_ts
            ),
            what,
        )

    def join_teams(self, say: Callable[[str], None]) -> None:
        for person in self.people.values():
            self._ok(
                self.ws.slash(person.id, Command.JOURNEY, f"team {person.team}"), "/journey team"
            )
            say(f"{self._first(person.id)} is in {person.team}")

    def _submit(self, user: str, callback_id: str, answers: Mapping[str, Any]) -> None:
        # The bot opens forms after its ack, as Slack requires; wait for it like a person would.
        self.runtime.drain(timeout=30)
        modal = self.slack.modal(user)
        if modal is None or modal.get("callback_id") != callback_id:
            raise DemoError(f"expected the {callback_id} form to be open for {user}")
        reply = self.ws.view_submission(user, callback_id, fill(modal, answers))
        self._ok(reply, f"submitting {callback_id}")
        body = reply.body if hasattr(reply, "body") else reply[1]
        if body and '"errors"' in body:
            raise DemoError(f"{callback_id} was refused: {body}")

    def log_pains(self, pains: Iterable[script.Pain], say: Callable[[str], None]) -> None:
        for pain in pains:
            # Spread over the first days of the week, as people run into them.
            self.clock.advance(hours=1)
            if pain.quick:
                self._quick_pain(pain, say)
                continue
            answers = {
                Block.STAGE: pain.stage,
                Block.TOUCHPOINT: pain.touchpoint,
                Block.PERSONA: pain.persona,
                Block.SEVERITY: str(pain.severity),
                Block.SOURCE: pain.source,
                Block.OWNING_TEAM: self.people[pain.reporter].team,
            }
            if pain.quote:
                # A customer's words arrive in a support channel; the shortcut turns them
                # into evidence with a permalink.
                message = self.slack.post_as_user(pain.reporter, SUPPORT, pain.text)
                self._ok(
                    self.ws.message_shortcut(
                        pain.reporter, Shortcut.LOG_PAIN, channel=SUPPORT, message_ts=message["ts"]
                    ),
                    "the Log as pain point shortcut",
                )
                self._submit(pain.reporter, View.PAIN, answers)
                say(f"{self._first(pain.reporter)} logs a customer quote: {pain.text}")
            else:
                self._ok(self.ws.slash(pain.reporter, Command.PAIN, ""), "/pain")
                self._submit(pain.reporter, View.PAIN, {Block.TEXT: pain.text, **answers})
                say(f"{self._first(pain.reporter)}: {pain.text}")
        self.runtime.drain(timeout=30)

    def _quick_pain(self, pain: script.Pain, say: Callable[[str], None]) -> None:
        """`/pain <text>`, then the confirmation's pickers and, if any, one evidence click."""
        before = self.slack.ephemerals(pain.reporter)
        self._ok(self.ws.slash(pain.reporter, Command.PAIN, pain.text), "/pain with text")
        self.runtime.drain(timeout=30)
        confirmations = self.slack.ephemerals(pain.reporter)[len(before) :]
        if not confirmations:
            raise DemoError("/pain with text was not confirmed")
        ts = confirmations[-1]["ts"]
        pain_id = max(p.id or 0 for p in self.services.store.pains.all(self._team_id()))
        clicks: list[tuple[str, str]] = [
            (Action.PAIN_STAGE, pain.stage),
            (Action.PAIN_TOUCHPOINT, pain.touchpoint),
            (Action.PAIN_SEVERITY, str(pain.severity)),
        ]
        evidence = {
            "customer said": Action.PAIN_SAID,
            "observed behaviour": Action.PAIN_OBSERVED,
            "internal": Action.PAIN_INTERNAL,
        }
        if pain.source:
            clicks.append((evidence[pain.source], str(pain_id)))
        for action_id, value in clicks:
            self._ok(
                self.ws.block_action(
                    pain.reporter, action_id, value, channel=ROADMAP, message_ts=ts
                ),
                f"the {action_id} control of the /pain confirmation",
            )
            self.runtime.drain(timeout=30)
        said = pain.source or "evidence unknown"
        say(f"{self._first(pain.reporter)} (/pain, {said}): {pain.text}")

    def propose(
        self, ideas: Iterable[script.Idea], pains: Sequence[script.Pain], say: Callable[[str], None]
    ) -> dict[str, int]:
        stored = self.services.store.pains.all(self._team_id())
        by_text = {p.text: p.id for p in stored}
        keys: dict[str, int] = {}
        for idea in ideas:
            # `idea.pains` index the whole script; a shorter week links those it played.
            pain_ids = [
                str(by_text[script.PAINS[i].text])
                for i in idea.pains
                if script.PAINS[i].text in by_text
            ]
            self._ok(self.ws.slash(idea.proposer, Command.IDEA, idea.title), "/idea")
            self._submit(
                idea.proposer,
                View.IDEA,
                {
                    Block.TITLE: idea.title,
                    Block.DESCRIPTION: idea.description,
                    Block.OWNING_TEAM: idea.team,
                    Block.PAIN_POINTS: pain_ids,
                    Block.IMPACT: str(idea.impact),
                    Block.COMPLEXITY: str(idea.complexity),
                    Block.WEEKS: f"{idea.weeks:g}",
                },
            )
            self.runtime.drain(timeout=30)
            newest = max(self.services.store.ideas.all(self._team_id()), key=lambda i: i.id or 0)
            keys[idea.key] = newest.id
            say(f"{self._first(idea.proposer)} proposes: {idea.title}")
        return keys

    def _team_id(self) -> str:
        return self.services.store.workspaces()[0]

    def _card(self, idea_id: int) -> StoredIdea:
        self.runtime.drain(timeout=30)
        idea = self.services.store.ideas.get(self._team_id(), idea_id)
        if not idea.card_ts:
            raise DemoError(f"idea #{idea_id} has no card in the roadmap channel")
        return idea

    def vote(
        self, votes: Iterable[script.Vote], ideas: Mapping[str, int], say: Callable[[str], None]
    ) -> None:
        for vote in votes:
            if vote.idea not in ideas:
                continue
            card = self._card(ideas[vote.idea])
            who = self._first(vote.person)
            if vote.how == "reply":
                self._ok(
                    self.ws.reply_in_thread(
                        vote.person, card.card_channel, card.card_ts, vote.text
                    ),
                    "a thread reply",
                )
                say(f'{who} replies "{vote.text}" on #{card.id}')
            elif vote.how == "button":
                self._click(vote.person, Action.IDEA_SUPPORT, str(card.id), card, "the +1 button")
                say(f"{who} clicks +1 on #{card.id}")
            elif vote.how == "react":
                self._ok(
                    self.ws.react(vote.person, card.card_channel, card.card_ts, "+1"), "a reaction"
                )
                say(f"{who} reacts :+1: to #{card.id}")
            elif vote.how == "estimate":
                self._click(
                    vote.person, Action.IDEA_ESTIMATE, str(card.id), card, "the Estimate button"
                )
                self._submit(
                    vote.person,
                    View.ESTIMATE,
                    {
                        Block.IMPACT: str(vote.impact),
                        Block.COMPLEXITY: str(vote.complexity),
                        Block.WEEKS: f"{vote.weeks:g}",
                    },
                )
                say(f"{who} estimates #{card.id}: impact {vote.impact}, effort {vote.weeks:g}w")
        self.runtime.drain(timeout=30)

    def merge(self, ideas: Mapping[str, int], say: Callable[[str], None]) -> None:
        if "invites-dup" not in ideas or "invites" not in ideas:
            say("no duplicate in this week")
            return
        leader = self._leader()
        card = self._card(ideas["invites-dup"])
        self._click(leader, Action.IDEA_ADMIN, str(card.id), card, "the admin button")
        self._submit(leader, View.ADMIN, {Block.MERGE_INTO: str(ideas["invites"])})
        self.runtime.drain(timeout=30)
        say(f"{self._first(leader)} merges #{ideas['invites-dup']} into #{ideas['invites']}")

    def _leader(self) -> str:
        return next(p.id for p in self.people.values() if p.admin)

    def ship(
        self, key: str, ideas: Mapping[str, int], start: datetime, say: Callable[[str], None]
    ) -> None:
        if key not in ideas:
            say("nothing ships in this week")
            return
        self.clock.to_day(start, SHIP_DAY)
        leader = self._leader()
        card = self._card(ideas[key])
        self._click(leader, Action.IDEA_ADMIN, f"status:{card.id}", card, "the admin button")
        self._submit(leader, View.ADMIN, {Block.STATUS: "Done"})
        self.runtime.drain(timeout=30)
        say(f"{self._first(leader)} marks #{card.id} {card.title} Done")

    def survey(
        self,
        jobs: Jobs,
        key: str,
        ideas: Mapping[str, int],
        start: datetime,
        say: Callable[[str], None],
    ) -> None:
        """The survey job runs once it is due; the people asked answer in their DMs."""
        if key not in ideas:
            say("nothing shipped to ask about")
            return
        self.clock.to_day(start, SHIP_DAY + SURVEY_AFTER_DAYS)
        jobs.ask_if_better(now=self.clock())
        self.runtime.drain(timeout=30)
        buttons = {
            "yes": Action.SURVEY_YES,
            "not yet": Action.SURVEY_NOT_YET,
            "worse": Action.SURVEY_WORSE,
        }
        for user, answer in script.SURVEY_ANSWERS.items():
            asked = [
                m for m in self.slack.dms(user) if "Is this better now?" in (m.get("text") or "")
            ]
            if not asked:
                raise DemoError(f"{user} was not asked whether #{ideas[key]} made it better")
            dm = asked[-1]
            self._ok(
                self.ws.block_action(
                    user,
                    buttons[answer],
                    str(ideas[key]),
                    channel=dm["channel"],
                    message_ts=dm["ts"],
                ),
                "an answer to Is this better now?",
            )
            self.runtime.drain(timeout=30)
            say(f"{self._first(user)} answers {answer}")
        self.clock.to_day(start, DEMO_DAYS)

    def leader_edit(
        self, notion: NotionEmulator, ideas: Mapping[str, int], say: Callable[[str], None]
    ) -> None:
        key = "first-run" if "first-run" in ideas else next(iter(ideas))
        idea_id = ideas[key]
        for page in notion.pages():
            props = page.get("properties", {})
            if property_text(props.get("Idea ID")) in (str(idea_id), f"#{idea_id}"):
                status = props.get("Status", {})
                kind = status.get("type", "select")
                notion.edit_page_as_user(page["id"], {"Status": {kind: {"name": "In progress"}}})
                say(f"moves “{property_text(props.get('Name'))}” to In progress")
                return
        raise DemoError(f"idea #{idea_id} has no page in the Notion roadmap")


def fill(modal: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the state values Slack would send for `modal` filled in with `answers`.

    `answers` maps block ids to a value: text for inputs, an option value (or its text)
    for selects, a list for multi-selects. Inputs not answered keep their initial value.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in modal.get("blocks", ()):
        if block.get("type") != "input":
            continue
        block_id = block.get("block_id", "")
        element = block.get("element", {})
        kind = element.get("type", "")
        action_id = element.get("action_id", block_id)
        answer = answers.get(block_id)
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input", "url_text_input", "email_text_input"):
            state["value"] = str(answer) if answer is not None else element.get("initial_value")
        elif kind in ("static_select", "external_select", "radio_buttons"):
            option = (
                _option(element, answer) if answer is not None else element.get("initial_option")
            )
            state["selected_option"] = option
        elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
            chosen = answer if answer is not None else []
            state["selected_options"] = [_option(element, v) for v in chosen] or element.get(
                "initial_options", []
            )
        else:
            continue
        values[block_id] = {action_id: state}
    return values


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options", ()))
    for group in element.get("option_groups", ()):
        options.extend(group.get("options", ()))
    return options


def _option(element: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    wanted = str(answer)
    for option in _options(element):
        text = option.get("text", {}).get("text", "")
        if wanted in (option.get("value"), text) or wanted.casefold() == text.casefold():
            return dict(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": wanted}, "value": wanted}
    raise DemoError(f"no option {wanted!r} in {element.get('action_id')}")
