"""DCAT-AP output of the demo catalog: SHACL-valid, paginated, parseable."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, FOAF, RDF

from ckan.tests import helpers
from ckanext.dcat.processors import RDFParser, RDFSerializer


SHAPES = Path(__file__).resolve().parents[6] / "shared" / "standards" / "dcat-ap" / "3.0.0" / "shacl" / "dcat-ap-SHACL.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
PROFILES = ["euro_dcat_ap_3", "nakano"]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


@pytest.fixture()
def demo(demo_catalog, with_plugins):
    """The demo catalog, loaded once for the module (its tests only read it)."""
    return helpers.call_action("package_search", rows=100)["results"]


def violations(data: Graph, shapes: Graph) -> list[str]:
    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none",
                                        allow_warnings=True, advanced=True)
    found = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        found.append(f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                     f"{report.value(result, SH.resultMessage)}")
    return found


def test_every_demo_dataset_is_valid_dcat_ap_3(demo, shapes):
    assert len(demo) == 46
    serializer = RDFSerializer(profiles=PROFILES)
    for dataset in demo:
        serializer.graph_from_dataset(dataset)
    problems = violations(serializer.g, shapes)
    kinds = Counter(p.split(" ", 1)[1] for p in problems)  # per path and message
    assert problems == [], "\n".join(f"{n}× {k}" for k, n in kinds.most_common())


def test_ward_fields_are_mapped(demo):
    hospital = helpers.call_action("package_show", id="t131148d0000000014")
    serializer = RDFSerializer(profiles=PROFILES)
    ref = serializer.graph_from_dataset(hospital)
    g = serializer.g
    assert URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL_2") in set(
        g.objects(ref, DCT.accrualPeriodicity))
    assert URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL") in set(g.objects(ref, DCAT.theme))
    conforms = {str(o) for o in g.objects(ref, DCT.conformsTo)}
    assert any(c.endswith("#hospital") for c in conforms)
    publisher = g.value(ref, DCT.publisher)
    assert {str(n) for n in g.objects(publisher, FOAF.name)} >= {"中野区健康福祉部"}
    license_ = {str(o) for o in g.objects(ref, DCT.license)} | {
        str(o) for d in g.objects(ref, DCAT.distribution) for o in g.objects(d, DCT.license)}
    assert "https://creativecommons.org/licenses/by/4.0/deed.ja" in license_
    assert g.value(ref, DCAT.contactPoint) is not None
    assert URIRef("http://publications.europa.eu/resource/authority/language/JPN") in set(g.objects(ref, DCT.language))


def test_catalog_endpoint_is_paginated(app, demo, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.dcat.datasets_per_page", 20)
    first = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    assert len(set(first.subjects(RDF.type, DCAT.Dataset))) == 20
    third = Graph().parse(data=app.get("/catalog.ttl?page=3").body, format="turtle")
    assert len(set(third.subjects(RDF.type, DCAT.Dataset))) == 6
    for fmt, mime in (("rdf", "application/rdf+xml"), ("jsonld", "application/ld+json")):
        response = app.get(f"/catalog.{fmt}")
        assert response.status_code == 200 and mime in response.headers["Content-Type"]
    one = app.get("/dataset/t131148d0000000013.ttl")
    assert "AED" in one.body


def test_catalog_round_trips_through_ckanext_dcat_parser(demo):
    serializer = RDFSerializer(profiles=PROFILES)
    turtle = serializer.serialize_catalog({}, dataset_dicts=demo, _format="turtle")
    parser = RDFParser(profiles=PROFILES)
    parser.parse(turtle, _format="turtle")
    parsed = {d["title"]: d for d in parser.datasets()}
    assert len(parsed) == len({d["title"] for d in demo})
    original = helpers.call_action("package_show", id="t131148d0000000013")
    back = parsed[original["title"]]
    assert back["notes"] == original["notes"]
    assert back["category"] == original["category"]
    assert back["standard_dataset"] == "aed"
    assert back["frequency"] == original["frequency"]
    assert {t["name"] for t in back["tags"]} >= {"自治体標準ODS", "AED設置箇所"}
    assert {c["name"] for c in back["contact"]} == {c["name"] for c in original["contact"]}


def test_dataset_page_embeds_schema_org_json_ld(app, demo):
    page = app.get("/dataset/t131148d0000000013").body
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block, "no JSON-LD block on the dataset page"
    g = Graph().parse(data=block.group(1), format="json-ld")
    SDO = Namespace("http://schema.org/")
    datasets = set(g.subjects(RDF.type, SDO.Dataset))
    assert len(datasets) == 1
    assert str(g.value(datasets.pop(), SDO.name)) == "AED設置箇所一覧"
