"""The portal's own open datasets (「ポータル利用統計」, 「保有データ一覧」): files made by the portal,
published as the resources of one dataset and uploaded again only when their content changed
(an unchanged file keeps its DataStore table in place)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk

from . import uploads

__all__ = ["PublishedFile", "publish"]


@dataclass(frozen=True)
class PublishedFile:
    filename: str
    title: str           # the resource's name, which finds it again the next day
    description: str     # 「（<date> 時点）」 is added
    format: str = "CSV"
    mimetype: str = "text/csv"


def _stored(resource: dict[str, Any]) -> bytes | None:
    """The file last uploaded to a resource (local storage or a bucket)."""
    if resource.get("url_type") != "upload":
        return None
    try:
        return uploads.read_bytes(resource)
    except OSError:
        return None


def publish(name: str, organization: str, dataset_dict: Callable[[], dict[str, Any]], files: list[PublishedFile],
            contents: Callable[[], dict[str, bytes]], stamp: str) -> dict[str, Any]:
    """Create the dataset ``name`` (from ``dataset_dict()``) if missing, upload each changed file,
    and set its 更新日 (DAILY data published today is on time in its own quality score).
    ``contents()`` is made once the dataset exists: the figures count the dataset itself."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def context() -> dict[str, Any]:
        return {"user": site_user, "ignore_auth": True}

    try:
        pkg = tk.get_action("package_show")(context(), {"id": name})
    except tk.ObjectNotFound:
        try:
            tk.get_action("organization_show")(context(), {"id": organization})
        except tk.ObjectNotFound:
            raise tk.ObjectNotFound(
                f"部署 {organization} がありません（ckanext.nakano.metrics.organization を既存の部署にしてください） / "
                f"Department {organization} does not exist (set ckanext.nakano.metrics.organization to an "
                f"existing one)")
        pkg = tk.get_action("package_create")(context(), dataset_dict())
    existing = {r["name"]: r for r in pkg.get("resources", [])}
    made = contents()
    for file in files:
        content = made[file.filename]
        if file.title in existing and _stored(existing[file.title]) == content:
            continue  # same content: no new upload, no reload of its DataStore table
        upload = FileStorage(stream=io.BytesIO(content), filename=file.filename, content_type=file.mimetype)
        fields = {"name": file.title, "description": f"{file.description}（{stamp} 時点）", "format": file.format,
                  "encoding": "UTF-8", "upload": upload, "url": file.filename}
        if file.title in existing:
            tk.get_action("resource_update")(context(), {**existing[file.title], **fields})
        else:
            tk.get_action("resource_create")(context(), {"package_id": pkg["id"], **fields})
    return tk.get_action("package_patch")(context(), {"id": pkg["id"], "modified": stamp})
