"""Issue 17: what a stock CKAN aggregator gets when it harvests the portal.

The ``aggregator`` (conftest) harvests the ``portal`` twice through
ckanext-harvest's CKAN harvester (its Action API, anonymous) and twice through
ckanext-dcat's DCAT RDF harvester (``/catalog.ttl``). Every public dataset
must arrive, as the portal's anonymous package_search shows it, with its
title, notes, tags, department, licence (open) and resources in order; the
ward's own fields through ``extras`` on the CKAN path and as DCAT properties
on the DCAT path; no private dataset; and a second harvest must change
nothing. A failure lists, per dataset and field, what was lost, and the
harvest jobs' own errors are in the messages and in
``.local/test-artifacts/aggregator/harvest-reports.json``.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml
from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, RDF

from ckanext.nakano import vocab

from ..portal_api import api, token
from .stock import HARVEST_EXTRAS, ROOT, HarvestReport, StockAggregator

pytestmark = pytest.mark.services

KINDS = ("ckan", "dcat_rdf")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
# Fields of the ward's schema that stock CKAN does not have (its core fields:
# title, name, notes, owner_org, tags, licence, version, url).
CORE_FIELDS = {"title", "name", "notes", "owner_org", "tag_string", "license_id", "version", "url"}
WARD_FIELDS = [f["field_name"] for f in
               yaml.safe_load((ROOT / "schemas" / "ward_dataset.yaml").read_text(encoding="utf-8"))["dataset_fields"]
               if f["field_name"] not in CORE_FIELDS]
# Licence ids in stock CKAN's own list: on an aggregator only these can be open.
STOCK_LICENSES = {"notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by", "cc-by-sa", "gfdl",
                  "other-open", "other-pd", "other-at", "uk-ogl", "cc-nc", "other-nc", "other-closed"}
# Extras ckanext-dcat's parser writes for itself on the DCAT path.
DCAT_BOOKKEEPING = {"uri", "guid"}
SHOWN = 40  # lines of detail in a failure message


# -- what the portal offers --------------------------------------------------

def _search_all(url: str, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        body = requests.get(f"{url}/api/3/action/package_search", headers=headers or {}, timeout=60,
                            params={"q": "*:*", "rows": 1000, "start": len(found), "sort": "id asc",
                                    **params}).json()
        assert body["success"], body.get("error")
        found.extend(body["result"]["results"])
        if not body["result"]["results"] or len(found) >= body["result"]["count"]:
            return found


@pytest.fixture(scope="module")
def private_dataset(portal) -> Iterator[dict[str, Any]]:
    """A private dataset on the portal: no aggregator may get it. Purged afterwards."""
    org = api(portal, "organization_list")[0]
    tag = uuid.uuid4().hex[:8]
    dataset = api(portal, "package_create", token(portal), title=f"非公開の確認用データセット {tag}",
                  title_en=f"Private aggregator check {tag}", notes="ハーベストされてはならない非公開データセット。",
                  owner_org=org, category="その他", license_id="cc-by", private="true")
    assert dataset["private"] is True
    yield dataset
    api(portal, "dataset_purge", token(portal), id=dataset["id"])


@pytest.fixture(scope="module")
def public(portal, private_dataset) -> dict[str, dict[str, Any]]:
    """The portal's public datasets, as an anonymous client's package_search shows them, by id."""
    datasets = {d["id"]: d for d in _search_all(portal["url"])}
    assert private_dataset["id"] not in datasets
    assert len(datasets) > 40, f"the portal's demo catalog should have its ~49 public datasets: {len(datasets)}"
    return datasets


def portal_keys(portal_url: str, dataset: dict[str, Any]) -> set[str]:
    """What a harvested record may name its portal dataset by: id, name or DCAT URI."""
    return {dataset["id"], dataset["name"], f"{portal_url}/dataset/{dataset['id']}",
            f"{portal_url}/dataset/{dataset['name']}"}


def extras(dataset: dict[str, Any]) -> dict[str, str]:
    """The aggregator's extras of a dataset, without those the harvest plugin adds."""
    return {e["key"]: e["value"] for e in dataset.get("extras") or [] if e["key"] not in HARVEST_EXTRAS}


def record_keys(kind: str, dataset: dict[str, Any]) -> list[str]:
    """How an aggregator's record points back to its portal dataset."""
    if kind == "ckan":  # ckanext-harvest's CKAN harvester keeps the remote id and name
        return [dataset["id"], dataset["name"]]
    found = extras(dataset)  # ckanext-dcat: the dataset's URI (and dct:identifier)
    return [found[k] for k in ("uri", "guid", "identifier") if found.get(k)]


