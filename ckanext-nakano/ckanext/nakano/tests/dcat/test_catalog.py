"""The whole catalog as /catalog.ttl serves it — the demo catalog (links and
uploaded sample files), files harvested from a department's folder, datasets
harvested from another catalog's DCAT with checksums and odd format labels,
and the MD5 that xloader stores on every file it loads — validates against the
DCAT-AP 3.0.0 SHACL shapes with 0 violations."""
from __future__ import annotations

import hashlib
import shutil
from collections import Counter

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, RDF

from ckan.tests import helpers

from ckanext.nakano.demo.loader import load_demo

from ..harvest.conftest import admin_context, declare, departments, http_share, run, share, stored_bytes  # noqa: F401
from .test_profiles import shapes, violations  # noqa: F401

pytestmark = pytest.mark.usefixtures("with_plugins")

SPDX = Namespace("http://spdx.org/rdf/terms#")
JPN = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
PDL = URIRef("https://www.digital.go.jp/resources/open_data/public_data_license_v1.0")

# Another municipality's catalog as its DCAT endpoint publishes it: real files
# (served by the loopback server beside it), checksums named in words or as
# SPDX IRIs, a digest with its algorithm as prefix, and format labels that
# name no single format.
NEIGHBOUR_TTL = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{base}catalog> a dcat:Catalog ;
    dct:title "焼津市オープンデータ"@ja ;
    dcat:dataset <{base}dataset/aed>, <{base}dataset/toilet> .

<{base}dataset/aed> a dcat:Dataset ;
    dct:identifier "yaizu-aed" ;
    dct:title "AED設置箇所一覧（焼津市）"@ja ;
    dct:description "焼津市のAED設置箇所"@ja ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcat:distribution <{base}dist/aed-csv>, <{base}dist/aed-pdf> .

<{base}dist/aed-csv> a dcat:Distribution ;
    dct:title "AED CSV"@ja ;
    dct:format "CSV" ;
    dcat:accessURL <{base}aed.csv> ;
    dcat:downloadURL <{base}aed.csv> ;
    spdx:checksum [ a spdx:Checksum ;
        spdx:algorithm "SHA-256" ;
        spdx:checksumValue "{aed_sha256}"^^xsd:hexBinary ] .

<{base}dist/aed-pdf> a dcat:Distribution ;
    dct:title "AED 一覧表"@ja ;
    dct:format "PDF, CSV" ;
    dcat:accessURL <{base}aed-list.pdf> .

<{base}dataset/toilet> a dcat:Dataset ;
    dct:identifier "yaizu-toilet" ;
    dct:title "公衆トイレ一覧（焼津市）"@ja ;
    dct:description "焼津市の公衆トイレ"@ja ;
    dcat:distribution <{base}dist/toilet> .

<{base}dist/toilet> a dcat:Distribution ;
    dct:title "公衆トイレ"@ja ;
    dct:format "Excel 2016" ;
    dcat:accessURL <{base}toilet.csv> ;
    spdx:checksum [ a spdx:Checksum ;
        spdx:algorithm spdx:checksumAlgorithm_sha1 ;
        spdx:checksumValue "{toilet_sha1}"^^xsd:hexBinary ] .
