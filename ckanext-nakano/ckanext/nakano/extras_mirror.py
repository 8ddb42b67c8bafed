"""The ward's fields also as ``extras``, for CKAN sites that harvest the portal.

The ward schema's fields (分類, frequency, contact …) are top-level keys of a
dataset, as ckanext-scheming serves them. A stock CKAN, and ckanext-harvest's
CKAN harvester on it, keeps only core fields and ``extras``: without this the
ward's fields were lost on every aggregator (issue 17). So every dataset the
API shows also lists them as extras (strings as they are, lists and objects as
JSON), with the department as ``publisher_name``/``publisher_uri`` (the keys
ckanext-dcat reads) and the licence's title and URL (a stock CKAN whose list
lacks the licence keeps no URL of its own). docs/interoperability.md has the
mapping.

On input the mirrored keys are taken out again: ckanext-scheming refuses an
extra named like a schema field, and a client that sends back what
package_show gave must not fail. A mirrored value the input lacks at the top
level (a client that only speaks extras) is taken as that field's value.
"""
from __future__ import annotations

import json
from functools import cache
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic.schema import default_create_package_schema
from ckanext.scheming.helpers import scheming_get_dataset_schema

from .uris import department_uri

PUBLISHER = ("publisher_name", "publisher_uri")
# Keys of what package_show answers that CKAN's schema does not refuse as
# extras: an editor could otherwise publish, say, organization=<another
# department> beside the real one, and a harvester reading extras believe it.
RESERVED = frozenset({"organization", "organization_id", "package_id", "creator_user_id", "metadata_created",
                      "metadata_modified", "isopen", "num_resources", "num_tags"})
# Extras ckanext-harvest adds when it shows a harvested dataset: taken out
# like the mirrored ones (a job that saves back what it read sends them).
HARVEST = ("harvest_object_id", "harvest_source_id", "harvest_source_title")
LICENSE = ("license_title", "license_url")
WARD_JA = "中野区"


@cache
def ward_fields() -> tuple[str, ...]:
    """The schema's dataset fields a stock CKAN has no column for, in schema order."""
    core = set(default_create_package_schema())
    schema = scheming_get_dataset_schema("dataset") or {}
    return tuple(f["field_name"] for f in schema.get("dataset_fields", []) if f["field_name"] not in core)


@cache
def list_fields() -> frozenset[str]:
    """Schema fields whose value is a list of objects (contact, spatial_coverage …)."""
    schema = scheming_get_dataset_schema("dataset") or {}
    return frozenset(f["field_name"] for f in schema.get("dataset_fields", []) if f.get("repeating_subfields"))


@cache
def _mirrored() -> frozenset[str]:
    return frozenset((*ward_fields(), *PUBLISHER, *LICENSE))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def add_extras(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """``pkg_dict`` with the ward fields also in its extras (idempotent)."""
    mirrored = _mirrored()
    extras = [e for e in pkg_dict.get("extras") or [] if e.get("key") not in mirrored]
    extras += [{"key": f, "value": _as_text(pkg_dict[f])} for f in ward_fields() if not _empty(pkg_dict.get(f))]
    org = pkg_dict.get("organization") or {}
    if org.get("name"):
        extras += [{"key": "publisher_name", "value": f"{WARD_JA}{org.get('title') or org['name']}"},
                   {"key": "publisher_uri", "value": department_uri(org["name"])}]
    extras += [{"key": k, "value": pkg_dict[k]} for k in LICENSE if pkg_dict.get(k)]
    pkg_dict["extras"] = extras
    return pkg_dict


def with_extras(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """A dataset with the ward fields in its extras. What CKAN serves from the
    search index has them already (CKAN runs after_dataset_show on the dict it
    stores there, and a stored dict is replaced on every change): only a dict
    made from the database, or indexed before this module, gets them here."""
    if any(e.get("key") == "publisher_uri" for e in pkg_dict.get("extras") or []):
        return pkg_dict
    return add_extras(pkg_dict)


def _field_value(text: str) -> Any:
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's limit: the text, refused later
            return text
    return text


def take_extras(data_dict: dict[str, Any]) -> dict[str, Any]:
    """Input without the mirrored extras; a ward field given only as an extra
    becomes the field. Other extras are left to CKAN and scheming."""
    extras = data_dict.get("extras")
    if not isinstance(extras, list):
        return data_dict
    data_dict = dict(data_dict)
    mirrored, fields = _mirrored() | frozenset(HARVEST), set(ward_fields())
    kept = []
    reserved = sorted({e.get("key") for e in extras if isinstance(e, dict) and isinstance(e.get("key"), str)}
                      & RESERVED)
    if reserved:
        raise tk.ValidationError({"extras": [
            f"ポータルが使う名前のため、追加項目には使えません: {', '.join(reserved)} / "
            f"Reserved, not usable as extras: {', '.join(reserved)}"]})
    for extra in extras:
        key = extra.get("key") if isinstance(extra, dict) and isinstance(extra.get("key"), str) else None
        if key not in mirrored:
            kept.append(extra)
        elif key in fields and key not in data_dict and isinstance(extra.get("value"), str):
            data_dict[key] = _field_value(extra["value"])
    data_dict["extras"] = kept
    if not kept:
        del data_dict["extras"]
    return data_dict
