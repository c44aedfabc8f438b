"""Ideas: what teams propose, linked to the pain points they address, and their history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils.utils import chunks

from prioritize.errors import InvalidInput, NotFound
from prioritize.models import Bucket, Idea, IdeaStatus, PainStatus

from .repository import Repository
from .rows import from_iso, iso, keywords

__all__ = ["IDEA_COLUMNS", "Ideas", "ideas_of"]


class Ideas(Repository):
    """The ideas of every workspace, their pain point links and status history
    (`store.ideas`)."""

    def add(self, idea: Idea, *, now: datetime) -> Idea:
        """Store a new idea with its pain point links; raises InvalidInput for unknown links."""
        with self.store.transaction() as db:
            self._check_pain_ids(idea.team_id, idea.pain_point_ids)
            row = idea.model_dump(mode="json", exclude={"id", "pain_point_ids"})
            row["created_at"] = row["updated_at"] = iso(idea.created_at or now)
            pk = db["ideas"].insert(row).last_pk
            db["idea_pain_points"].insert_all(
                {"idea_id": pk, "pain_point_id": p} for p in dict.fromkeys(idea.pain_point_ids)
            )
            self.store.stats.refresh(pk)
        return self.get(idea.team_id, pk)

    def _check_pain_ids(self, team_id: str, pain_ids: list[int]) -> None:
        if not pain_ids:
            return
        found = {p.id for p in self.store.pains.all(team_id, ids=pain_ids)}
        missing = [p for p in pain_ids if p not in found]
        if missing:
            raise InvalidInput(
                "pain_point_ids", "no pain point " + ", ".join(f"#{p}" for p in missing)
            )

    def get(self, team_id: str, idea_id: int) -> Idea:
        """Return idea `idea_id`; raises NotFound."""
        rows = list(
            self.db.query("select * from ideas where team_id = ? and id = ?", [team_id, idea_id])
        )
        if not rows:
            raise NotFound(f"idea #{idea_id} does not exist")
        return self._with_links(rows)[0]

    def by_card(self, team_id: str, channel: str, ts: str) -> Idea | None:
        """Return the workspace's idea whose card is the message `ts` in `channel`, if any."""
        rows = list(
            self.db.query(
                "select * from ideas where team_id = ? and card_channel = ? and card_ts = ?",
                [team_id, channel, ts],
            )
        )
        return self._with_links(rows)[0] if rows else None

    def all(
        self,
        team_id: str,
        *,
        proposer: str | None = None,
        ids: Iterable[int] | None = None,
        include_merged: bool = False,
    ) -> list[Idea]:
        """Return the workspace's ideas, oldest first (merged duplicates left out)."""
        sql, params = "select * from ideas where team_id = ?", [team_id]
        if not include_merged:
            sql += " and merged_into is null"
        if proposer is not None:
            sql += " and proposer = ?"
            params.append(proposer)
        if ids is not None:
            wanted = list(ids)
            sql += f" and id in ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        return self._with_links(list(self.db.query(sql + " order by id", params)))

    def live_by_id(self, team_id: str, ids: Iterable[int]) -> dict[int, Idea]:
        """Return the workspace's live ideas among `ids`, by id, with their links."""
        conn = self.db.conn
        out: dict[int, Idea] = {}
        for chunk in map(list, chunks(ids, 900)):
            marks = ",".join("?" * len(chunk))
            links: dict[int, list[int]] = {}
            for idea_id, pain_id in conn.execute(
                "select idea_id, pain_point_id from idea_pain_points"
                f" where idea_id in ({marks}) order by idea_id, pain_point_id",
                chunk,
            ):
                links.setdefault(idea_id, []).append(pain_id)
            # "+team_id": look the ids up by primary key, not by walking the workspace.
            rows = conn.execute(
                f"select {IDEA_COLUMNS} from ideas i where +i.team_id = ?"
                f" and i.merged_into is null and i.id in ({marks})",
                [team_id, *chunk],
            )
            out.update(ideas_of(rows, links))
        return out

    def _with_links(self, rows: list[dict[str, Any]]) -> list[Idea]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        links: dict[int, list[int]] = {i: [] for i in ids}
        for chunk in map(list, chunks(ids, 900)):
            for link in list(
                self.db.query(
                    f"select idea_id, pain_point_id from idea_pain_points"
                    f" where idea_id in ({','.join('?' * len(chunk))}) order by pain_point_id",
                    chunk,
                )
            ):
                links[link["idea_id"]].append(link["pain_point_id"])
        return [idea_of(row, links[row["id"]]) for row in rows]

    def for_pain_points(self, pain_ids: Iterable[int]) -> dict[int, list[int]]:
        """Return, for each pain point id, the ids of ideas linked to it."""
        found: dict[int, list[int]] = {}
        for chunk in map(list, chunks(pain_ids, 900)):
            for row in list(
                self.db.query(
                    "select pain_point_id, idea_id from idea_pain_points"
                    f" where pain_point_id in ({','.join('?' * len(chunk))}) order by idea_id",
                    chunk,
                )
            ):
                found.setdefault(row["pain_point_id"], []).append(row["idea_id"])
        return found

    def linked_to(self, pain_id: int) -> list[int]:
        return self.for_pain_points([pain_id]).get(pain_id, [])

    def search(self, team_id: str, text: str, *, limit: int = 5) -> list[Idea]:
        """Return ideas whose title or description match `text`, best first."""
        words = keywords(text)
        if not words:
            return []
        rows = list(
            self.db.query(
                """
            select i.* from ideas_fts f join ideas i on i.id = f.rowid
            where ideas_fts match ? and i.team_id = ? and i.merged_into is null
            order by f.rank limit ?
            """,
                [" OR ".join(f'"{w}"' for w in words), team_id, limit],
            )
        )
        return self._with_links(rows)

    def set_card(self, idea_id: int, *, channel: str, ts: str) -> None:
        """Remember where the idea's card was posted."""
        with self.store.transaction() as db:
            db["ideas"].update(idea_id, {"card_channel": channel, "card_ts": ts})

    def update(self, team_id: str, idea_id: int, *, now: datetime, **changes: Any) -> Idea:
        """Apply `changes` to the idea (validated) and return it; raises NotFound."""
        with self.store.transaction() as db:
            current = self.get(team_id, idea_id)
            pain_ids = changes.get("pain_point_ids")
            updated = Idea.model_validate({**current.model_dump(), **changes})
            row = updated.model_dump(
                mode="json", exclude={"id", "created_at", "team_id", "pain_point_ids"}
            )
            row["updated_at"] = iso(now)
            db["ideas"].update(idea_id, row)
            if pain_ids is not None:
                self._check_pain_ids(team_id, updated.pain_point_ids)
                db.execute("delete from idea_pain_points where idea_id = ?", [idea_id])
                db["idea_pain_points"].insert_all(
                    {"idea_id": idea_id, "pain_point_id": p}
                    for p in dict.fromkeys(updated.pain_point_ids)
                )
            self.store.stats.refresh(idea_id)
        return self.get(team_id, idea_id)

    def set_status(
        self,
        team_id: str,
        idea_id: int,
        status: IdeaStatus,
        *,
        by: str,
        source: str,
        now: datetime,
    ) -> IdeaStatus | None:
        """Set the idea's status; return the old one, or None if it was already `status`.

        Linked pain points follow: they are Addressed once the idea is Done, Open again if
        it is reopened.
        """
        with self.store.transaction() as db:
            idea = self.get(team_id, idea_id)
            old = idea.status
            if old is status:
                return None
            db["ideas"].update(idea_id, {"status": status.value, "updated_at": iso(now)})
            db["status_changes"].insert(
                {
                    "idea_id": idea_id,
                    "old": old.value,
                    "new": status.value,
                    "by": by,
                    "source": source,
                    "at": iso(now),
                }
            )
            if status is IdeaStatus.DONE or old is IdeaStatus.DONE:
                done = status is IdeaStatus.DONE
                # Only Open <-> Addressed: a pain point someone Closed stays closed, and one
                # that another Done idea still addresses stays Addressed on a reopen.
                before, after = (
                    (PainStatus.OPEN, PainStatus.ADDRESSED)
                    if done
                    else (PainStatus.ADDRESSED, PainStatus.OPEN)
                )
                for pain_id in idea.pain_point_ids:
                    if not done and self._addressed_elsewhere(pain_id, idea_id):
                        continue
                    changed = db.execute(
                        "update pain_points set status = ? where id = ? and status = ?",
                        [after.value, pain_id, before.value],
                    ).rowcount
                    if changed:
                        for other in self.linked_to(pain_id):
                            self.store.stats.refresh(other)
        return old

    def _addressed_elsewhere(self, pain_id: int, idea_id: int) -> bool:
        """Whether another live idea that is Done addresses this pain point."""
        return (
            self.db.execute(
                "select 1 from idea_pain_points l join ideas i on i.id = l.idea_id"
                " where l.pain_point_id = ? and i.id != ? and i.status = 'Done'"
                " and i.merged_into is null limit 1",
                [pain_id, idea_id],
            ).fetchone()
            is not None
        )

    def status_changes(self, idea_id: int) -> list[dict[str, Any]]:
        """Return the idea's status history, oldest first."""
        return list(
            self.db.query("select * from status_changes where idea_id = ? order by id", [idea_id])
        )

    def merge(self, team_id: str, duplicate_id: int, into_id: int, *, now: datetime) -> Idea:
        """Fold `duplicate_id` into `into_id`: votes and links move; return the survivor.

        Someone who voted on both keeps the vote they gave the survivor.
        Raises InvalidInput when the two are the same idea or the duplicate is merged already.
        """
        if duplicate_id == into_id:
            raise InvalidInput("idea", "an idea cannot be merged into itself")
        with self.store.transaction() as db:
            duplicate = self.get(team_id, duplicate_id)
            target = self.get(team_id, into_id)
            if duplicate.merged_into is not None:
                raise InvalidInput(
                    "idea", f"#{duplicate_id} was already merged into #{duplicate.merged_into}"
                )
            if target.merged_into is not None:
                raise InvalidInput(
                    "idea", f"#{into_id} was itself merged into #{target.merged_into}"
                )
            self.store.votes.move(duplicate_id, into_id)
            db.execute(
                "insert or ignore into idea_pain_points (idea_id, pain_point_id)"
                " select ?, pain_point_id from idea_pain_points where idea_id = ?",
                [into_id, duplicate_id],
            )
            db["ideas"].update(duplicate_id, {"merged_into": into_id, "updated_at": iso(now)})
            db["ideas"].update(into_id, {"updated_at": iso(now)})
            self.store.stats.refresh(duplicate_id)
            self.store.stats.refresh(into_id)
        return self.get(team_id, into_id)

    def unposted_ids(self, team_id: str, *, limit: int) -> list[int]:
        """Return up to `limit` live, open ideas whose card was never posted, oldest first."""
        rows = self.db.execute(
            "select id from ideas where team_id = ? and card_ts is null and merged_into is null"
            " and status not in ('Done', 'Won''t do', 'Archived') order by id limit ?",
            [team_id, limit],
        ).fetchall()
        return [r[0] for r in rows]

    def active_links(self, team_id: str) -> dict[int, list[int]]:
        """Return the pain point ids linked to each active, unmerged idea."""
        rows = list(
            self.db.query(
                """
            select l.idea_id, l.pain_point_id from idea_pain_points l
            join ideas i on i.id = l.idea_id
            where i.team_id = ? and i.merged_into is null
              and i.status not in ('Done', 'Won''t do', 'Archived')
            """,
                [team_id],
            )
        )
        links: dict[int, list[int]] = {}
        for row in rows:
            links.setdefault(row["idea_id"], []).append(row["pain_point_id"])
        return links

    def addressing(self, team_id: str) -> dict[int, list[int]]:
        """Return, for the open pain points that an idea on the roadmap addresses, one such
        idea each, as {idea id: [pain point ids]}: enough to tell the weakest stage.

        One indexed look-up per open pain point, instead of reading every link.
        """
        found: dict[int, list[int]] = {}
        for pain_id, idea_id in self.db.execute(
            """
            select p.id, (
              select l.idea_id from idea_pain_points l join ideas i on i.id = l.idea_id
              where l.pain_point_id = p.id and i.merged_into is null
                and i.status not in ('Done', 'Won''t do')
              limit 1
            ) from pain_points p where p.team_id = ? and p.status = 'Open'
            """,
            [team_id],
        ):
            if idea_id is not None:
                found.setdefault(idea_id, []).append(pain_id)
        return found