# -- the harvests --------------------------------------------------------------

@dataclass
class Run:
    first: HarvestReport
    second: HarvestReport
    after_first: list[dict[str, Any]]
    after_second: list[dict[str, Any]]
    # Public datasets the portal itself changed between the two runs (its
    # worker's jobs on a portal just brought up: DataStore loads, validation):
    # an aggregator rightly updates those.
    changed_on_portal: set[str]


def _portal_state(portal_url: str) -> dict[str, str]:
    return {d["id"]: d["metadata_modified"] for d in _search_all(portal_url, fl="id,metadata_modified")}


@pytest.fixture(scope="module")
def runs(portal, aggregator: StockAggregator, private_dataset, public,
         aggregator_artifacts: Path) -> dict[str, Run]:
    """Each source harvested twice; the reports and what the aggregator held after each run."""
    done: dict[str, Run] = {}
    started = time.monotonic()
    for kind in KINDS:
        before = _portal_state(portal["url"])
        first = aggregator.harvest(kind)
        after_first = aggregator.datasets(kind)
        second = aggregator.harvest(kind)
        after_second = aggregator.datasets(kind)
        after = _portal_state(portal["url"])
        done[kind] = Run(first, second, after_first, after_second,
                         {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)})
    (aggregator_artifacts / "harvest-reports.json").write_text(json.dumps({
        "aggregator_setup_seconds": aggregator.timings,
        "harvests_seconds": round(time.monotonic() - started, 1),
        **{kind: {"first": asdict(run.first), "second": asdict(run.second),
                  "changed_on_portal_between_runs": sorted(run.changed_on_portal)}
           for kind, run in done.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")
    return done


@dataclass
class Harvested:
    """The aggregator's records of one source, matched with the portal's datasets."""
    kind: str
    run: Run
    pairs: list[tuple[dict[str, Any], dict[str, Any]]]     # (portal dataset, aggregator record)
    missing: list[dict[str, Any]]                           # public portal datasets with no record
    strays: list[dict[str, Any]]                            # records of no public portal dataset


def match(portal_url: str, public: dict[str, dict[str, Any]], kind: str,
          records: list[dict[str, Any]]) -> tuple[list, list, list]:
    index = {key: d for d in public.values() for key in portal_keys(portal_url, d)}
    pairs, strays, seen = [], [], set()
    for record in records:
        source = next((index[k] for k in record_keys(kind, record) if k in index), None)
        if source is None:
            strays.append(record)
        else:
            pairs.append((source, record))
            seen.add(source["id"])
    return pairs, [d for d in public.values() if d["id"] not in seen], strays


@pytest.fixture(scope="module", params=KINDS)
def harvested(request, portal, public, runs) -> Harvested:
    kind = request.param
    run = runs[kind]
    return Harvested(kind, run, *match(portal["url"], public, kind, run.after_second))


def label(dataset: dict[str, Any]) -> str:
    return f"{dataset['name']} 「{dataset['title']}」"


def errors_of(report: HarvestReport, portal_url: str, dataset: dict[str, Any]) -> list[str]:
    keys = portal_keys(portal_url, dataset)
    return [m for guid, ms in report.object_errors.items() if guid in keys for m in ms]


def fail_listing(what: str, problems: list[str], total: int | None = None) -> None:
    """Fails with one line per problem ("dataset | field | what"), after a count per field."""
    if not problems:
        return
    by_field = Counter(p.split(" | ")[1] for p in problems if p.count(" | ") >= 2)
    head = f"{what}: {len(problems)} problems" + (f" in {total} datasets" if total else "")
    if any(by_field):
        head += " (" + ", ".join(f"{f}: {n}" for f, n in by_field.most_common()) + ")"
    shown = "\n  ".join(problems[:SHOWN])
    more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    pytest.fail(f"{head}\n  {shown}{more}", pytrace=False)


# -- every public dataset, nothing else ---------------------------------------

def test_first_harvest_has_no_errors(harvested: Harvested, public):
    report = harvested.run.first
    problems = [f"gather | {e[:500]}" for e in report.gather_errors]
    problems += [f"{guid} | {m[:500]}" for guid, ms in report.object_errors.items() for m in ms]
    fail_listing(f"first harvest through {harvested.kind}: {report.counts}", problems)
    assert report.added == len(public), report.summary()


def test_every_public_dataset_arrives_and_nothing_else(harvested: Harvested, portal, private_dataset):
    problems = []
    for dataset in harvested.missing:
        why = errors_of(harvested.run.first, portal["url"], dataset) or ["(no error recorded)"]
        problems.append(f"{label(dataset)} | missing | {why[0][:300]}")
    for record in harvested.strays:
        problems.append(f"{label(record)} | not a public dataset of the portal | id {record['id']}, "
                        f"keys {record_keys(harvested.kind, record)}")
    names = {private_dataset["id"], private_dataset["name"], private_dataset["title"]}
    for record in harvested.run.after_second:
        if names & {record["id"], record["name"], record["title"], *record_keys(harvested.kind, record)}:
            problems.append(f"{label(record)} | the portal's private dataset arrived")
    fail_listing(f"{harvested.kind}: {len(harvested.pairs)} of {len(harvested.pairs) + len(harvested.missing)} "
                 "public datasets arrived", problems)


# -- what each dataset keeps ---------------------------------------------------

def _tags(dataset: dict[str, Any]) -> set[str]:
    return {t["name"] for t in dataset.get("tags") or []}


def _resources(dataset: dict[str, Any]) -> list[tuple[str, str]]:
    resources = sorted(dataset.get("resources") or [], key=lambda r: r.get("position") or 0)
    return [(r.get("name") or "", r.get("url") or "") for r in resources]


def test_title_notes_tags_licence_and_resources(harvested: Harvested):
    """Title and notes as on the portal (Japanese), the same tags, the portal's
    licence id with ``isopen`` true on the aggregator (its own licence list), and
    the resources with their names and URLs in the portal's order."""
    problems = []
    for source, record in harvested.pairs:
        where = label(source)
        for field in ("title", "notes"):
            if (record.get(field) or "") != (source.get(field) or ""):
                problems.append(f"{where} | {field} | portal {source.get(field)!r}, aggregator {record.get(field)!r}")
        lost, added = _tags(source) - _tags(record), _tags(record) - _tags(source)
        if lost or added:
            problems.append(f"{where} | tags | lost {sorted(lost)}, added {sorted(added)}")
        if source.get("license_id") in STOCK_LICENSES:
            if record.get("license_id") != source.get("license_id"):
                problems.append(f"{where} | license_id | portal {source.get('license_id')!r}, "
                                f"aggregator {record.get('license_id')!r}")
            if record.get("isopen") is not True:
                problems.append(f"{where} | isopen | aggregator {record.get('isopen')!r} for licence "
                                f"{record.get('license_id')!r} ({record.get('license_title')!r}, "
                                f"url {record.get('license_url')!r})")
        else:
            # A Japanese licence CKAN's list lacks (PDL-1.0): its URL must arrive,
            # as an extra (CKAN API) or as each file's licence (DCAT).
            urls = ([extras(record).get("license_url")] if harvested.kind == "ckan"
                    else [r.get("license") for r in record.get("resources") or []])
            if not urls or any(url != source.get("license_url") for url in urls):
                problems.append(f"{where} | license_url | portal {source.get('license_url')!r}, "
                                f"aggregator {urls!r}")
        if _resources(record) != _resources(source):
            problems.append(f"{where} | resources | portal {[n for n, _ in _resources(source)]}, "
                            f"aggregator {[n for n, _ in _resources(record)]}"
                            + ("" if [n for n, _ in _resources(record)] != [n for n, _ in _resources(source)]
                               else " (same names, other URLs)"))
    fail_listing(harvested.kind, problems, len(harvested.pairs))


def test_department(harvested: Harvested):
    """The department (the portal's organization) survives: on the CKAN path as
    the record's organization, author/maintainer or an extra naming it; on the
    DCAT path as ckanext-dcat's publisher fields, one publisher URI per
    department."""
    problems = []
    uris: dict[str, set[str]] = defaultdict(set)
    for source, record in harvested.pairs:
        department = (source.get("organization") or {}).get("title") or ""
        found = extras(record)
        if harvested.kind == "ckan":
            places = [(record.get("organization") or {}).get("title"), record.get("author"),
                      record.get("maintainer"), *found.values()]
            if not any(department and department in (p or "") for p in places):
                problems.append(f"{label(source)} | department | {department!r} not in the record "
                                f"(organization {(record.get('organization') or {}).get('title')!r}, "
                                f"extras {sorted(found)})")
        else:
            if department not in found.get("publisher_name", ""):
                problems.append(f"{label(source)} | publisher_name | {department!r} not in "
                                f"{found.get('publisher_name')!r}")
            if not found.get("publisher_uri"):
                problems.append(f"{label(source)} | publisher_uri | missing")
            else:
                uris[found["publisher_uri"]].add(department)
    for uri, departments in uris.items():
        if len(departments) > 1:
            problems.append(f"{uri} | publisher_uri | one URI for several departments {sorted(departments)}")
    by_department = defaultdict(set)
    for uri, departments in uris.items():
        for department in departments:
            by_department[department].add(uri)
    for department, several in by_department.items():
        if len(several) > 1:
            problems.append(f"{department} | publisher_uri | several URIs {sorted(several)}")
    fail_listing(harvested.kind, problems, len(harvested.pairs))


def _same(value: Any, extra: str | None) -> bool:
    """An extra holds a ward field's value: the string itself, or its JSON."""
    if extra is None:
        return False
    if isinstance(value, str):
        return extra == value
    try:
        return json.loads(extra) == value
    except ValueError:
        return False


def test_ward_fields_reach_a_stock_ckan_as_extras(portal, public, runs):
    """CKAN path: every ward field with a value on the portal is an extra of the
    same name on the aggregator, holding the value (strings as they are, lists
    and objects as JSON)."""
    pairs, _, _ = match(portal["url"], public, "ckan", runs["ckan"].after_second)
    problems = []
    for source, record in pairs:
        found = extras(record)
        for field in WARD_FIELDS:
            value = source.get(field)
            if value in (None, "", [], {}):
                continue
            if field not in found:
                problems.append(f"{label(source)} | {field} | lost (portal {value!r})")
            elif not _same(value, found[field]):
                problems.append(f"{label(source)} | {field} | portal {value!r}, extra {found[field]!r}")
    fail_listing(f"ckan: ward fields {WARD_FIELDS}", problems, len(pairs))


def _dcat_pairs(portal, public, runs):
    pairs, _, _ = match(portal["url"], public, "dcat_rdf", runs["dcat_rdf"].after_second)
    return pairs


def _list(extra: str | None) -> list[str]:
    try:
        value = json.loads(extra) if extra else []
    except ValueError:
        return [extra]
    return value if isinstance(value, list) else [value]


def test_categories_arrive_as_dcat_themes(portal, public, runs):
    """DCAT path: the 分類 is a dcat:theme (the EU data theme it maps to, and one
    URI of the ward's category vocabulary per category), not a keyword."""
    eu = {c["value"]: EU_THEME + c["eu_theme"] for c in vocab.categories() if c.get("eu_theme")}
    values = {c["value"] for c in vocab.categories()}
    problems = []
    ward_uris: dict[str, set[str]] = defaultdict(set)
    pairs = _dcat_pairs(portal, public, runs)
    for source, record in pairs:
        category = source.get("category")
        themes = _list(extras(record).get("theme"))
        if category in eu and eu[category] not in themes:
            problems.append(f"{label(source)} | theme (EU) | {eu[category]} missing from {themes}")
        own = [t for t in themes if not t.startswith(EU_THEME)]
        if not own:
            problems.append(f"{label(source)} | theme (ward category) | no URI for {category!r} in {themes}")
        ward_uris[category].update(own)
        as_tags = _tags(record) & values
        if as_tags:
            problems.append(f"{label(source)} | keyword | category sent as tag {sorted(as_tags)}")
    for category, uris in ward_uris.items():
        if len(uris) > 1:
            problems.append(f"{category} | theme (ward category) | several URIs {sorted(uris)}")
    seen: dict[str, str] = {}
    for category, uris in ward_uris.items():
        for uri in uris:
            if uri in seen and seen[uri] != category:
                problems.append(f"{uri} | theme (ward category) | for both {seen[uri]} and {category}")
            seen[uri] = category
    fail_listing("dcat_rdf", problems, len(pairs))


def test_ward_fields_arrive_as_dcat_properties(portal, public, runs):
    """DCAT path: the ward fields that DCAT-AP has a property for, as ckanext-dcat
    stores them on a stock CKAN: issued, modified, frequency
    (dct:accrualPeriodicity), language, contact (the first, as a stock CKAN
    keeps one contact point), spatial coverage (the first area, as it keeps one
    spatial text), the standard dataset (dct:conformsTo), temporal coverage.
    (title_en and notes_en: a stock CKAN has no field for a second language;
    frequency_note and source_system: no DCAT-AP property a stock parser reads.)"""
    problems = []
    pairs = _dcat_pairs(portal, public, runs)
    for source, record in pairs:
        found = extras(record)
        where = label(source)

        def expect(field: str, ok: bool, got: Any) -> None:
            if not ok:
                problems.append(f"{where} | {field} | portal {source.get(field)!r}, aggregator {got!r}")

        for field in ("issued", "modified"):
            if source.get(field):
                expect(field, (found.get(field) or "").startswith(source[field]), found.get(field))
        if source.get("frequency"):
            expect("frequency", found.get("frequency") == source["frequency"], found.get("frequency"))
        if source.get("language"):
            expect("language", set(_list(found.get("language"))) == set(source["language"]),
                   found.get("language"))
        # A stock CKAN keeps one contact point and one dct:spatial, the first
        # its parser meets: the portal's first (the catalog keeps their order).
        contacts = source.get("contact") or []
        if contacts:
            expect("contact", contacts[0].get("name", "") == (found.get("contact_name") or "")
                   and contacts[0].get("email", "") in (found.get("contact_email") or ""),
                   {k: v for k, v in found.items() if k.startswith("contact_")})
        areas = [a.get("text") or "" for a in source.get("spatial_coverage") or []]
        if areas:
            expect("spatial_coverage", areas[0] == (found.get("spatial_text") or ""), found.get("spatial_text"))
        if source.get("standard_dataset"):
            code = source["standard_dataset"]
            expect("standard_dataset", any(c.rstrip("/").endswith(("#" + code, "/" + code))
                                           for c in _list(found.get("conforms_to"))), found.get("conforms_to"))
        periods = source.get("temporal_coverage") or []
        if periods and periods[0].get("start"):
            expect("temporal_coverage", (found.get("temporal_start") or "").startswith(periods[0]["start"]),
                   found.get("temporal_start"))
    fail_listing("dcat_rdf", problems, len(pairs))


# -- the second harvest ----------------------------------------------------------

def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two states of one record, but what every write
    changes (timestamps, the harvest object's id)."""
    skip = {"metadata_modified", "harvest_object_id"}
    out = []
    for key in sorted(before.keys() | after.keys()):
        if key in skip or before.get(key) == after.get(key):
            continue
        if key == "extras":
            old = {e["key"]: e["value"] for e in before.get("extras") or [] if e["key"] not in skip}
            new = {e["key"]: e["value"] for e in after.get("extras") or [] if e["key"] not in skip}
            out += [f"extra {k}: {old.get(k)!r} -> {new.get(k)!r}" for k in sorted(old.keys() | new.keys())
                    if old.get(k) != new.get(k)]
        elif key == "resources":
            old_r = {r["id"]: r for r in before.get("resources") or []}
            new_r = {r["id"]: r for r in after.get("resources") or []}
            if list(old_r) != list(new_r):
                out.append(f"resources: {[r.get('name') for r in old_r.values()]} -> "
                           f"{[r.get('name') for r in new_r.values()]}")
            for rid in old_r.keys() & new_r.keys():
                out += [f"resource {old_r[rid].get('name')!r} {k}: {old_r[rid].get(k)!r} -> {new_r[rid].get(k)!r}"
                        for k in sorted(old_r[rid].keys() | new_r[rid].keys())
                        if k not in skip and old_r[rid].get(k) != new_r[rid].get(k)]
        else:
            out.append(f"{key}: {before.get(key)!r} -> {after.get(key)!r}")
    return out


def test_second_harvest_changes_nothing(harvested: Harvested, portal, public):
    """No dataset added or deleted, no error, and every record the same as after
    the first run. Through the CKAN API nothing is even rewritten (each is "not
    modified", or not asked for: the harvester asks only for what changed since
    its last run); ckanext-dcat 2.4.4's harvester rewrites every record it finds
    (package_update, counted "updated"), so there the records must be equal.
    Datasets the portal itself changed between the runs are left out."""
    run, report = harvested.run, harvested.run.second
    problems = []
    if report.added or report.deleted:
        problems.append(f"counts | {report.counts}")
    index = {key: d["id"] for d in public.values() for key in portal_keys(portal["url"], d)}
    if harvested.kind == "ckan":
        updated = [o["guid"] for o in report.objects if o["report_status"] == "updated"]
        for guid in updated:
            if index.get(guid) not in run.changed_on_portal:
                problems.append(f"{guid} | updated | unchanged on the portal, updated on the aggregator")
    before = {r["id"]: r for r in run.after_first}
    after = {r["id"]: r for r in run.after_second}
    for gone in before.keys() - after.keys():
        problems.append(f"{label(before[gone])} | removed | by the second run")
    for new in after.keys() - before.keys():
        problems.append(f"{label(after[new])} | added | by the second run")
    for id_ in before.keys() & after.keys():
        source = next((index[k] for k in record_keys(harvested.kind, after[id_]) if k in index), None)
        if source in run.changed_on_portal:
            continue
        for change in _changes(before[id_], after[id_]):
            problems.append(f"{label(after[id_])} | changed | {change}")
    problems += [f"error | {e[:300]}" for e in report.errors]
    fail_listing(f"second harvest through {harvested.kind} ({report.counts}; "
                 f"{len(run.changed_on_portal)} datasets changed on the portal meanwhile, left out)", problems)


# -- ckanapi ------------------------------------------------------------------

def test_ckanapi_dump_gets_exactly_the_public_datasets(portal, public, tmp_path):
    """``ckanapi dump datasets --all`` (what aggregators and mirrors script
    with) against the portal, anonymous: the public datasets, not the harvest
    source packages."""
    out = tmp_path / "datasets.jsonl"
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "ckanapi"), "dump", "datasets", "--all", "-q",
                           "-r", portal["url"], "-O", str(out)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    dumped = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {d["id"]: d for d in dumped}
    problems = [f"{d['name']} | type {d.get('type')!r} | not a public dataset" for d in dumped
                if d["id"] not in public]
    problems += [f"{label(public[i])} | missing from the dump" for i in public.keys() - by_id.keys()]
    fail_listing(f"ckanapi dump: {len(dumped)} records, {len(public)} public datasets", problems)


# -- paging ---------------------------------------------------------------------

PAGE_SIZE = 100   # the portal's ckanext.dcat.datasets_per_page (ckanext-dcat's default)
AT_LEAST = 250    # public datasets during the paged harvest: 3 pages


def _catalog_page(portal_url: str, page: int = 1) -> Graph:
    answer = requests.get(f"{portal_url}/catalog.ttl", params={"page": page}, timeout=120)
    answer.raise_for_status()
    return Graph().parse(data=answer.text, format="turtle")


@pytest.fixture()
def many_public_datasets(portal, public) -> Iterator[dict[str, dict[str, Any]]]:
    """The portal with at least 250 public datasets (small ones added through
    its Action API, 4 at a time, purged afterwards); yields them all by id."""
    org = api(portal, "organization_list")[0]
    tag = uuid.uuid4().hex[:6]

    def create(n: int) -> dict[str, Any]:
        return api(portal, "package_create", token(portal), name=f"paging-{tag}-{n:03d}",
                   title=f"ページ送り確認用データセット {n:03d}", notes="ページ送りの確認用。", owner_org=org,
                   category="その他", license_id="cc-by")

    with ThreadPoolExecutor(4) as pool:
        added = list(pool.map(create, range(AT_LEAST - len(public))))
    try:
        yield {**public, **{d["id"]: d for d in added}}
    finally:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda d: api(portal, "dataset_purge", token(portal), id=d["id"]), added))


def test_dcat_harvester_follows_hydra_paging(portal, many_public_datasets, aggregator: StockAggregator, runs):
    """250 public datasets, 100 a page (as the portal serves its catalog): the
    first page names a hydra:nextPage, and the DCAT harvester's gather stage
    finds every public dataset across the 3 pages. (Gather only: importing
    is what the runs above test.)"""
    everything = many_public_datasets
    assert len(everything) >= AT_LEAST
    first_page = _catalog_page(portal["url"])
    assert len(set(first_page.subjects(RDF.type, DCAT.Dataset))) == PAGE_SIZE
    assert list(first_page.objects(None, HYDRA.nextPage)), "the catalog's first page names no hydra:nextPage"
    report = aggregator.harvest("dcat_rdf", gather_only=True)
    index = {key: d["id"] for d in everything.values() for key in portal_keys(portal["url"], d)}
    found = {index[g] for g in report.gathered if g in index}
    problems = [f"{label(everything[i])} | not gathered" for i in everything.keys() - found]
    problems += [f"gather | {e[:300]}" for e in report.gather_errors]
    fail_listing(f"paged harvest ({PAGE_SIZE} a page): {len(found)} of {len(everything)} public datasets "
                 f"gathered", problems)
