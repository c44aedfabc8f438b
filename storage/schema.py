"""The database schema, created and evolved with sqlite-utils' `Migrations`.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

__all__ = ["migrations"]

migrations = Migrations("journeybot")


@migrations()
def m001_core(db: Database) -> None:
    db["pain_points"].create(
        {
            "id": int,
            "team_id": str,
            "reporter": str,
            "text": str,
            "stage": str,
            "touchpoint": str,
            "persona": str,
            "severity": int,
            "source": str,
            "link": str,
            "owning_team": str,
            "status": str,
            "created_at": str,
        },
        pk="id",
        not_null={"team_id", "reporter", "text", "stage", "severity", "status", "created_at"},
    )
    db["pain_points"].create_index(["team_id", "status"])
    db["ideas"].create(
        {
            "id": int,
            "team_id": str,
            "title": str,
            "description": str,
            "proposer": str,
            "owning_team": str,
            "status": str,
            "pinned_bucket": str,
            "merged_into": int,
            "card_channel": str,
            "card_ts": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"team_id", "title", "proposer", "status", "created_at", "updated_at"},
        foreign_keys=[("merged_into", "ideas", "id")],
    )
    db["ideas"].create_index(["team_id", "status"])
    db["ideas"].create_index(["card_channel", "card_ts"], unique=True)
    db["idea_pain_points"].create(
        {"idea_id": int, "pain_point_id": int},
        pk=("idea_id", "pain_point_id"),
        foreign_keys=[("idea_id", "ideas", "id"), ("pain_point_id", "pain_points", "id")],
    )
    db["idea_pain_points"].create_index(["pain_point_id"])
    # The primary keys are what make a repeated vote or +1 replace instead of duplicate.
    db["estimates"].create(
        {
            "idea_id": int,
            "voter": str,
            "team_id": str,
            "team": str,
            "impact": int,
            "complexity": int,
            "weeks": float,
            "created_at": str,
        },
        pk=("idea_id", "voter"),
        not_null={"team_id", "created_at"},
        foreign_keys=[("idea_id", "ideas", "id")],
    )
    db["supports"].create(
        {"idea_id": int, "user": str, "team_id": str, "team": str, "created_at": str},
        pk=("idea_id", "user"),
        not_null={"team_id", "created_at"},
        foreign_keys=[("idea_id", "ideas", "id")],
    )
    db["pain_votes"].create(
        {"pain_point_id": int, "user": str, "team_id": str, "created_at": str},
        pk=("pain_point_id", "user"),
        foreign_keys=[("pain_point_id", "pain_points", "id")],
    )
    db["people"].create(
        {"team_id": str, "user_id": str, "team": str, "notify": int},
        pk=("team_id", "user_id"),
        defaults={"notify": 1},
    )
    # Per-idea aggregates, rewritten in the same transaction as every vote, so that
    # ranking 100,000 ideas reads 100,000 rows instead of a million estimates.
    db["idea_stats"].create(
        {
            "idea_id": int,
            "n_estimates": int,
            "impact": float,
            "complexity": float,
            "weeks": float,
            "impact_spread": int,
            "complexity_spread": int,
            "weeks_spread": float,
            "disagreement": str,
            "estimate_teams": str,
            "supporters": int,
            "teams": int,
            "pain_points": int,
            "pain_severity": int,
            "max_severity": int,
        },
        pk="idea_id",
        foreign_keys=[("idea_id", "ideas", "id")],
    )
    db["status_changes"].create(
        {
            "id": int,
            "idea_id": int,
            "old": str,
            "new": str,
            "by": str,
            "source": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("idea_id", "ideas", "id")],
    )
    db["status_changes"].create_index(["idea_id"])
    db["pain_points"].enable_fts(["text"], create_triggers=True, tokenize="porter")
    db["ideas"].enable_fts(["title", "description"], create_triggers=True, tokenize="porter")


@migrations()
def m002_notion(db: Database) -> None:
    # Where each Notion object lives (databases, data sources, views, the summary page)
    # and the read-back watermark; a row with no notion_id is a create in flight.
    db["notion_objects"].create(
        {
            "team_id": str,
            "key": str,
            "notion_id": str,
            "url": str,
            "state": str,
            "data": str,
            "updated_at": str,
        },
        pk=("team_id", "key"),
        not_null={"state"},
    )
    # One row per idea or pain point page. `props` is what Notion is believed to hold,
    # so a sync sends only the properties that differ; the fingerprints skip unchanged pages.
    db["notion_pages"].create(
        {
            "team_id": str,
            "kind": str,
            "local_id": int,
            "page_id": str,
            "url": str,
            "state": str,
            "props": str,
            "props_fp": str,
            "body_fp": str,
            "updated_at": str,
        },
        pk=("team_id", "kind", "local_id"),
        not_null={"state"},
    )
    db["notion_pages"].create_index(["page_id"])
    db["notion_blocks"].create(
        {"team_id": str, "slot": str, "block_id": str, "fp": str},
        pk=("team_id", "slot"),
    )
    db["notion_sync_runs"].create(
        {
            "id": int,
            "team_id": str,
            "started_at": str,
            "finished_at": str,
            "created": int,
            "updated": int,
            "archived": int,
            "read_back": int,
            "requests": int,
            "error": str,
        },
        pk="id",
    )
    db["notion_sync_runs"].create_index(["team_id", "started_at"])
    # Weekly score snapshots, for the digest's "biggest movers".
    db["score_snapshots"].create(
        {
            "team_id": str,
            "taken_at": str,
            "idea_id": int,
            "rank": int,
            "score": float,
            "bucket": str,
        },
        pk=("team_id", "taken_at", "idea_id"),
    )


@migrations()
def m003_meta(db: Database) -> None:
    # The meta table first shipped inside m001 after m001 had already run on existing
    # databases, which therefore never got it. Databases created with that m001 have it.
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)


@migrations()
def m004_slack(db: Database) -> None:
    # Keys of work done once: Events API deliveries (event_id), modal submissions, notices.
    # Claiming a key is what makes a redelivered event or a double submit change nothing.
    db["slack_claims"].create({"key": str, "at": str}, pk="key", not_null={"at"})
    db["slack_claims"].create_index(["at"])
    # Closing-the-loop DMs sent per person, idea and UTC day, to cap them.
    db["slack_dms"].create(
        {"team_id": str, "user_id": str, "idea_id": int, "day": str, "sent": int},
        pk=("team_id", "user_id", "idea_id", "day"),
        not_null={"sent"},
    )


@migrations()
def m005_outbox(db: Database) -> None:
    # What Slack must hear because of a change, written in the change's own transaction
    # and delivered by whichever process runs the bot (see storage/outbox.py).
    db["outbox"].create(
        {
            "id": int,
            "team_id": str,
            "key": str,
            "kind": str,
            "payload": str,
            "coalesce_key": str,
            "state": str,
            "attempts": int,
            "due_at": str,
            "created_at": str,
            "delivered_at": str,
            "error": str,
            "taken_by": str,
            "taken_at": str,
        },
        pk="id",
        not_null={"team_id", "key", "kind", "payload", "state", "attempts", "due_at"},
        defaults={"state": "pending", "attempts": 0, "payload": "{}"},
    )
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["state", "due_at"])
    # At most one waiting redraw per card or App Home: a burst of votes is one update.
    db.execute(
        "create unique index outbox_one_pending on outbox (coalesce_key)"
        " where state = 'pending' and coalesce_key is not null"
    )
    # What a use case returned the first time a key was claimed, so a replay returns it.
    db["slack_claims"].add_column("result", str)


@migrations()
def m006_surveys(db: Database) -> None:
    # "Is this better now?": who was asked about which Done idea, and what they answered.
    # One row per idea and person: asking again is a no-op, a second click replaces the answer.
    db["surveys"].create(
        {
            "team_id": str,
            "idea_id": int,
            "user_id": str,
            "asked_at": str,
            "answer": str,
            "answered_at": str,
        },
        pk=("team_id", "idea_id", "user_id"),
        not_null={"asked_at"},
    )
    # The journey answers as of each weekly digest, for next week's "what changed".
    db["answer_snapshots"].create(
        {"team_id": str, "taken_at": str, "data": str},
        pk=("team_id", "taken_at"),
        not_null={"data"},
    )


@migrations()
def m007_edits(db: Database) -> None:
    # Who changed what on a pain point or an idea, and when: one row per edit, the changed
    # fields as {"field": [old, new]}. Items are never deleted, so neither is their history.
    db["edits"].create(
        {
            "id": int,
            "team_id": str,
            "kind": str,
            "item_id": int,
            "by": str,
            "at": str,
            "changes": str,
        },
        pk="id",
        not_null={"team_id", "kind", "item_id", "by", "at", "changes"},
    )
    db["edits"].create_index(["team_id", "kind", "item_id"])
    db["pain_points"].create_index(["team_id", "reporter"], if_not_exists=True)


@migrations()
def m008_card_bucket(db: Database) -> None:
    # The bucket each idea's card shows ("" off the roadmap; null: not known yet), so votes
    # that move other ideas between Now, Next and Later redraw exactly those cards.
    db["ideas"].add_column("card_bucket", str)


@migrations()
def m009_ranks(db: Database) -> None:
    # Who gave the highest and lowest impact and complexity, whatever the spread: whether
    # that is a disagreement depends on the config, so the verdict is made when read and
    # the old `disagreement` column is no longer written. Existing rows are rebuilt on
    # start (the stats version in `meta` is missing).
    db["idea_stats"].add_column("impact_ends", str)
    db["idea_stats"].add_column("complexity_ends", str)
    # Each live idea's place in the ranking, scored with the config named by the
    # fingerprint in `meta` (rebuilt when it differs), so that one idea's rank and bucket
    # are a few indexed reads. Columns are the rank key, negated so that it sorts
    # ascending: closed, needs estimates, score band and score, supporters, severity, id.
    # `lane`: 0 placed by capacity, 1 fixed by a pin or In progress, 2 needs estimates,
    # 3 closed.
    db["idea_rank"].create(
        {
            "idea_id": int,
            "team_id": str,
            "off": int,
            "needs": int,
            "band": int,
            "neg_value": float,
            "neg_supporters": int,
            "neg_severity": int,
            "weeks": float,
            "lane": int,
            "fixed": str,
        },
        pk="idea_id",
        not_null={"team_id", "off", "needs", "band", "neg_value", "weeks", "lane"},
    )
    key = "band, neg_value, neg_supporters, neg_severity, idea_id"
    db.execute(f"create index idea_rank_order on idea_rank (team_id, off, needs, {key})")
    db.execute(f"create index idea_rank_lanes on idea_rank (team_id, lane, fixed, weeks, {key})")
    # How many ideas sit in each (closed, needs, band) of a workspace: a rank is the sum
    # of the bands above plus a count inside one band, not a count of every better idea.
    db["rank_bands"].create(
        {"team_id": str, "off": int, "needs": int, "band": int, "n": int},
        pk=("team_id", "off", "needs", "band"),
        not_null={"n"},
    )
    band = "team_id = {0}.team_id and off = {0}.off and needs = {0}.needs and band = {0}.band"
    # Not "insert or ignore": the statement that fires a trigger imposes its own conflict
    # handling on the trigger's statements, so the row is created only when missing.
    add = (
        "insert into rank_bands (team_id, off, needs, band, n)"
        " select new.team_id, new.off, new.needs, new.band, 0"
        f" where not exists (select 1 from rank_bands where {band.format('new')});"
        f" update rank_bands set n = n + 1 where {band.format('new')};"
    )
    remove = (
        f"update rank_bands set n = n - 1 where {band.format('old')};"
        f" delete from rank_bands where {band.format('old')} and n <= 0;"
    )
    db.execute(f"create trigger idea_rank_added after insert on idea_rank begin {add} end")
    db.execute(f"create trigger idea_rank_removed after delete on idea_rank begin {remove} end")
    db.execute(
        "create trigger idea_rank_moved after update of team_id, off, needs, band on idea_rank"
        " when old.team_id is not new.team_id or old.off is not new.off"
        " or old.needs is not new.needs or old.band is not new.band"
        f" begin {remove} {add} end"
    )
    # A status or a pin changes what an idea's bucket is fixed by, not its score: kept
    # here so that every path that changes them (Slack, Notion read-back, import) agrees.
    # The same rules as `prioritize.scoring.bucket_for`.
    closed = "new.status in ('Done', 'Won''t do', 'Archived')"
    pinned = "nullif(new.pinned_bucket, '')"
    db.execute(
        "create trigger idea_rank_status after update of status, pinned_bucket on ideas begin"
        f" update idea_rank set off = ({closed}),"
        f" fixed = case when {closed} then null when {pinned} is not null then {pinned}"
        "   when new.status = 'In progress' then 'Now' end,"
        f" lane = case when {closed} then 3"
        f"   when {pinned} is not null or new.status = 'In progress' then 1"
        "   when needs then 2 else 0 end"
        " where idea_id = new.id; end"
    )
    db.execute(
        "create trigger idea_rank_merged after update of merged_into on ideas"
        " when new.merged_into is not null"
        " begin delete from idea_rank where idea_id = new.id; end"
    )
    db.execute(
        "create trigger idea_rank_deleted after delete on ideas"
        " begin delete from idea_rank where idea_id = old.id; end"
    )
    # App Home lists a person's own ideas.
    db["ideas"].create_index(["team_id", "proposer"])


@migrations()
def m010_person_names(db: Database) -> None:
    # Slack display names, so Notion shows people by name (see storage/people_names.py).
    db["person_names"].create(
        {"team_id": str, "user_id": str, "name": str, "fetched_at": str},
        pk=("team_id", "user_id"),
        not_null={"name", "fetched_at"},
    )


@migrations()
def m011_workspaces(db: Database) -> None:
    # The Notion URLs were kept once for the whole database, so a second workspace's
    # /roadmap linked to the first one's Notion. They move to the workspace that owns the
    # Notion copy (the one with a roadmap database on record, else the only workspace);
    # with no owner they are dropped and the next sync writes them again.
    owners = [
        team_id
        for (team_id,) in db.execute(
            "select distinct team_id from notion_objects where key = 'roadmap'"
        )
    ]
    if not owners:
        owners = [
            team_id
            for (team_id,) in db.execute(
                "select team_id from pain_points union select team_id from ideas"
            )
        ]
    for key in ("notion.roadmap_url", "notion.summary_url"):
        row = db.execute("select value from meta where key = ?", [key]).fetchone()
        if row is None:
            continue
        if len(owners) == 1:
            db["meta"].insert({"key": f"{key}:{owners[0]}", "value": row[0]}, replace=True)
        db.execute("delete from meta where key = ?", [key])
    # Settings an admin changes from App Home, per workspace; `value` is JSON (a Notion
    # token is stored encrypted, never in clear).
    db["workspace_settings"].create(
        {"team_id": str, "key": str, "value": str, "updated_by": str, "updated_at": str},
        pk=("team_id", "key"),
        not_null={"value", "updated_at"},
    )