_IDEA_FIELDS = (
    "id", "team_id", "title", "description", "proposer", "owning_team", "status",
    "pinned_bucket", "merged_into", "card_channel", "card_ts", "created_at", "updated_at",
)  # fmt: skip
IDEA_COLUMNS = ", ".join(f"i.{name}" for name in _IDEA_FIELDS)
_IDEA_SET = frozenset((*_IDEA_FIELDS, "pain_point_ids"))


def ideas_of(rows: Iterable[tuple[Any, ...]], links: dict[int, list[int]]) -> dict[int, Idea]:
    """Return Idea models from rows of `IDEA_COLUMNS`, with their linked pain point ids.

    Rows were validated on their way in. `Idea.model_construct` costs about ten
    microseconds an idea, most of the time of a 100,000-idea roadmap; this sets the same
    instance state (`__dict__`, the fields set, no extras or private attributes) directly.
    """
    statuses = {s.value: s for s in IdeaStatus}
    buckets: dict[str | None, Bucket | None] = {b.value: b for b in Bucket}
    buckets[None] = buckets[""] = None
    parse = datetime.fromisoformat
    new, set_ = Idea.__new__, object.__setattr__
    fields_set = set(_IDEA_SET)
    out: dict[int, Idea] = {}
    for (
        iid, team_id, title, description, proposer, owning_team, status, pinned,
        merged_into, card_channel, card_ts, created_at, updated_at,
    ) in rows:  # fmt: skip
        idea = new(Idea)
        set_(idea, "__dict__", {
            "id": iid, "team_id": team_id, "title": title, "description": description or "",
            "proposer": proposer, "owning_team": owning_team,
            "pain_point_ids": links.get(iid, []), "status": statuses[status],
            "pinned_bucket": buckets[pinned], "merged_into": merged_into,
            "card_channel": card_channel, "card_ts": card_ts,
            "created_at": (created := parse(created_at) if created_at else None),
            # Never edited: the same moment, parsed once (datetimes are immutable).
            "updated_at": created if updated_at == created_at
            else parse(updated_at) if updated_at else None,
        })  # fmt: skip
        # One set for all: every field is in it, so assigning a field never changes it.
        set_(idea, "__pydantic_fields_set__", fields_set)
        set_(idea, "__pydantic_extra__", None)
        set_(idea, "__pydantic_private__", None)
        out[iid] = idea
    return out


def idea_of(row: dict[str, Any], pain_ids: list[int]) -> Idea:
    # Rows were validated on their way in; reading 100,000 back need not validate again.
    return Idea.model_construct(
        id=row["id"],
        team_id=row["team_id"],
        title=row["title"],
        description=row["description"] or "",
        proposer=row["proposer"],
        owning_team=row["owning_team"],
        pain_point_ids=pain_ids,
        status=IdeaStatus(row["status"]),
        pinned_bucket=Bucket(row["pinned_bucket"]) if row["pinned_bucket"] else None,
        merged_into=row["merged_into"],
        card_channel=row["card_channel"],
        card_ts=row["card_ts"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
    )
