"""What the portal serves so that aggregators lose nothing (issue 17), checked
on the portal itself; tests/aggregator harvests it with a stock CKAN."""
from __future__ import annotations

import json
import uuid

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS as DCT, RDF, SKOS

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

from ckanext.nakano import vocab
from ckanext.nakano.harvest import mapping

from .. import migrations

ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/deed.ja")

pytestmark = pytest.mark.usefixtures("with_plugins")


@pytest.fixture()
def org(clean_db, clean_index):
    return factories.Organization(name="kikaku", title="企画部", title_en="Planning Department")


def _admin() -> dict[str, str]:
    return {"user": factories.Sysadmin()["name"]}


def _dataset(org, **extra):
    fields = {"title": "公衆トイレ一覧", "notes": "区内の公衆トイレ", "category": "社会保障・衛生",
              "license_id": "cc-by", "owner_org": org["id"], "tag_string": "トイレ,公衆便所",
              "frequency_note": "年1回", "contact": [{"name": "企画部企画課", "email": "kikaku@example.jp"},
                                                      {"name": "健康福祉部", "email": "kenko@example.jp"}],
              "spatial_coverage": [{"text": "中野一丁目"}, {"text": "中野二丁目"}]}
    return helpers.call_action("package_create", context=_admin(), **{**fields, **extra})


def _graph(app, name: str) -> Graph:
    answer = app.get(f"/dataset/{name}.ttl")
    assert answer.status_code == 200
    return Graph().parse(data=answer.body, format="turtle")


# -- the CKAN API: ward fields also as extras --------------------------------------

def test_ward_fields_are_also_extras_on_show_and_search(org):
    dataset = _dataset(org)
    shown = helpers.call_action("package_show", id=dataset["id"])
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    assert extras["category"] == "社会保障・衛生" and extras["frequency_note"] == "年1回"
    assert json.loads(extras["contact"]) == shown["contact"]
    assert extras["publisher_name"] == "中野区企画部" and extras["publisher_uri"].endswith("/organization/kikaku")
    assert extras["license_url"] == str(CC_BY)
    found = helpers.call_action("package_search", q=f"id:{dataset['id']}")["results"][0]
    assert {e["key"]: e["value"] for e in found["extras"]} == extras


def test_what_show_gave_can_be_saved_back(org):
    """A client that edits package_show's answer and sends it back (extras
    included) saves it: scheming refuses extras named like its fields, so the
    mirrored ones are taken out, and nothing doubles."""
    dataset = helpers.call_action("package_show", id=_dataset(org)["id"])
    dataset["title"] = "公衆トイレ一覧（改訂）"
    saved = helpers.call_action("package_update", context=_admin(), **dataset)
    assert saved["title"] == "公衆トイレ一覧（改訂）" and saved["contact"] == dataset["contact"]
    assert [e["key"] for e in saved["extras"]].count("category") == 1
    patched = helpers.call_action("package_patch", context=_admin(), id=dataset["id"], frequency_note="毎月")
    assert patched["frequency_note"] == "毎月"
    assert {e["key"]: e["value"] for e in patched["extras"]}["frequency_note"] == "毎月"


def test_a_client_that_speaks_only_extras_sets_the_fields(org):
    created = helpers.call_action("package_create", context=_admin(), title="駐輪場一覧", notes="区の駐輪場",
                                  license_id="cc-by", owner_org=org["id"],
                                  extras=[{"key": "category", "value": "運輸・観光"},
                                          {"key": "contact", "value": json.dumps([{"name": "都市基盤部"}])},
                                          {"key": "publisher_name", "value": "どこか"}])
    assert created["category"] == "運輸・観光" and created["contact"][0]["name"] == "都市基盤部"
    assert {e["key"]: e["value"] for e in created["extras"]}["publisher_name"] == "中野区企画部"


def test_package_list_lists_datasets_not_harvest_sources(org):
    dataset = _dataset(org)
    source = model.Package(name="tokyo-catalog-source", title="東京都カタログ", type="harvest", state="active",
                           private=False)
    model.Session.add(source)
    model.Session.commit()
    assert helpers.call_action("package_list") == [dataset["name"]]


# -- DCAT -------------------------------------------------------------------------------

def test_category_vocabulary_is_published(app):
    answer = app.get("/vocab/categories")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=answer.body, format="turtle")
    scheme = next(iter(g.subjects(RDF.type, SKOS.ConceptScheme)))
    concepts = set(g.objects(scheme, SKOS.hasTopConcept))
    assert len(concepts) == len(vocab.categories()) == 17
    codes = {str(g.value(c, SKOS.notation)) for c in concepts}
    assert len(codes) == 17
    for concept in concepts:
        assert {label.language for label in g.objects(concept, SKOS.prefLabel)} == {"ja", "en"}
        assert str(g.value(concept, SKOS.closeMatch)).startswith(EU_THEME)


