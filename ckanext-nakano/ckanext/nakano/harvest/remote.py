"""Other catalogs: ckanext-harvest's CKAN harvester and ckanext-dcat's RDF
harvester, with the remote records mapped onto the ward schema and the
downloads held to the same address rules as every other fetch.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.harvesters.ckanharvester import CKANHarvester, ContentFetchError
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestSource

from ..fetch import FetchRefused, check_host, guard, safe_get
from .. import messages
from . import mapping
from .base import allowed_hosts, source_config

log = logging.getLogger(__name__)
MAX_API_BYTES = 50 * 1024 * 1024


def departments() -> list[mapping.Department]:
    """The portal's departments; an organization's title is how its sections start."""
    orgs = model.Session.query(model.Group).filter_by(is_organization=True, state="active").all()
    return [mapping.Department(o.name, o.title) for o in orgs]


def ward_dataset(record: dict[str, Any], source: HarvestSource) -> dict[str, Any]:
    """A remote CKAN record as a ward dataset, for a source declared in harvesters/."""
    dataset = mapping.from_ckan(record, departments(), default_org=model.Package.get(source.id).owner_org,
                                defaults=source_config(source).get("nakano_defaults") or {},
                                source_label=source.title or source.url)
    dataset["metadata_modified"] = record.get("metadata_modified")   # lets the harvester skip unchanged records
    return dataset


class NakanoCKANHarvester(CKANHarvester):
    """ckanext-harvest's CKAN harvester, mapped onto the ward schema, SSRF-safe."""

    _hosts: set[str] = set()

    def info(self) -> dict[str, str]:
        return {"name": "nakano_ckan", "title": messages.gettext("CKAN (ward schema)"),
                "description": messages.gettext("Another CKAN's datasets mapped onto the ward schema")}

    def gather_stage(self, harvest_job: HarvestJob) -> list[str] | None:
        self._hosts = allowed_hosts(harvest_job.source)
        return super().gather_stage(harvest_job)

    def import_stage(self, harvest_object: HarvestObject) -> bool | str | None:
        self._hosts = allowed_hosts(harvest_object.source)   # remote groups/organizations are fetched here
        return super().import_stage(harvest_object)

    @classmethod
    def _save_gather_error(cls, message: str, job: HarvestJob) -> None:
        """ckanext-harvest's messages are English: the two a clerk meets are stored coded (said
        in the reader's language), with ckanext-harvest's text as the technical detail."""
        if message.startswith("Unable to search remote CKAN"):
            message = messages.stored("remote-search-failed", detail=message)
        elif message.startswith("No datasets found at CKAN"):
            message = messages.stored("remote-no-datasets", detail=message)
        super()._save_gather_error(message, job)

    def _get_content(self, url: str) -> str:
        headers = {}
        # The key lives in the environment (api_key_env names the variable), never in
        # the source's config, which is a dataset's field (issue 15: readable by anyone).
        key = os.environ.get(str((self.config or {}).get("api_key_env") or "")) or (self.config or {}).get("api_key")
        if key:
            headers["Authorization"] = str(key)
        try:
            body, _ = safe_get(url, max_bytes=MAX_API_BYTES, allowed_hosts=self._hosts,
                               timeout=tk.config["ckanext.nakano.fetch.timeout"], headers=headers)
        except FetchRefused as exc:
            raise ContentFetchError(messages.stored(exc.code, **exc.values)) from exc
        return body.decode("utf-8")

    def _create_or_update_package(self, package_dict: dict[str, Any], harvest_object: HarvestObject,
                                  package_dict_form: str = "package_show") -> bool | str | None:
        """Like the base class, but through the ward schema (the base passes CKAN's
        default schema, which would drop the ward's fields) and with coded errors."""
        context = {"user": self._get_user_name(), "ignore_auth": True}
        modified = package_dict.pop("metadata_modified", None)
        try:
            existing = _existing(harvest_object.guid or package_dict["id"], harvest_object.source, context)
            # Remote changed after our copy was saved → update; otherwise nothing to do.
            if existing and modified and modified <= existing["metadata_modified"]:
                return "unchanged"
            if existing:
                package_dict["id"], package_dict["name"] = existing["id"], existing["name"]
                dataset = tk.get_action("package_update")(dict(context), package_dict)
            else:
                # The remote id is kept only when no local dataset has it (ids are
                # global; a collision would make package_create update nothing
                # here, but it must never reach another dataset).
                if model.Package.get(package_dict.get("id") or "") is not None:
                    package_dict.pop("id", None)
                package_dict["name"] = self._gen_new_name(package_dict.get("name") or package_dict["title"])
                dataset = tk.get_action("package_create")(dict(context), package_dict)
        except tk.ValidationError as exc:
            model.Session.rollback()
            detail = "; ".join(f"{k}: {v}" for k, v in exc.error_dict.items())
            self._save_object_error(messages.stored("record-failed", detail=detail), harvest_object, "Import")
            return None
        if existing:  # earlier objects of this dataset are no longer current
            model.Session.query(HarvestObject).filter(HarvestObject.package_id == dataset["id"]) \
                .update({"current": False})
        harvest_object.package_id, harvest_object.current = dataset["id"], True
        harvest_object.save()
        return True

    def modify_package_dict(self, package_dict: dict[str, Any], harvest_object: HarvestObject) -> dict[str, Any]:
        return ward_dataset(json.loads(harvest_object.content), harvest_object.source)


