"""``nakano:s3``: file-keeper's S3 storage as a CKAN storage that can hand
downloads to the bucket.

With ``file_keeper:s3`` every download of an upload streams through a CKAN
web worker. This adapter, with ``redirect_seconds`` set, answers a download
with a redirect to a presigned URL of the object, valid that many seconds:
CKAN still checks access and records the download (the redirect goes through
its view), and the bucket sends the bytes. The presigned URL forces a
download (``Content-Disposition: attachment``), so uploaded HTML or SVG is
never shown inline from the bucket either. Without ``redirect_seconds`` it
streams, as ``file_keeper:s3`` does.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import flask
from file_keeper.default.adapters import s3
from werkzeug.datastructures import Headers

from ckan import types
from ckan.config.declaration import Declaration, Key
from ckan.lib.files import base


@dataclasses.dataclass
class Settings(base.Settings, s3.Settings):
    redirect_seconds: int = 0


class Reader(base.Reader, s3.Reader):
    storage: "S3Storage"

    def response(self, data: base.FileData, extras: dict[str, Any]) -> types.Response:
        seconds = self.storage.settings.redirect_seconds
        if seconds <= 0:
            return super().response(data, extras)
        # No existence check here: CKAN's download view has asked the object's size already.
        disposition = Headers()
        disposition.set("Content-Disposition", "attachment", filename=extras.get("filename") or data.location)
        params = {"Bucket": self.storage.settings.bucket, "Key": self.storage.full_path(data.location),
                  "ResponseContentDisposition": disposition["Content-Disposition"]}
        if data.content_type:
            params["ResponseContentType"] = data.content_type
        url = self.storage.settings.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        flask.request.environ["__no_cache__"] = True   # CKAN then marks the answer private
        response = flask.redirect(url, 302)
        response.cache_control.no_store = True   # the URL is a short-lived credential
        return response


class S3Storage(base.Storage, s3.S3Storage):
    settings: Settings
    SettingsFactory = Settings
    UploaderFactory = type("Uploader", (base.Uploader, s3.Uploader), {})
    ReaderFactory = Reader
    ManagerFactory = type("Manager", (base.Manager, s3.Manager), {})

    @classmethod
    def declare_config_options(cls, declaration: Declaration, key: Key) -> None:
        super().declare_config_options(declaration, key)
        declaration.declare(key.bucket).required().set_description("Name of the bucket.")
        declaration.declare(key.key).set_description("Access key.")
        declaration.declare(key.secret).set_description("Secret key.")
        declaration.declare(key.region).set_description("Region of the bucket.")
        declaration.declare(key.endpoint).set_description("Endpoint of an S3-compatible service (not AWS).")
        declaration.declare_int(key.redirect_seconds, 0).set_description(
            "Answer downloads with a redirect to a presigned URL valid this many seconds;"
            " 0 streams them through CKAN.")
