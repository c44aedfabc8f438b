"""Blocks: page bodies, appended, listed, updated and deleted."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from .model import _Block, _Page
from .store import _Store
from .validation import (
    _ARCHIVED_BLOCK,
    _BLOCK_META_KEYS,
    _OTHER_BLOCKS,
    _TEXT_BLOCKS,
    _UNDEFINED,
    MAX_BLOCK_DEPTH,
    MAX_BLOCKS_PER_REQUEST,
    Json,
    _invalid,
    _list_response,
    _page_size,
    _parse_id,
    _query_param,
    _require_dict,
    _require_list,
    _rich_text,
    _schema_error,
)


class BlocksMixin(_Store):
    """Blocks: page bodies, appended, listed, updated and deleted."""

    # -- blocks --------------------------------------------------------------------

    def _parse_blocks(self, raw: Any, where: str, depth: int, counter: list[int]) -> list[Json]:
        """Validate a children array; return ``{type, payload, children}`` trees."""
        trees = []
        for index, item in enumerate(_require_list(raw, where)):
            path = f"{where}[{index}]"
            counter[0] += 1
            if counter[0] > MAX_BLOCKS_PER_REQUEST:
                raise _invalid(
                    f"A request may create at most {MAX_BLOCKS_PER_REQUEST} blocks in total."
                )
            kind, payload = self._block_payload(_require_dict(item, path), path, None)
            children_raw = payload.pop("children", None)
            children: list[Json] = []
            if children_raw is not None:
                if depth >= MAX_BLOCK_DEPTH:
                    raise _schema_error(
                        f"{path}.{kind}.children", "should be not present", children_raw
                    )
                children = self._parse_blocks(
                    children_raw, f"{path}.{kind}.children", depth + 1, counter
                )
            trees.append({"type": kind, "payload": payload, "children": children})
        return trees

    def _block_payload(self, item: Json, path: str, current: _Block | None) -> tuple[str, Json]:
        """Return a block's type and normalized payload from a request object."""
        candidates = [key for key in item if key not in _BLOCK_META_KEYS]
        kind = item.get("type") or (candidates[0] if len(candidates) == 1 else None)
        if current is not None:
            if kind is None:
                return current.type, copy.deepcopy(current.payload)
            if kind != current.type:
                raise _invalid(
                    f"Block type {kind} does not match the existing block type {current.type}."
                )
        if kind is None:
            raise _schema_error(path, "should define exactly one block type", item)
        if kind not in _TEXT_BLOCKS and kind not in _OTHER_BLOCKS:
            raise _invalid(
                f"{path}: block type `{kind}` is not supported by the journeybot Notion emulator."
            )
        given = _require_dict(item.get(kind, {}), f"{path}.{kind}")
        defaults = _TEXT_BLOCKS.get(kind, _OTHER_BLOCKS.get(kind, {}))
        base = copy.deepcopy(current.payload) if current else copy.deepcopy(defaults)
        payload = {**base, **copy.deepcopy(given)}
        if kind in _TEXT_BLOCKS:
            if current is None and "rich_text" not in given:
                raise _schema_error(f"{path}.{kind}.rich_text", "should be defined", _UNDEFINED)
            payload["rich_text"] = _rich_text(payload.get("rich_text"), f"{path}.{kind}.rich_text")
        if "caption" in payload:
            payload["caption"] = _rich_text(payload["caption"], f"{path}.{kind}.caption")
        if kind == "table_row":
            payload["cells"] = [
                _rich_text(cell, f"{path}.{kind}.cells[{index}]")
                for index, cell in enumerate(
                    _require_list(payload.get("cells", []), f"{path}.{kind}.cells")
                )
            ]
        if kind == "to_do" and not isinstance(payload.get("checked"), bool):
            raise _schema_error(
                f"{path}.{kind}.checked", "should be a boolean", payload.get("checked")
            )
        return kind, payload

    def _insert_blocks(
        self, container: _Page | _Block, trees: list[Json], position: int | None = None
    ) -> list[str]:
        """Create block trees under a page or block; return the new top-level ids."""
        now = self._now()
        parent = (
            {"type": "page_id", "page_id": container.id}
            if isinstance(container, _Page)
            else {"type": "block_id", "block_id": container.id}
        )
        ids = []
        for tree in trees:
            block = _Block(
                id=str(uuid.uuid4()),
                parent=parent,
                type=tree["type"],
                payload=tree["payload"],
                **self._stamp(now, self.bot_user_id),
            )
            self._blocks[block.id] = block
            self._insert_blocks(block, tree["children"])
            ids.append(block.id)
        if position is None:
            container.children.extend(ids)
        else:
            container.children[position:position] = ids
        return ids

    # -- endpoints: blocks ---------------------------------------------------------------

    def _get_block(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/blocks/{id} (pages and databases answer as child blocks)."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            return self._render_block(object_id)
        return self._render_block(self._require_container(object_id, "path.block_id").id)

    def _update_block(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/blocks/{id}: new content for the block's type, or trash/restore."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        trash = body.get("in_trash", body.get("archived"))
        if trash is not None and not isinstance(trash, bool):
            raise _schema_error("body.in_trash", "should be a boolean", trash)
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            database = self._databases[object_id]
            if trash is not None:
                database.in_trash = trash
            return self._render_block(object_id)
        target = self._require_container(object_id, "path.block_id")
        if target.in_trash and trash is not False:
            raise _invalid(_ARCHIVED_BLOCK)
        if isinstance(target, _Block):
            content = {
                key: value for key, value in body.items() if key not in ("archived", "in_trash")
            }
            if content:
                target.type, target.payload = self._block_payload(content, "body", target)
        if trash is not None:
            target.in_trash = trash
        target.last_edited_time = self._now()
        target.last_edited_by = self.bot_user_id
        return self._render_block(target.id)

    def _delete_block(self, params: Json, query: Json, body: Json) -> Json:
        """DELETE /v1/blocks/{id}: move a block, page or database to the trash."""
        object_id = _parse_id(params["block_id"], "path.block_id")
        if object_id in self._databases and self._shared(self._databases[object_id].parent):
            database = self._databases[object_id]
            if database.in_trash:
                raise _invalid(_ARCHIVED_BLOCK)
            database.in_trash = True
            return self._render_block(object_id)
        target = self._require_container(object_id, "path.block_id")
        if target.in_trash:
            raise _invalid(_ARCHIVED_BLOCK)
        target.in_trash = True
        target.last_edited_time = self._now()
        target.last_edited_by = self.bot_user_id
        return self._render_block(target.id)

    def _list_children(self, params: Json, query: Json, body: Json) -> Json:
        """GET /v1/blocks/{id}/children: live children, paginated."""
        container = self._require_container(params["block_id"], "path.block_id")
        size = _page_size(_query_param(query, "page_size"), "query.page_size")
        live = [child for child in container.children if not self._is_trashed(child)]
        chunk, cursor = self._paginate(
            f"children:{container.id}",
            live,
            lambda child: child,
            _query_param(query, "start_cursor"),
            size,
            "query.start_cursor",
        )
        return _list_response([self._render_block(child) for child in chunk], cursor, "block")

    def _append_children(self, params: Json, query: Json, body: Json) -> Json:
        """PATCH /v1/blocks/{id}/children: append up to 100 blocks, optionally after one."""
        container = self._require_container(params["block_id"], "path.block_id")
        if container.in_trash:
            raise _invalid(_ARCHIVED_BLOCK)
        trees = self._parse_blocks(body.get("children", _UNDEFINED), "body.children", 1, [0])
        after = body.get("after")
        position_raw = body.get("position")
        if isinstance(position_raw, dict):
            kind = position_raw.get("type")
            if kind == "start":
                position: int | None = 0
            elif kind == "after_block":
                after = _require_dict(
                    position_raw.get("after_block", _UNDEFINED), "body.position.after_block"
                ).get("id", _UNDEFINED)
                position = None
            else:
                position = None
        else:
            position = None
        if after is not None:
            after_id = _parse_id(after, "body.after")
            if after_id not in container.children:
                raise _invalid(f"Block {after_id} is not a child of {container.id}.")
            position = container.children.index(after_id) + 1
        ids = self._insert_blocks(container, trees, position)
        container.last_edited_time = self._now()
        return _list_response([self._render_block(block_id) for block_id in ids], None, "block")
