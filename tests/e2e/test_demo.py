"""The demo's week, smaller, end to end: signed Slack requests in, Notion pages out."""

from pathlib import Path

import pytest
from rich.console import Console

from bot.cli import show_demo
from bot.demo import MARKER, OUTPUTS, FolderInUse, fresh, run_demo, script
from bot.demo.html import property_text
from prioritize.models import EvidenceSource, IdeaStatus, PainStatus
from prioritize.outcomes import SurveyAnswer, Verdict
from prioritize.questions import EffortKind

KEYS = ("checkout", "invites", "sso", "first-run", "renewal", "webhooks", "invites-dup")
IDEAS = tuple(i for i in script.IDEAS if i.key in KEYS)
NEEDED = sorted({p for i in IDEAS for p in i.pains})
# Keep the pain points the ideas link to, plus one of every stage and every quote.
PAINS = tuple(
    p
    for n, p in enumerate(script.PAINS)
    if n in NEEDED
    or p.quote
    or p.quick
    or n == next(i for i, q in enumerate(script.PAINS) if q.stage == p.stage)
)
VOTES = tuple(v for v in script.VOTES if v.idea in KEYS)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    # Notion's own limit is 3 requests a second; the emulator and the client both allow
    # more here so the test stays quick. The bench and `make demo` keep 3.
    result = run_demo(out, pains=PAINS, ideas=IDEAS, votes=VOTES, notion_rate=30, keep_running=True)
    yield result
    result.slack.stop()
    result.notion.stop()
    result.services.store.close()


def test_every_pain_point_and_idea_reaches_the_database(week):
    store, team = week.services.store, week.team_id
    pains = store.pains.all(team)
    assert len(pains) == len(PAINS)
    assert {p.stage for p in pains} == set(week.services.journey.stages)
    quotes = [p for p in pains if p.link]
    assert len(quotes) == sum(p.quote for p in PAINS)
    assert all(p.link.startswith("https://") for p in quotes)
    ideas = store.ideas.all(team, include_merged=True)
    assert len(ideas) == len(IDEAS)


def test_the_duplicate_is_merged_with_its_votes(week):
    store, team = week.services.store, week.team_id
    dup = store.ideas.get(team, week.ideas["invites-dup"])
    survivor = week.ideas["invites"]
    assert dup.merged_into == survivor
    voters = {e.voter for e in store.votes.estimates(survivor)}
    assert "U10JON" in voters  # voted on the duplicate only
    assert store.votes.estimates(dup.id) == []


def test_sales_and_engineering_disagree_about_sso(week):
    entry = week.services.entry(week.team_id, week.ideas["sso"])
    assert entry.score.facts.consensus.disagree
    assert "Sales" in entry.breakdown and "Engineering" in entry.breakdown


def test_the_leaders_notion_edit_came_back_and_people_were_told(week):
    store, team = week.services.store, week.team_id
    idea = store.ideas.get(team, week.ideas["first-run"])
    assert idea.status is IdeaStatus.IN_PROGRESS
    assert store.ideas.status_changes(idea.id)[-1]["source"] == "notion"
    thread = week.slack.thread(idea.card_channel, idea.card_ts)
    assert any("In progress" in (m.get("text") or "") for m in thread[1:])
    reporters = {store.pains.get(team, p).reporter for p in idea.pain_point_ids}
    for person in reporters:
        assert any("In progress" in (m.get("text") or "") for m in week.slack.dms(person))


def test_notion_holds_one_page_per_idea_with_journeybots_numbers(week):
    pages = [
        p
        for p in week.notion.pages()
        if property_text(p["properties"].get("Idea ID")) and not p.get("in_trash")
    ]
    by_idea = {}
    for page in pages:
        by_idea.setdefault(property_text(page["properties"]["Idea ID"]), []).append(page)
    assert all(len(v) == 1 for v in by_idea.values()), "a duplicate page was created"
    for entry in week.services.roadmap(week.team_id):
        [page] = next(v for k, v in by_idea.items() if k.lstrip("#") == str(entry.idea.id))
        props = page["properties"]
        assert float(property_text(props["Score"])) == entry.score.value
        assert property_text(props["Status"]) == entry.idea.status.value
        assert property_text(props["Bucket"]) == (
            entry.item.bucket.value if entry.item.bucket else ""
        )


