"""Any value a user can save serializes, and one dataset never takes the
catalog down: formats such as 「Excel 2016」 or 「PDF, CSV」, a stored URL with
a space, a search Solr cannot parse."""
from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF, RDFS

from ckan import model
from ckan.lib.search import rebuild
from ckan.tests import factories, helpers

SHAPES = Path(__file__).resolve().parents[6] / "shared" / "standards" / "dcat-ap" / "3.0.0" / "shacl" / "dcat-ap-SHACL.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FORMATS = ["Excel 2016", "PDF, CSV", "ＣＳＶ", "csv (shift_jis)", "Shape file <zip>", "{}", '"quoted"', "a b c"]


@pytest.fixture()
def dataset(clean_db, clean_index):
    user = factories.Sysadmin()
    org = factories.Organization()
    ctx = {"user": user["name"]}
    pkg = helpers.call_action("package_create", context=ctx, name="formats-of-all-kinds", title="形式いろいろ",
                              notes="形式の試験", owner_org=org["id"], category="その他", license_id="cc-by")
    for n, fmt in enumerate(FORMATS):
        helpers.call_action("resource_create", context=ctx, package_id=pkg["id"], name=f"r{n}", format=fmt,
                            url=f"https://example.org/r{n}.bin", mimetype="text/csv; charset=Shift_JIS")
    return helpers.call_action("package_show", id=pkg["id"])


def test_every_format_a_clerk_writes_serializes_in_every_syntax(app, dataset):
    for suffix, syntax in (("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")):
        answer = app.get(f"/dataset/{dataset['name']}.{suffix}")
        assert answer.status_code == 200, (suffix, answer.body[:500])
        g = Graph().parse(data=answer.body, format=syntax)
        formats = list(g.objects(None, DCT.format))
        assert URIRef(FILE_TYPE + "XLSX") in formats and URIRef(FILE_TYPE + "CSV") in formats
        labels = {str(g.value(f, RDFS.label)) for f in formats if not isinstance(f, URIRef)}
        assert {"PDF, CSV", "{}", '"quoted"'} <= labels
        assert all((f, RDF.type, DCT.MediaTypeOrExtent) in g for f in formats)
        assert set(g.objects(None, DCAT.mediaType)) == {URIRef("https://www.iana.org/assignments/media-types/text/csv")}


def test_the_result_is_still_dcat_ap_3(dataset):
    from ckanext.dcat.processors import RDFSerializer

    serializer = RDFSerializer(profiles=["euro_dcat_ap_3", "nakano"])
    serializer.graph_from_dataset(dataset)
    shapes = Graph().parse(SHAPES, format="turtle")
    _conforms, report, _text = validate(serializer.g, shacl_graph=shapes, inference="none", allow_warnings=True,
                                        advanced=True)
    problems = [str(report.value(r, SH.resultMessage)) for r in report.subjects(SH.resultSeverity, SH.Violation)]
    assert problems == []


def test_a_stored_url_with_a_space_is_encoded_not_fatal(app, dataset):
    resource = dataset["resources"][0]
    # As data written before URLs were checked (or by a harvester that did not).
    model.Session.execute(model.resource_table.update().where(model.resource_table.c.id == resource["id"])
                          .values(url='https://example.org/my file "1".csv'))
    model.Session.commit()
    rebuild(dataset["id"])
    for path in (f"/dataset/{dataset['name']}.ttl", "/catalog.ttl", "/catalog.rdf"):
        answer = app.get(path)
        assert answer.status_code == 200, (path, answer.body[:300])
    assert "my%20file%20%221%22.csv" in app.get(f"/dataset/{dataset['name']}.ttl").body


def test_the_catalog_leaves_out_a_dataset_it_cannot_describe(app, dataset, monkeypatch):
    from ckanext.nakano.dcat.profiles import NakanoDCATProfile

    other = factories.Dataset(owner_org=dataset["owner_org"], category="その他", license_id="cc-by",
                              title="ほかのデータ")
    original = NakanoDCATProfile.graph_from_dataset

    def broken(self, dataset_dict, dataset_ref):
        if dataset_dict["name"] == dataset["name"]:
            raise RuntimeError("a profile that cannot describe this dataset")
        return original(self, dataset_dict, dataset_ref)

    monkeypatch.setattr(NakanoDCATProfile, "graph_from_dataset", broken)
    answer = app.get("/catalog.ttl")
    assert answer.status_code == 200, answer.body[:300]
    assert other["id"] in answer.body and dataset["id"] not in answer.body


def test_a_search_solr_cannot_parse_is_answered(app, dataset):
    assert app.get("/catalog.ttl", query_string={"q": "NOT"}).status_code in (200, 409)
    assert app.get("/catalog.ttl", query_string={"fq": "{!lucene}*:*"}).status_code == 409