"""


@pytest.fixture()
def catalog(departments, declare, http_share, share, shared_dir, ckan_config, monkeypatch, tmp_path, clean_index):
    """Demo catalog + a folder harvest + a DCAT harvest, then xloader's hashes."""
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))
    load_demo()
    yaizu = shared_dir / "data" / "municipal-csv" / "yaizu-222127"
    folder = share / "folder"
    folder.mkdir()
    shutil.copy(yaizu / "222127_kyuugosho-64302.csv", folder / "救護所一覧.csv")  # CP932
    shutil.copy(shared_dir / "data" / "municipal-csv" / "takamatsu-372013" / "0099.xlsx", folder / "一覧.xlsx")
    result = run(declare(type="folder", url=folder.as_uri(), defaults={"license_id": "cc-by"}))
    assert result.counts == {"added": 2}, result.errors

    base, _switches = http_share
    aed, toilet = (yaizu / "222127_aed.csv").read_bytes(), (yaizu / "222127_public_toilet.csv").read_bytes()
    (share / "aed.csv").write_bytes(aed)
    (share / "toilet.csv").write_bytes(toilet)
    (share / "catalog.ttl").write_text(NEIGHBOUR_TTL.format(
        base=base, aed_sha256=hashlib.sha256(aed).hexdigest(), toilet_sha1=hashlib.sha1(toilet).hexdigest()),
        encoding="utf-8")
    result = run(declare(type="dcat", url=base + "catalog.ttl", allow_private=True, department="kyoiku-iinkai",
                         config={"rdf_format": "text/turtle"}))
    assert result.counts == {"added": 2}, result.errors

    # What xloader writes on each file it loads: the MD5 of the bytes, no algorithm named.
    datasets = helpers.call_action("package_search", rows=1000, include_private=True)["results"]
    for dataset in datasets:
        for resource in dataset["resources"]:
            if resource.get("url_type") == "upload":
                digest = hashlib.md5(stored_bytes(resource)).hexdigest()
                helpers.call_action("resource_patch", context=admin_context(), id=resource["id"], hash=digest)
    return helpers.call_action("package_search", rows=1000)["results"]


def test_whole_catalog_is_valid_dcat_ap_3(app, catalog, shapes):
    served = app.get("/catalog.ttl")
    assert served.status_code == 200
    g = Graph().parse(data=served.body, format="turtle")
    datasets = set(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == len(catalog) >= 46 + 2 + 2
    sums = list(g.objects(None, SPDX.checksum))
    assert len(sums) >= 14 + 2, "the uploads' and the harvested checksums are in the catalog"

    problems = violations(g, shapes)
    kinds = Counter(p.split(" ", 1)[1] for p in problems)
    assert problems == [], "\n".join(f"{n}× {k}" for k, n in kinds.most_common())

    for checksum in sums:
        assert g.value(checksum, SPDX.algorithm) is not None
    algorithms = {str(g.value(c, SPDX.algorithm)).rsplit("_", 1)[-1] for c in sums}
    assert {"md5", "sha256", "sha1"} <= algorithms
    catalog_ref = next(iter(g.subjects(RDF.type, DCAT.Catalog)))
    assert list(g.objects(catalog_ref, DCT.language)) == [JPN]
    assert (g.value(catalog_ref, FOAF.homepage), RDF.type, FOAF.Document) in g


def test_one_publisher_node_per_department(app, catalog):
    g = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    agents = {a for a in g.subjects(RDF.type, FOAF.Agent)}
    organizations = {str(a) for a in agents if "/organization/" in str(a)}
    used = {o["organization"]["name"] for o in catalog if o.get("organization")}
    assert {o.rsplit("/", 1)[-1] for o in organizations} == used
    publishers = {str(p) for p in g.objects(None, DCT.publisher)}
    assert organizations <= publishers, "no department node left over without a dataset"


def test_sample_file_has_its_own_licence(app, catalog):
    aed = helpers.call_action("package_show", id="t131148d0000000013")
    sample = next(r for r in aed["resources"] if r.get("url_type") == "upload")
    assert "Public Data License v1.0" in sample["description"] and sample["license"] == "PDL-1.0"
    g = Graph().parse(data=app.get("/dataset/t131148d0000000013.ttl").body, format="turtle")
    distributions = {str(d): d for d in g.objects(None, DCAT.distribution)}
    licences = {d: set(g.objects(ref, DCT.license)) for d, ref in distributions.items()}
    sample_ref = next(d for d in distributions if d.endswith(sample["id"]))
    assert licences.pop(sample_ref) == {PDL}
    assert licences and all(PDL not in found for found in licences.values()), "the ward's files stay CC BY"