def _existing(remote_id: str, source: HarvestSource, context: dict[str, Any]) -> dict[str, Any] | None:
    """The local copy of a remote record: the dataset this source's earlier
    harvest objects of the record point to; else a copy made from that record
    without a harvest (the demo load names the record in ``source_system``;
    portals before issue 17 also kept the remote id) that no other source has
    taken.

    Never a dataset only because it has the remote record's id or name: a
    remote catalog (or one pretending to be) could otherwise take over any
    dataset of any department, a private one included."""
    linked = (model.Session.query(HarvestObject.package_id)
              .filter(HarvestObject.harvest_source_id == source.id, HarvestObject.guid == remote_id,
                      HarvestObject.package_id.isnot(None))
              .order_by(HarvestObject.current.desc(), HarvestObject.gathered.desc()).first())
    found = model.Package.get(linked[0]) if linked else None
    if found is None:
        candidates = [p for p in (model.Package.get(remote_id),) if p is not None] or \
            (model.Session.query(model.Package)
             .filter(model.Package.extras["source_system"].astext.like(f"% {remote_id}"),
                     model.Package.state == "active", model.Package.type == "dataset").all())
        found = next((p for p in candidates if _adoptable(p, remote_id, source)), None)
    if found is None or found.type != "dataset" or found.state != "active":
        return None
    return tk.get_action("package_show")(dict(context), {"id": found.id})


def _adoptable(pkg: model.Package, remote_id: str, source: HarvestSource) -> bool:
    """Made from this remote record (its source_system says so) and not the
    copy of another source."""
    if not str((pkg.extras or {}).get("source_system") or "").endswith(f" {remote_id}"):
        return False
    other = (model.Session.query(HarvestObject.id)
             .filter(HarvestObject.package_id == pkg.id, HarvestObject.harvest_source_id != source.id).first())
    return other is None


def dcat_download_check(url: str, harvest_job: HarvestJob) -> tuple[str | None, list[str]]:
    """Before ckanext-dcat downloads a source: refuse it by the address rules."""
    try:
        check_host(url, allowed_hosts(harvest_job.source))
    except FetchRefused as exc:
        return None, [messages.stored(exc.code, **exc.values)]
    return url, []


def guard_session(session: Any, harvest_job: HarvestJob | None) -> Any:
    hosts = allowed_hosts(harvest_job.source) if harvest_job else set(tk.config["ckanext.nakano.fetch.allowed_hosts"])
    return guard(session, hosts)


def dcat_dataset(harvest_object: HarvestObject, dataset_dict: dict[str, Any]) -> None:
    """ckanext-dcat's parsed dataset (already in dcat_ap field names) completed for
    the ward schema: the source's department and defaults fill what DCAT lacks."""
    source = harvest_object.source
    config = source_config(source)
    if not config.get("nakano_declared_in"):
        return
    defaults = config.get("nakano_defaults") or {}
    owner = model.Package.get(source.id).owner_org
    for key, value in defaults.items():
        if not dataset_dict.get(key):
            dataset_dict[key] = value
    sections = [c.get("name") for c in dataset_dict.get("contact") or [] if c.get("name")]
    dataset_dict["owner_org"] = mapping.department_for(sections[0], departments(), owner) if sections else owner
    dataset_dict["license_id"] = mapping.license_id(dataset_dict.get("license_id"),
                                                    defaults.get("license_id", "cc-by"))
    standard = dataset_dict.get("standard_dataset") or mapping.standard_dataset_for(dataset_dict.get("title", ""))
    dataset_dict["standard_dataset"] = standard or ""
    if not dataset_dict.get("category"):
        dataset_dict["category"] = mapping.category_for(dataset_dict.get("title", ""), standard,
                                                        defaults.get("category")) or ""
    dataset_dict.setdefault("notes", dataset_dict.get("title", ""))
    language = dataset_dict.get("language")
    if isinstance(language, str) and language.startswith("["):   # ckanext-dcat hands a JSON list as text
        dataset_dict["language"] = json.loads(language)
    if not dataset_dict.get("source_system"):
        dataset_dict["source_system"] = f"{source.title or source.url} {harvest_object.guid}"