def test_category_is_a_theme_never_a_keyword_and_text_is_tagged(app, org):
    dataset = _dataset(org, title_en="Public toilets")
    g = _graph(app, dataset["name"])
    ref = URIRef(next(iter(g.subjects(RDF.type, DCAT.Dataset))))
    keywords = {str(k) for k in g.objects(ref, DCAT.keyword)}
    assert keywords == {"トイレ", "公衆便所"}, "the category is no keyword (CKAN's tag rules refuse 「・」)"
    themes = {str(t) for t in g.objects(ref, DCAT.theme)}
    assert EU_THEME + "HEAL" in themes
    own = [t for t in themes if t.endswith("/vocab/categories#15")]
    assert own and (URIRef(own[0]), SKOS.prefLabel, Literal("社会保障・衛生", lang="ja")) in g
    for predicate in (DCT.title, DCT.description):
        assert {o.language for o in g.objects(ref, predicate)} <= {"ja", "en"}
        assert Literal(dataset["title"], lang="ja") in set(g.objects(ref, DCT.title))
    for keyword in g.objects(ref, DCAT.keyword):
        assert keyword.language == "ja"


def test_licence_on_the_dataset_and_titled_as_ckan_titles_it(app, org):
    dataset = _dataset(org, resources=[{"name": "一覧", "url": "https://example.org/toilet.csv", "format": "CSV"}])
    g = _graph(app, dataset["name"])
    ref = next(iter(g.subjects(RDF.type, DCAT.Dataset)))
    assert set(g.objects(ref, DCT.license)) == {CC_BY}
    titles = {(str(t), t.language) for t in g.objects(CC_BY, DCT.title)}
    assert titles == {("Creative Commons Attribution", "en"), ("クリエイティブ・コモンズ 表示", "ja")}
    distribution = next(iter(g.objects(ref, DCAT.distribution)))
    assert set(g.objects(distribution, DCAT.mediaType)) == {
        URIRef("https://www.iana.org/assignments/media-types/text/csv")}, "a linked CSV has its format's media type"


def test_distributions_and_contacts_keep_their_order_in_turtle(app, org):
    """rdflib sorts object lists; the catalog keeps the portal's order (a stock
    DCAT harvester creates the resources in the order it reads them)."""
    names = [f"ファイル{n}" for n in range(8)]
    dataset = _dataset(org, resources=[{"name": n, "url": f"https://example.org/{n}.csv"} for n in names])
    ids = [r["id"] for r in dataset["resources"]]
    assert ids != sorted(ids), "8 random ids in sorted order (1 in 40,320): run again"
    text = app.get(f"/dataset/{dataset['name']}.ttl").body
    positions = [text.index(resource_id) for resource_id in ids]
    assert positions == sorted(positions), "distributions in the resources' order"
    assert text.index("kikaku@example.jp") < text.index("kenko@example.jp"), "the first contact first"


def test_source_identifier_is_an_adms_identifier_not_the_id(app, org):
    tokyo_id = str(uuid.uuid4())
    dataset = _dataset(org, source_identifier=tokyo_id, source_system=f"東京都オープンデータカタログ {tokyo_id}")
    g = _graph(app, dataset["name"])
    ref = next(iter(g.subjects(RDF.type, DCAT.Dataset)))
    assert str(g.value(ref, DCT.identifier)) in (dataset["id"], str(ref))
    node = g.value(ref, ADMS.identifier)
    # An IRI: a stock ckanext-dcat keeps the node itself as the value.
    assert node == URIRef(f"urn:uuid:{tokyo_id}") and (node, RDF.type, ADMS.Identifier) in g
    assert str(g.value(node, SKOS.notation)) == tokyo_id
    assert str(g.value(node, ADMS.schemaAgency)) == "東京都オープンデータカタログ"


# -- identifiers: portals made before issue 17 -------------------------------------------

