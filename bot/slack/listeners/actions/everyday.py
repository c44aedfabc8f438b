"""Edit, triage, find again and +1: App Home buttons, overflow menus, found pain points."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from prioritize.errors import NotFound
from prioritize.parsing import parse_id

from ...blocks.everyday import (
    found_message,
    found_view,
    idea_edit_modal,
    search_modal,
    with_similar_ideas,
)
from ...blocks.idea import idea_modal
from ...blocks.kit import esc
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import REFUSALS, reason
from ...ids import Action

__all__ = ["register"]


def _tail_id(raw: str) -> int | None:
    tail = raw.rpartition(":")[2]
    return parse_id(tail)


def _chosen(action: dict[str, Any]) -> str:
    return str((action.get("selected_option") or {}).get("value") or action.get("value") or "")


def _is_edit(action: dict[str, Any]) -> bool:
    return _chosen(action).startswith("edit:")


def register(app: App, deps: Deps) -> None:
    """Register the everyday actions (before the card's admin menu, whose Edit they take)."""

    def answer(user: str, body: dict[str, Any], text: str, respond: Respond | None) -> None:
        # In a message there is a response_url; in App Home or a modal, a DM is the answer.
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **notice(text))
            return
        channel = (body.get("channel") or {}).get("id")
        deps.tell(user, notice(text), channel=channel)

    def refuse(user: str, body: dict[str, Any], error: Exception, respond: Respond | None) -> None:
        answer(user, body, f":warning: {esc(reason(error))}", respond)

    def show(trigger_id: str, body: dict[str, Any], view: dict[str, Any]) -> None:
        # From inside a modal a new form is pushed on top; elsewhere it is opened.
        if (body.get("view") or {}).get("type") == "modal":
            deps.client.views_push(trigger_id=trigger_id, view=view)
        else:
            deps.open_view(trigger_id, view)

    # ---------------------------------------------------------------- ideas

    def open_idea_edit(
        team_id: str, user: str, idea_id: int, body: dict[str, Any], respond: Respond | None
    ) -> None:
        try:
            idea, linked = deps.services.editing.idea_for_edit(team_id, user, idea_id)
        except REFUSALS as e:
            refuse(user, body, e, respond)
            return
        show(body["trigger_id"], body, idea_edit_modal(idea, linked))

    def opener(job: Callable[[str, str, int, dict[str, Any], Respond | None], None]) -> Any:
        """A listener that acks, then runs `job` for the id its option or button carries."""

        def listener(
            ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
        ) -> None:
            ack()
            record_id = _tail_id(_chosen(action))
            if record_id is not None:
                # In a message there is a response_url to answer on; elsewhere a DM.
                respond = context.respond if body.get("response_url") else None
                deps.runtime.later(job, context.team_id, context.user_id, record_id, body, respond)

        listener.__name__ = job.__name__.removeprefix("open_")
        return listener

    idea_edit_listener = opener(open_idea_edit)
    app.action(Action.IDEA_EDIT)(idea_edit_listener)
    # The card's overflow menu carries "Edit…" next to the admin choices.
    app.action(Action.IDEA_ADMIN, matchers=[_is_edit])(idea_edit_listener)

    # ---------------------------------------------------------------- pain points

    def open_pain_edit(
        team_id: str, user: str, pain_id: int, body: dict[str, Any], respond: Respond | None
    ) -> None:
        from ...blocks.everyday import pain_edit_modal

        try:
            pain = deps.services.editing.editable_pain(team_id, user, pain_id)
        except REFUSALS as e:
            refuse(user, body, e, respond)
            return
        channel = (body.get("channel") or {}).get("id")
        show(
            body["trigger_id"],
            body,
            pain_edit_modal(deps.journey_of(team_id), pain, metadata={"channel": channel}),
        )

    def told(user: str, body: dict[str, Any], pain_id: int, status: str, changed: bool) -> None:
        said = "" if changed else "already "
        answer(user, body, f"Pain point *#{pain_id}* is {said}*{status}*.", None)

    @app.action(Action.PAIN_TRIAGE)
    def pain_triage(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        what, _, raw_id = _chosen(action).partition(":")
        pain_id = parse_id(raw_id)
        if pain_id is None:
            ack()
            return
        respond = context.respond if body.get("response_url") else None
        if what == "edit":
            ack()
            deps.runtime.later(
                open_pain_edit, context.team_id, context.user_id, pain_id, body, respond
            )
            return
        # Stored before the answer to Slack: the person is told only about what was kept.
        editing = deps.services.editing
        try:
            if what == "Withdrawn":
                done = editing.withdraw_pain(context.team_id, context.user_id, pain_id)
            else:
                done = editing.set_pain_status(context.team_id, context.user_id, pain_id, what)
        except REFUSALS as e:
            ack()
            deps.runtime.later(refuse, context.user_id, body, e, respond)
            return
        ack()
        deps.runtime.later(told, context.user_id, body, pain_id, what, bool(done.changed))

    # ---------------------------------------------------------------- found pain points

    @app.action(Action.PAIN_PLUS_ONE)
    def pain_plus_one(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        pain_id = _tail_id(_chosen(action))
        if pain_id is None:
            ack()
            return
        respond = context.respond if body.get("response_url") else None
        # Stored before the answer to Slack, like every vote.
        try:
            added, people = deps.services.editing.plus_one(
                context.team_id, context.user_id, pain_id
            )
        except REFUSALS as e:
            ack()
            deps.runtime.later(refuse, context.user_id, body, e, respond)
            return
        ack()
        text = (
            f":+1: Counted: you hit pain point *#{pain_id}* too ({people} people now)."
            if added
            else f"You are already counted on pain point *#{pain_id}* ({people} people)."
        )
        deps.runtime.later(answer, context.user_id, body, text, respond)

    def open_propose(
        team_id: str, user: str, pain_id: int, body: dict[str, Any], respond: Respond | None
    ) -> None:
        try:
            pain = deps.services.pain_point(team_id, pain_id)
        except NotFound as e:
            refuse(user, body, e, respond)
            return
        channel = (body.get("channel") or {}).get("id")
        similar = deps.services.editing.similar_ideas(team_id, pain.text)
        view = idea_modal(deps.journey_of(team_id), suggested=[pain], metadata={"channel": channel})
        from ...blocks.everyday import similar_ideas_block

        view["blocks"][0:0] = similar_ideas_block(similar)
        show(body["trigger_id"], body, view)

    app.action(Action.PAIN_PROPOSE)(opener(open_propose))

    def page(
        team_id: str,
        user: str,
        state: dict[str, Any],
        body: dict[str, Any],
        respond: Respond | None,
    ) -> None:
        search = bool(state.get("s"))
        try:
            found = deps.services.editing.find(
                team_id,
                user,
                str(state.get("q") or ""),
                search=search,
                page=int(state.get("p") or 0),
            )
        except REFUSALS as e:
            refuse(user, body, e, respond)
            return
        view = body.get("view") or {}
        if view.get("type") == "modal":
            deps.client.views_update(view_id=view["id"], view=found_view(found, search=search))
        elif respond is not None:
            respond(replace_original=True, **found_message(found, search=search))

    @app.action(Action.PAIN_PAGE)
    def pain_page(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        ack()
        try:
            state = json.loads(_chosen(action))
        except ValueError:
            return
        if isinstance(state, dict):
            respond = context.respond if body.get("response_url") else None
            deps.runtime.later(page, context.team_id, context.user_id, state, body, respond)

    def suggest(team_id: str, title: str, view: dict[str, Any]) -> None:
        similar = deps.services.editing.similar_ideas(team_id, title)
        deps.client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=with_similar_ideas(view, similar)
        )

    @app.action(Action.IDEA_TITLE)
    def idea_title(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        # Suggest, never block: the form stays open with what was typed.
        ack()
        view = body.get("view") or {}
        title = str(action.get("value") or "")
        if view.get("id") and title.strip():
            deps.runtime.later(suggest, context.team_id, title, view)

    @app.action(Action.HOME_SEARCH)
    def home_search(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        deps.runtime.later(deps.open_view, body["trigger_id"], search_modal())
