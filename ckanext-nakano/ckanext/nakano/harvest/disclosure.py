"""Harvest sources are datasets (type ``harvest``) with their configuration
as a field: a credential written there (ckanext-harvest's CKAN harvester
takes ``api_key``) was readable by anyone through package_show, package_search
and harvest_source_list. Declarations refuse credentials now (sources.py asks
for ``api_key_env``); this masks any left in configurations already stored,
for everyone but sysadmins, where they are read (package_show, package_search,
harvest_source_list). The search index keeps them as stored: CKAN's
package_show reads a dataset from the index, and a sysadmin editing a source
must get its real configuration back."""
from __future__ import annotations

import json
from typing import Any

from ckan import model

from .. import redact

__all__ = ["masked_config", "mask_source", "for_reader", "is_sysadmin"]


def masked_config(config: Any) -> Any:
    """The configuration (JSON text or a dict) with credential fields masked."""
    if isinstance(config, str):
        try:
            parsed = json.loads(config) if config.strip() else {}
        except ValueError:
            return redact.text(config)
        return json.dumps(redact.deep(parsed), ensure_ascii=False, sort_keys=True) if isinstance(parsed, dict) \
            else redact.text(config)
    if isinstance(config, dict):
        return redact.deep(config)
    return config


def mask_source(source: dict[str, Any]) -> dict[str, Any]:
    """A harvest source (dataset dict or ckanext-harvest's source dict), masked:
    its configuration, and the copies of its keys ckanext-harvest puts at the
    top of the dict."""
    for key, value in list(source.items()):
        if key == "config":
            source[key] = masked_config(value)
        elif redact.names_a_secret(str(key)) and value:
            source[key] = redact.MASK
    return source


def is_sysadmin(context: dict[str, Any]) -> bool:
    user = context.get("auth_user_obj")
    if not isinstance(user, model.User) and context.get("user"):
        user = model.User.get(context["user"])
    return bool(context.get("ignore_auth")) or bool(getattr(user, "sysadmin", False))


def for_reader(context: dict[str, Any], pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """``after_dataset_show``: a harvest source's configuration, masked but for
    sysadmins (who declare and edit sources)."""
    if pkg_dict.get("type") == "harvest" and not is_sysadmin(context):
        mask_source(pkg_dict)
    return pkg_dict

