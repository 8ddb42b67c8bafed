"""The ``nakano_map_view`` resource view: rows of a DataStore table with
latitude/longitude columns (緯度/経度, lat/lon, …) drawn on a Leaflet map.

The browser fetches the rows itself from ``datastore_search``
(assets/map.js); this module decides which resources get the view, which
columns hold the coordinates, and what the template is given.
"""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import flask

import ckan.plugins.toolkit as tk

__all__ = [
    "VIEW_TYPE", "TITLE", "title", "display_title", "coordinate_fields", "name_field", "table_fields",
    "datastore_field_ids", "can_view", "view_info", "template_variables", "ensure_view",
]

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; translated where it is used."""
    return message


VIEW_TYPE = "nakano_map_view"
# The view's title, in the language of the page that shows it (display_title).
TITLE = N_("Map")
# The title the portal gave its map views before the pages spoke one language.
LEGACY_TITLE = "地図 / Map"
LEGACY_JAPANESE_TITLE = "地図"

# Column names, compared after NFKC and casefold (ｌａｔ, LAT and lat are one name).
LATITUDE_NAMES = ("緯度", "lat", "latitude")
LONGITUDE_NAMES = ("経度", "lon", "lng", "longitude")
# The row's title in popups and the first column of the table, first match wins:
# 名称 is the column of the 自治体標準オープンデータセット.
NAME_NAMES = ("名称", "施設名", "施設名称", "名前", "name", "title")
# Columns worth showing beside the name in the table of points, first matches win.
DETAIL_NAMES = ("住所", "所在地_連結表記", "所在地", "address", "種別", "category", "電話番号", "telephone")
TABLE_EXTRA_COLUMNS = 2


def _key(field_id: str) -> str:
    # xloader keeps headers as written: full-width letters, stray spaces, a BOM.
    return unicodedata.normalize("NFKC", field_id).replace("\ufeff", "").strip().casefold()


def _first(field_ids: Sequence[str], names: Iterable[str]) -> str | None:
    by_key: dict[str, str] = {}
    for field_id in field_ids:
        by_key.setdefault(_key(field_id), field_id)
    return next((by_key[n] for n in names if n in by_key), None)


def coordinate_fields(field_ids: Sequence[str]) -> tuple[str, str] | None:
    """The (latitude, longitude) column names of a table, or None when one is missing."""
    lat = _first(field_ids, LATITUDE_NAMES)
    lon = _first(field_ids, LONGITUDE_NAMES)
    return (lat, lon) if lat and lon else None


def name_field(field_ids: Sequence[str]) -> str | None:
    """The column naming each row (名称, name, …), if there is one."""
    return _first(field_ids, NAME_NAMES)


def table_fields(field_ids: Sequence[str]) -> list[str]:
    """Columns of the table of points under the map: name, latitude, longitude and
    a couple more (an address if present), so the page says what the map shows."""
    coords = coordinate_fields(field_ids)
    if not coords:
        return []
    name = name_field(field_ids)
    chosen = ([name] if name else []) + list(coords)
    rest = [f for f in field_ids if f not in chosen and f != "_id"]
    preferred = [f for n in DETAIL_NAMES for f in rest if _key(f) == n]
    # Codes, numbers and readings say little to a reader: only when nothing else is left.
    rest.sort(key=lambda f: _key(f) in ("no", "id") or _key(f).endswith(("コード", "_カナ", "id")))
    extra = list(dict.fromkeys(preferred + rest))[:TABLE_EXTRA_COLUMNS]
    return chosen + extra


def datastore_field_ids(resource_id: str) -> list[str]:
    """Column names of the resource's DataStore table ([] when it has none)."""
    # Only the column names are read, to decide whether a map is possible; the
    # rows themselves are fetched by the browser under the visitor's own rights.
    context = {"ignore_auth": True}
    try:
        info = tk.get_action("datastore_info")(context, {
            "resource_id": resource_id, "include_meta": False, "include_fields_schema": False})
    except (tk.ObjectNotFound, tk.ValidationError):
        return []
    return [f["id"] for f in info["fields"] if f["id"] != "_id"]


def can_view(resource: dict[str, Any]) -> bool:
    """A map for a resource loaded into the DataStore with both coordinate columns."""
    if not resource.get("datastore_active"):
        return False
    return coordinate_fields(datastore_field_ids(resource["id"])) is not None


def title() -> str:
    """The view's title in the language of the current page (the msgid outside a
    request: CKAN asks plugins for their info at start-up and in commands too)."""
    return tk._(TITLE) if flask.has_request_context() else TITLE


def display_title(view: dict[str, Any]) -> str:
    """A resource view's title as a page shows it: the portal's own title of a map
    view in the page's language (it is stored as the msgid; views made before the
    pages spoke one language hold "地図 / Map" or 地図); a title an editor wrote, as written."""
    stored = view.get("title") or ""
    if view.get("view_type") == VIEW_TYPE and stored in (TITLE, LEGACY_TITLE, LEGACY_JAPANESE_TITLE):
        return title()
    return stored


def view_info() -> dict[str, Any]:
    """``IResourceView.info`` of the map view."""
    return {
        "name": VIEW_TYPE,
        "title": title(),
        "icon": "map-location-dot",
        # Created once xloader has loaded the rows (xloader_hook, after_upload), not on upload.
        "requires_datastore": True,
        # Stored as the msgid (CKAN makes default views in whatever request is running):
        # display_title says it in each page's language.
        "default_title": TITLE,
        "preview_enabled": False,
    }


def template_variables(resource: dict[str, Any]) -> dict[str, Any]:
    """Variables of templates/nakano/map_view.html: what assets/map.js needs to draw."""
    field_ids = datastore_field_ids(resource["id"])
    lat, lon = coordinate_fields(field_ids) or (None, None)
    return {"map_config": {
        "resourceId": resource["id"],
        "searchUrl": tk.url_for("api.action", ver=3, logic_function="datastore_search"),
        "latField": lat,
        "lonField": lon,
        "nameField": name_field(field_ids),
        "tableFields": table_fields(field_ids),
        # Empty tile URL: markers and table only, no background map.
        "tileUrl": tk.config.get("ckanext.nakano.map.tile_url") or "",
        "attribution": tk.config.get("ckanext.nakano.map.attribution") or "",
        "maxPoints": tk.config.get("ckanext.nakano.map.max_points"),
    }}


def ensure_view(context: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any] | None:
    """Create the map view of a freshly loaded resource unless it has one; returns the new view.

    Called once xloader has loaded the rows: at upload time the DataStore table
    does not exist yet, so the default views made then cannot include a map.
    Follows ``ckan.views.default_views`` like CKAN's own default views.
    """
    if VIEW_TYPE not in tk.config.get("ckan.views.default_views"):
        return None
    # A context of our own: actions record objects in the one they are given,
    # and the loader's hook goes on using its context after us.
    own: dict[str, Any] = {"user": context.get("user"), "ignore_auth": context.get("ignore_auth", False)}
    views = tk.get_action("resource_view_list")(dict(own), {"id": resource["id"]})
    if any(v["view_type"] == VIEW_TYPE for v in views) or not can_view(resource):
        return None
    try:
        return tk.get_action("resource_view_create")(dict(own), {
            "resource_id": resource["id"], "view_type": VIEW_TYPE, "title": TITLE})
    except (tk.NotAuthorized, tk.ValidationError) as error:
        # A missing map must not fail the loader's status update that follows.
        log.warning("No map view for resource %s: %s", resource["id"], error)
        return None