def test_the_migration_gives_copies_their_own_id_and_old_links_redirect(app, org):
    tokyo_id = str(uuid.uuid4())
    source = f"東京都オープンデータカタログ {tokyo_id}"
    dataset = _dataset(org, id=tokyo_id, name="t131148d0000009999", source_system=source,
                       resources=[{"name": "一覧", "url": "https://example.org/a.csv"}])
    follower = factories.User()
    helpers.call_action("follow_dataset", context={"user": follower["name"]}, id=dataset["id"])
    assert dataset["id"] == tokyo_id, "as the demo load made them before"
    migrations.upgrade("f3c1d7e9a2b4_own_dataset_ids.py")
    model.Session.expire_all()

    after = helpers.call_action("package_show", id="t131148d0000009999", use_cache=False)
    assert after["id"] == mapping.local_id("東京都オープンデータカタログ", tokyo_id) != tokyo_id
    assert after["source_identifier"] == tokyo_id and after["source_system"] == source
    assert [r["name"] for r in after["resources"]] == ["一覧"]
    assert after["organization"]["name"] == "kikaku"
    assert helpers.call_action("dataset_follower_count", id=after["id"]) == 1
    with pytest.raises(Exception):
        helpers.call_action("package_show", id=tokyo_id, use_cache=False)
    # The constraints are back: a resource of no dataset is refused.
    with pytest.raises(Exception):
        model.Session.execute(model.resource_table.insert().values(id=str(uuid.uuid4()), package_id="nothing",
                                                                   url="", state="active"))
        model.Session.flush()
    model.Session.rollback()

    for path in ("", "/resource/" + after["resources"][0]["id"], ".ttl"):
        answer = app.get(f"/dataset/{tokyo_id}{path}", follow_redirects=False)
        assert answer.status_code == 301, path
        assert answer.headers["Location"].endswith(f"/dataset/t131148d0000009999{path}")


def test_an_old_id_of_a_private_dataset_is_not_told(app, org):
    tokyo_id = str(uuid.uuid4())
    _dataset(org, name="hidden-copy", private=True, source_identifier=tokyo_id)
    answer = app.get(f"/dataset/{tokyo_id}", follow_redirects=False)
    assert answer.status_code == 404 and "hidden-copy" not in answer.body


# -- bad input through extras (found by probing the running portal) ----------------------

@pytest.mark.parametrize("value", ["[" * 100000 + "]" * 100000, '[{"name": "x"', '"str"', '{"name": "x"}', "[1, 2]"])
def test_a_list_field_that_is_no_list_of_items_is_refused_by_name(app, org, value):
    # The message is in the request's language: a request of the portal's default (Japanese).
    with pytest.raises(tk.ValidationError) as refused, app.flask_app.test_request_context():
        helpers.call_action("package_create", context=_admin(), title="駐輪場一覧", notes="区の駐輪場",
                            license_id="cc-by", owner_org=org["id"], category="運輸・観光",
                            extras=[{"key": "contact", "value": value}])
    assert "JSON の配列" in refused.value.error_dict["contact"][0]


def test_a_top_level_list_field_of_the_wrong_shape_is_refused_by_name(org):
    with pytest.raises(tk.ValidationError) as refused:
        _dataset(org, contact="企画部企画課")
    assert list(refused.value.error_dict) == ["contact"]


def test_extras_named_like_what_the_portal_shows_are_refused(org):
    other = factories.Organization(name="kenko-fukushi", title="健康福祉部")
    with pytest.raises(tk.ValidationError) as refused:
        _dataset(org, extras=[{"key": "organization", "value": other["name"]}, {"key": "note", "value": "可"}])
    assert "organization" in refused.value.error_dict["extras"][0]


def test_a_value_too_long_to_index_is_named_not_blamed_on_search(app, org):
    dataset = _dataset(org)
    # The message is in the request's language: a request of the portal's default (Japanese).
    with pytest.raises(tk.ValidationError) as refused, app.flask_app.test_request_context():
        helpers.call_action("package_patch", context=_admin(), id=dataset["id"], frequency_note="あ" * 40000)
    assert "search" not in refused.value.error_dict
    assert any("長すぎて" in m for messages in refused.value.error_dict.values() for m in messages)
    assert helpers.call_action("package_show", id=dataset["id"])["frequency_note"] == "年1回", "nothing saved"


def test_old_ids_in_capitals_redirect_and_odd_paths_do_not(app, org):
    tokyo_id = str(uuid.uuid4())
    _dataset(org, name="aed-copy", source_identifier=tokyo_id)
    answer = app.get(f"/dataset/{tokyo_id.upper()}", follow_redirects=False)
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/dataset/aed-copy")
    assert app.get(f"/dataset/{tokyo_id}/../x", follow_redirects=False).status_code != 301


def test_catalog_text_is_tagged(app, org):
    _dataset(org)
    g = Graph().parse(data=app.get("/catalog.ttl").body, format="turtle")
    catalog = next(iter(g.subjects(RDF.type, DCAT.Catalog)))
    for predicate in (DCT.title, DCT.description):
        assert all(o.language in ("ja", "en") for o in g.objects(catalog, predicate))
