"""files.getUploadURLExternal and files.completeUploadExternal, uploads and downloads.

See https://docs.slack.dev/messaging/working-with-files#uploading_files.
"""

from __future__ import annotations

import copy
import mimetypes
import time
from typing import Any
from urllib.parse import quote

from .state import WorkspaceState
from .wire import ApiError, Reply, param, parse_multipart, text_reply

__all__ = ["FileMethods"]


class FileMethods(WorkspaceState):
    """Files: the two-step upload slack_sdk's files_upload_v2 makes, and serving them back."""

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = param(params, "filename")
        try:
            length = int(param(params, "length") or "-1")
        except ValueError:
            length = -1
        if filename is None or length < 0:
            missing = "filename" if filename is None else "length"
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {missing}"]},
            )
        file_id = self._new_id("F")
        self._files[file_id] = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": filename,
            "title": filename,
            "alt_txt": param(params, "alt_txt"),
            "snippet_type": param(params, "snippet_type"),
            "length": length,
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, raw: bytes, content_type: str) -> Reply:
        with self._lock:
            entry = self._files.get(file_id)
            if entry is None:
                return text_reply(404, "file_not_found")
            content = raw
            if content_type.lower().startswith("multipart/form-data"):
                parts = parse_multipart(raw, content_type)
                content = next((v for v in parts.values() if isinstance(v, bytes)), b"")
            entry["content"] = content
        return text_reply(200, f"OK - {len(content)}")

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] missing required field: files"]},
            )
        entries = []
        for item in items:
            entry = self._files.get(item.get("id", "")) if isinstance(item, dict) else None
            if entry is None or entry["content"] is None:
                raise ApiError("file_not_found")
            entries.append((entry, item))
        targets = [c.strip() for c in (param(params, "channels") or "").split(",") if c.strip()]
        channel_id_param = param(params, "channel_id")
        if channel_id_param:
            targets.insert(0, channel_id_param)
        channel_ids = []
        for target in targets:
            channel_id = self._resolve(target)
            if channel_id is None:
                raise ApiError("channel_not_found")
            channel_ids.append(channel_id)
        thread_ts = self._thread_ts(params)
        if thread_ts and len(channel_ids) != 1:
            raise ApiError("invalid_arguments")
        shared = []
        for entry, item in entries:
            content = entry["content"]
            entry.update(
                title=item.get("title") or entry["name"],
                mimetype=mimetypes.guess_type(entry["name"])[0] or "application/octet-stream",
                filetype=entry["name"].rpartition(".")[2] if "." in entry["name"] else "binary",
                user=self.bot_user_id,
                size=len(content),
                mode="hosted",
                is_external=False,
                is_public=any(self._channels[c]["is_channel"] for c in channel_ids),
                url_private=f"{self.base_url}/files/{entry['id']}/{quote(entry['name'])}",
                permalink=f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/{entry['id']}/{quote(entry['name'])}",
                channels=[c for c in channel_ids if self._channels[c]["is_channel"]],
                groups=[
                    c
                    for c in channel_ids
                    if self._channels[c]["is_private"] and not self._channels[c]["is_im"]
                ],
                ims=[c for c in channel_ids if self._channels[c]["is_im"]],
            )
            entry["url_private_download"] = entry["url_private"]
            shared.append({k: v for k, v in entry.items() if k not in ("content", "length")})
        for channel_id in channel_ids:
            message = self._bot_message(param(params, "initial_comment") or "", None, {})
            message.update(files=copy.deepcopy(shared), upload=True, display_as_bot=False)
            self._store(channel_id, message, thread_ts)
        return {"files": shared}

    def _download(self, path: str, headers: Any) -> Reply:
        auth = headers.get("Authorization") or ""
        if auth != f"Bearer {self.token}":
            return text_reply(403, "forbidden")
        with self._lock:
            entry = self._files.get(path.partition("/")[0])
            if entry is None or entry["content"] is None:
                return text_reply(404, "file_not_found")
            return Reply(
                200,
                entry["content"],
                content_type=entry.get("mimetype") or "application/octet-stream",
            )
