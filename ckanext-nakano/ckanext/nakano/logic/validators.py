"""Validators of the ward schemas. Error messages are in the request's language (gettext)."""
from __future__ import annotations

import json
import re
import unicodedata
import uuid
from typing import Any

from slugify import slugify

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from .. import vocab
from ..fetch import FetchRefused, canonical_url
from .. import messages
from . import inventory_validators
from .inventory_validators import *  # noqa: F401,F403  (the register's validators)
from ..romaji import romanised_slug

__all__ = [
    "nakano_name_from_title", "nakano_license_id", "nakano_end_after_start",
    "nakano_area_centroid", "nakano_phone", "nakano_http_url", "nakano_default_language",
    "nakano_resource_url", "nakano_resource_license", *inventory_validators.__all__,
]

Missing = tk.missing
PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)
JAPANESE = "http://publications.europa.eu/resource/authority/language/JPN"


def _empty(value: Any) -> bool:
    return value is Missing or value is None or value == ""


def _name_taken(name: str, own_id: Any) -> bool:
    pkg = model.Package.get(name)
    return pkg is not None and pkg.id != own_id


def nakano_name_from_title(key: FlattenKey, data: FlattenDataDict,
                           errors: FlattenErrorDict, context: Context) -> None:
    """Fill an empty URL name: from the English title, else the Japanese title
    romanised (救護所一覧 → kyuugo-tokoro-ichiran), else ``<ward code>-<random>``.
    An existing dataset keeps its name.
    """
    if not _empty(data.get(key)):
        return
    own_id = data.get(("id",))
    existing = model.Package.get(own_id) if not _empty(own_id) else None
    if existing is not None:
        data[key] = existing.name
        return
    base = (slugify(data.get(("title_en",)) or "", max_length=80, word_boundary=True)
            or romanised_slug(str(data.get(("title",)) or "")))
    if len(base) < 2:   # a name must have two characters
        base = f"{tk.config['ckanext.nakano.ward_code']}-{uuid.uuid4().hex[:8]}"
    name, n = base, 1
    while _name_taken(name, own_id):
        n += 1
        name = f"{base}-{n}"
    data[key] = name


def nakano_license_id(value: Any, context: Context) -> Any:
    """An id of the ward's licence list; an id a licence had before (CC-BY-4.0,
    schemas/vocab/licenses.json ``formerly``) is stored as its id now."""
    licenses = model.Package.get_license_register()
    if isinstance(value, str):
        value = vocab.former_license_ids().get(value, value)
    if value not in licenses:
        raise tk.Invalid(tk._("Unknown license: %(value)s (%(licenses)s)",
                              value=value, licenses=", ".join(licenses.keys())))
    return value


def nakano_resource_license(value: Any, context: Context) -> Any:
    """A file's own licence: an id of the ward's list, or the URL of one (as a
    DCAT harvest brings it), stored as the id. Another catalog's licence the
    list does not know is not the file's licence here: left empty (the
    dataset's applies) rather than refusing the whole dataset."""
    if isinstance(value, str):
        value = vocab.former_license_ids().get(value, value)
    if value in model.Package.get_license_register():
        return value
    wanted = str(value).strip().rstrip("/").lower()
    for license_id, url in vocab.license_urls().items():
        if url.rstrip("/").lower() == wanted:
            return license_id
    return ""


def nakano_end_after_start(key: FlattenKey, data: FlattenDataDict,
                           errors: FlattenErrorDict, context: Context) -> None:
    """Within one temporal_coverage item, end must not be before start."""
    end = data.get(key)
    start = data.get(key[:-1] + ("start",))
    if _empty(end) or _empty(start):
        return
    if str(end)[:10] < str(start)[:10]:  # ISO dates compare as text
        errors[key].append(tk._("End date is before the start date"))


def nakano_area_centroid(key: FlattenKey, data: FlattenDataDict,
                         errors: FlattenErrorDict, context: Context) -> None:
    """Set the item's centroid (GeoJSON point) from the chosen 町丁目."""
    area = data.get(key[:-1] + ("text",))
    point = vocab.area_centroid(area) if not _empty(area) else None
    data[key] = json.dumps({"type": "Point", "coordinates": [point[1], point[0]]}) if point else Missing


def nakano_phone(value: Any, context: Context) -> Any:
    if _empty(value):
        return value
    normalised = unicodedata.normalize("NFKC", str(value)).strip().replace("ー", "-").replace("−", "-")
    if not PHONE.match(normalised):
        raise tk.Invalid(tk._("Invalid phone number (e.g. 03-3389-1111)"))
    return normalised


def nakano_http_url(value: Any, context: Context) -> Any:
    """A link shown on the dataset page: http(s) only, read alike by every parser."""
    if _empty(value):
        return value
    value = str(value).strip()
    if not HTTP_URL.match(value):
        raise tk.Invalid(tk._("Enter a URL starting with http(s)://"))
    try:
        canonical_url(value)
    except FetchRefused as exc:
        raise tk.Invalid(messages.say(exc.code, exc.values)) from exc
    return value


# DataStore-only resources keep CKAN's placeholder instead of a URL.
DATASTORE_PLACEHOLDERS = ("", "_datastore_only_resource")


def nakano_resource_url(key: FlattenKey, data: FlattenDataDict,
                        errors: FlattenErrorDict, context: Context) -> None:
    """A linked file's URL is fetched by the portal and shown as a link: it must
    be http(s), without a user name or password, and mean the same to every
    parser (javascript:, data:, file: and the forms of fetch.canonical_url are
    refused). Uploads keep their file name; CKAN makes their link."""
    value = data.get(key)
    if _empty(value):
        return
    url_type = data.get(key[:-1] + ("url_type",))
    if url_type == "upload" or (url_type == "datastore" and str(value).strip() in DATASTORE_PLACEHOLDERS):
        return
    value = str(value).strip()
    try:
        canonical_url(value)
    except FetchRefused as exc:
        errors[key].append(messages.say(exc.code, exc.values))
        return
    data[key] = value


def nakano_default_language(key: FlattenKey, data: FlattenDataDict,
                            errors: FlattenErrorDict, context: Context) -> None:
    """Datasets are in Japanese unless stated otherwise."""
    if _empty(data.get(key)) or data.get(key) == []:
        data[key] = [JAPANESE]