def test_cards_were_posted_and_the_outputs_written(week):
    roadmap = week.slack.messages("C0ROADMAP", include_replies=False)
    cards = [m for m in roadmap if m.get("blocks")]
    assert len(cards) >= len(IDEAS)
    out: Path = week.out_dir
    for name in ("journeybot.db", "roadmap.html", "digest-chart.png", "slack-transcript.md"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "digest-chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "roadmap.html").read_text()
    assert "Now" in html and "Journey heat" in html
    assert "Self-serve SSO" in html
    assert "Journey questions" in html and "Did it work? Outcomes of Done ideas" in html
    [outcome] = week.services.questions(week.team_id).answers.stages.outcomes
    assert f"<td>{outcome.verdict.value}</td>" in html


def test_pain_points_stay_open_until_an_idea_addressing_them_is_done(week):
    store, team = week.services.store, week.team_id
    shipped = store.ideas.get(team, week.ideas[script.SHIPPED])
    assert shipped.status is IdeaStatus.DONE
    for pain in store.pains.all(team):
        done = pain.id in shipped.pain_point_ids
        assert pain.status is (PainStatus.ADDRESSED if done else PainStatus.OPEN)


def test_evidence_types_are_varied_and_a_quick_pain_without_one_is_unknown(week):
    pains = {p.text: p for p in week.services.store.pains.all(week.team_id)}
    for pain in PAINS:
        assert pains[pain.text].source == (EvidenceSource(pain.source) if pain.source else None)
    assert {p.source for p in pains.values()} == {*EvidenceSource, None}


def test_every_journey_question_has_a_real_answer_and_the_shipped_idea_worked(week):
    a = week.services.questions(week.team_id).answers
    assert len(a.impact.rows) >= 3 and a.impact.rows[0].weighted > 0
    kinds = {r.kind for r in a.effort.rows}
    assert {EffortKind.QUICK_WIN, EffortKind.LONG_POLE, EffortKind.COMPLEX_YET_SHORT} <= kinds
    assert any(row.obstacles for row in a.obstacles.rows)
    assert a.stages.weakest and a.stages.strongest
    [outcome] = a.stages.outcomes
    assert outcome.idea_id == week.ideas[script.SHIPPED]
    assert outcome.verdict is Verdict.WORKED
    assert outcome.answers[SurveyAnswer.YES] == 1 and outcome.answers[SurveyAnswer.NOT_YET] == 1
    assert a.say_do.gaps
    assert any(r.evidence.unknown for r in a.say_do.rows)


def test_the_people_of_the_shipped_idea_were_asked_and_its_card_says_it_worked(week):
    store, team = week.services.store, week.team_id
    idea = store.ideas.get(team, week.ideas[script.SHIPPED])
    for user, said in script.SURVEY_ANSWERS.items():
        # The question, replaced by what they answered once they clicked.
        texts = [m.get("text") or "" for m in week.slack.dms(user)]
        assert f"You said {said} about idea #{idea.id}" in texts
    card = week.slack.message(idea.card_channel, idea.card_ts)
    assert "Did it work?" in str(card["blocks"]) and "worked:" in str(card["blocks"])


def test_the_last_digest_leads_with_what_changed_in_the_journey(week):
    roadmap = week.slack.messages("C0ROADMAP", include_replies=False)
    digests = [m.get("text") or "" for m in roadmap if "Weekly roadmap digest" in str(m)]
    assert len(digests) == 2
    assert "next week shows what changed" in digests[0]
    last = digests[-1]
    assert "What changed in the journey" in last
    assert "Renewal reminders" in last and "worked" in last


def test_the_demo_prints_the_journey_questions_after_the_roadmap(week):
    console = Console(record=True, width=100)
    show_demo(week, console, week.out_dir)
    text = console.export_text()
    assert text.index("The prioritized roadmap") < text.index("The journey questions")
    assert "worked" in text and "quick win" in text


def test_a_second_run_replaces_only_what_the_demo_wrote(week):
    out = week.out_dir
    assert (out / MARKER).is_file()
    fresh(out)  # the week's own folder: its database is marked as the demo's
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_a_folder_with_files_the_demo_did_not_write_is_left_alone(tmp_path):
    for name in OUTPUTS:
        (tmp_path / name).write_text("old")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FolderInUse, match=r"holds files the demo did not write \(digest-chart"):
        fresh(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*OUTPUTS, "notes.txt"])
