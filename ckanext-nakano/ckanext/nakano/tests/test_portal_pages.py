"""Residents' and developers' pages: home, search facets and sorts, the
zero-result explanation, downloads, statements, the developer page and the
language switch (in-process, on the test services)."""
from __future__ import annotations

import datetime
import re
import time
from urllib.parse import unquote

import pytest

from ckan import model
from ckan.tests import factories, helpers
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

from ckanext.nakano import preview, search
from ckanext.nakano.metrics.events import today
from ckanext.nakano.model import MetricDaily

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index", "with_request_context"), pytest.mark.services]


def _dataset(org: dict, **fields) -> dict:
    base = {"owner_org": org["id"], "category": "人口・世帯", "license_id": "cc-by"}
    return factories.Dataset(**{**base, **fields})


def _views(package_id: str, count: int, days_ago: int = 1) -> None:
    model.Session.add(MetricDaily(day=today() - datetime.timedelta(days=days_ago), kind="view", scope="dataset",
                                  subject=package_id, count=count, visitors=count))
    model.Session.commit()


def test_ward_facets_are_indexed_and_labelled(app):
    org = factories.Organization()
    _dataset(org, category="企業・家計・経済", standard_dataset="aed",
             spatial_coverage=[{"text": "中野一丁目"}, {"text": "新井二丁目"}])
    _dataset(org, category="人口・世帯")
    found = helpers.call_action("package_search", **{"facet.field": '["vocab_category", "vocab_standard", "vocab_area"]'})
    facets = {name: {i["name"]: i["count"] for i in f["items"]} for name, f in found["search_facets"].items()}
    assert facets["vocab_category"] == {"企業・家計・経済": 1, "人口・世帯": 1}
    assert facets["vocab_standard"] == {"aed": 1}
    assert facets["vocab_area"] == {"中野一丁目": 1, "新井二丁目": 1}

    ja = app.get("/dataset/").body
    assert "標準データセット" in ja and "町丁目" in ja and "AED設置箇所一覧" in ja
    en = app.get("/en/dataset/").body
    # Category values are Japanese; English pages show the English label (a comma inside it too).
    assert "Business, households and economy" in en and "Town block" in en
    narrowed = app.get("/dataset/", params={"vocab_standard": "aed"}).body
    assert "データセットが 1 件あります" in narrowed


def test_most_viewed_sort_follows_usage_metrics(app):
    org = factories.Organization()
    quiet = _dataset(org, title="静かなデータ")
    popular = _dataset(org, title="人気のデータ")
    _views(popular["id"], 7)
    _views(quiet["id"], 2)
    _views(quiet["id"], 50, days_ago=60)    # old views do not count for "recent"
    assert search.reindex_viewed() == 2
    for _ in range(50):  # Solr opens the new searcher asynchronously
        order = [d["id"] for d in helpers.call_action("package_search", sort="views_recent desc")["results"]]
        if order == [popular["id"], quiet["id"]]:
            break
        time.sleep(0.1)
    assert order == [popular["id"], quiet["id"]]
    page = app.get("/dataset/", params={"sort": "views_recent desc, metadata_modified desc"}).body
    assert page.index("人気のデータ") < page.index("静かなデータ")
    assert "閲覧数順" in page and "新着順" in page


def test_zero_results_are_explained_in_both_languages(app):
    ja = app.get("/dataset/", params={"q": "存在しないキーワードxyz"}).body
    assert "該当するデータセットが見つかりませんでした" in ja
    assert "個人を特定しない形で記録" in ja
    en = app.get("/en/dataset/", params={"q": "nothing-like-this", "vocab_category": "国際"}).body
    assert "No datasets matched" in en and "Search without filters" in en


def test_zero_results_offer_what_to_do_next(app):
    org = factories.Organization()
    _dataset(org, title="震災時の避難所一覧", category="司法・安全・環境")
    viewed = _dataset(org, title="区立図書館一覧", category="教育・文化・スポーツ・生活")
    # A typo and a word the catalog does not use: nothing found, but the
    # datasets sharing pieces of the words are offered.
    page = app.get("/dataset/", params={"q": "避難場書"}).body
    assert "該当するデータセットが見つかりませんでした" in page
    maybe = page[page.index("もしかして"):page.index("分類から探す")]
    assert "震災時の避難所一覧" in maybe and "区立図書館一覧" not in maybe
    # Every category links to its search; with no views yet, the newest updates.
    assert 'href="/dataset/?vocab_category=%E5%9B%BD%E9%9A%9B"' in page  # 国際: no dataset, still offered
    assert "最近更新されたデータ" in page
    _views(viewed["id"], 5)
    page = app.get("/dataset/", params={"q": "存在しないキーワードxyz"}).body
    assert "もしかして" not in page  # nothing shares a piece of it
    popular = page[page.index("よく見られているデータ"):]
    assert "区立図書館一覧" in popular
    en = app.get("/en/dataset/", params={"q": "避難場書"}).body
    assert "Did you mean" in en and "Justice, safety and environment" in en


def test_home_page_lists_categories_departments_and_lists(app):
    org = factories.Organization(title="企画部")
    _dataset(org, title="新しいデータ", category="運輸・観光", standard_dataset="tourism")
    page = app.get("/").body
    for text in ("分類から探す", "運輸・観光", "新着データ", "新しいデータ", "部署から探す", "企画部",
                 "自治体標準オープンデータセット", "観光施設一覧", 'role="search"'):
        assert text in page, text
    assert page.count('class="nakano-tile-label"') == 17 + 15     # every category and standard dataset
    assert "Browse by category" in app.get("/en/").body


def test_every_page_offers_the_other_language(app):
    ja = app.get("/dataset/").body
    assert 'href="/en/dataset/" lang="en" hreflang="en"' in ja
    en = app.get("/en/developers").body
    assert 'href="/ja/developers" lang="ja" hreflang="ja"' in en and 'lang="en"' in en


def test_statements_and_developer_page(app):
    assert "Global Privacy Control" in app.get("/privacy").body
    statement = app.get("/accessibility").body
    assert "JIS X 8341-3:2016" in statement and "axe-core" in statement
    dev = app.get("/developers").body
    for text in ("curl", "RemoteCKAN", "fetch(", "datastore_search", "catalog.ttl", "nakano_metrics_site",
                 "Authorization", "429"):
        assert text in dev, text
    assert "For developers" in app.get("/en/developers").body


@pytest.mark.usefixtures("clean_datastore")
def test_downloads_offer_converted_csv_once_loaded(app):
    pkg = _dataset(factories.Organization())
    res = factories.Resource(package_id=pkg["id"], url="https://www.city.tokyo-nakano.lg.jp/x.csv",
                             format="CSV", size=2048, name="庁舎一覧")
    before = preview.downloads(pkg, helpers.call_action("resource_show", id=res["id"]), utf8_copy=False)
    assert [d["kind"] for d in before] == ["original"] and before[0]["size"] == 2048

    helpers.call_action("datastore_create", context={"user": factories.Sysadmin()["name"]},
                        resource_id=res["id"], force=True, fields=[{"id": "名称", "type": "text"}],
                        records=[{"名称": "中野区役所"}, {"名称": "中野駅"}])
    after = {d["kind"]: d for d in preview.downloads(pkg, helpers.call_action("resource_show", id=res["id"]),
                                                     utf8_copy=False)}
    assert set(after) == {"original", "utf8", "bom", "json"}
    # The Excel CSV is the portal's own (formula-like cells escaped: security/test_formula_cells.py).
    assert after["bom"]["url"].endswith(f"/resource/{res['id']}/excel.csv") and after["bom"]["rows"] == 2
    page = app.get(f"/dataset/{pkg['name']}/resource/{res['id']}").body
    assert "Excel用CSV（UTF-8 BOM付き）" in page and ">2 KiB<" in page

    dump = app.get(after["bom"]["url"])
    assert dump.data.startswith("\ufeff".encode()) and "中野駅" in dump.data.decode("utf-8-sig")

    # The big button is the Excel CSV, the original one click away; downloads
    # are named after the resource, in Japanese; no internal _id column.
    primary = re.search(r'class="btn btn-primary btn-lg nakano-download-primary" href="([^"]+)"', page).group(1)
    assert primary == after["bom"]["url"]
    assert page.index("nakano-download-primary") < page.index("nakano-download-original")
    disposition = dump.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "庁舎一覧（Excel用）.csv"
    plain = app.get(after["utf8"]["url"])
    assert plain.data.decode("utf-8").splitlines() == ["名称", "中野区役所", "中野駅"]
    assert unquote(plain.headers["Content-Disposition"].split("filename*=UTF-8''", 1)[1]) == "庁舎一覧.csv"
    # Internal keys are not shown as information; the file's host is named.
    for internal in ("Datastore active", "Position", "Package id", "State"):
        assert f">{internal}<" not in page
    assert "このファイルは www.city.tokyo-nakano.lg.jp にあります" in page


def test_datastore_loader_keeps_the_harvesters_address_rules():
    pkg = _dataset(factories.Organization())
    inside = factories.Resource(package_id=pkg["id"], url="http://127.0.0.1:5432/secret.csv", format="CSV")
    public = factories.Resource(package_id=pkg["id"], url="http://93.184.215.14/data.csv", format="CSV")
    assert preview.xloader_may_fetch(inside["id"]) is False
    assert preview.xloader_may_fetch(public["id"]) is True
    assert preview.xloader_may_fetch("no-such-resource") is False


def test_accessibility_statement_names_the_tools_really_used():
    """試験結果 must name the axe-core, playwright-core and Chromium the browser tests run."""
    import json
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[4]
    statement = (root / "docs" / "accessibility.md").read_text(encoding="utf-8")
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for package in ("axe-core", "playwright-core"):
        assert f"{package} {lock['node_modules/' + package]['version']}" in statement, package
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True, check=True).stdout
    major = re.search(r"(\d+)\.", chromium).group(1)
    assert f"Chromium {major}" in statement


def _json_ld(page: str) -> str:
    """The page's schema.org JSON-LD, decoded (it may escape non-ASCII)."""
    import json
    import re

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, "no JSON-LD on the page"
    return json.dumps(json.loads(found.group(1)), ensure_ascii=False)


def test_dataset_page_json_ld_is_built_once_per_version(app, monkeypatch):
    from ckanext.dcat import helpers as dcat_helpers

    org = factories.Organization()
    dataset = _dataset(org, title="JSON-LDの試験")
    built = []
    original = dcat_helpers._get_serialization
    monkeypatch.setattr(dcat_helpers, "_get_serialization",
                        lambda *a, **kw: built.append(a[0]["title"]) or original(*a, **kw))

    first = _json_ld(app.get(f"/dataset/{dataset['name']}").body)
    again = _json_ld(app.get(f"/dataset/{dataset['name']}").body)
    assert built == ["JSON-LDの試験"]                     # the second view reused it
    assert "JSON-LDの試験" in first and again == first
    helpers.call_action("package_patch", context={"user": factories.Sysadmin()["name"]},
                        id=dataset["id"], title="JSON-LDの試験（改訂）")
    edited = _json_ld(app.get(f"/dataset/{dataset['name']}").body)
    assert built == ["JSON-LDの試験", "JSON-LDの試験（改訂）"]   # an edit builds it afresh
    assert "JSON-LDの試験（改訂）" in edited


@pytest.mark.ckan_config("ckanext.xloader.debug_badges", "true")   # a badge even with no load job
def test_datastore_badges_are_for_signed_in_users(app):
    from flask_login import login_user

    import ckan.plugins.toolkit as tk

    org = factories.Organization()
    dataset = _dataset(org)
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/a.csv", format="CSV")
    admin = factories.Sysadmin()
    assert "loader-badge" not in app.get(f"/dataset/{dataset['name']}").body
    with app.flask_app.test_request_context():
        assert tk.h.xloader_badge(resource) == ""
    with app.flask_app.test_request_context():
        login_user(model.User.get(admin["name"]))
        assert "loader-badge" in tk.h.xloader_badge(resource)    # xloader's own badge


def test_facet_links_are_those_of_ckans_url_helpers(app):
    """h.nakano_facet_hrefs builds the page address once per facet; its links are
    CKAN's add_url_param / remove_url_param links (page dropped, other filters kept)."""
    from urllib.parse import parse_qsl, urlsplit

    import ckan.plugins.toolkit as tk

    items = [{"name": "CSV", "active": True}, {"name": "XLSX", "active": False}]
    for path in ("/dataset/?q=公園&res_format=CSV&page=3&tags=子育て", "/dataset/?res_format=CSV"):
        with app.flask_app.test_request_context(path):
            ours = tk.h.nakano_facet_hrefs("res_format", items)
            ckans = [tk.h.remove_url_param("res_format", "CSV"), tk.h.add_url_param(new_params={"res_format": "XLSX"})]
        for mine, theirs in zip(ours, ckans):
            assert urlsplit(mine).path == urlsplit(theirs).path
            assert parse_qsl(urlsplit(mine).query) == parse_qsl(urlsplit(theirs).query)
        assert ("res_format", "CSV") not in parse_qsl(urlsplit(ours[0]).query)
        assert ("res_format", "XLSX") in parse_qsl(urlsplit(ours[1]).query)
        assert "page=" not in ours[1]
    # On an English page the links stay English.
    _dataset(factories.Organization(), name="facet-links")
    page = app.get("/en/dataset/?q=facet-links").body
    assert 'href="/en/dataset/?q=facet-links&amp;organization=' in page
    # A department's page: its facet links keep the department's address.
    org = factories.Organization(name="facet-department")
    _dataset(org, name="facet-department-data")
    answer = app.get("/organization/facet-department")
    assert answer.status_code == 200
    assert 'href="/organization/facet-department?vocab_category=' in answer.body


def test_dataset_page_department_box_from_the_dataset(app):
    org = factories.Organization(title="子ども教育部", image_url="kodomo.png")
    pkg = _dataset(org)
    page = app.get(f"/dataset/{pkg['name']}").body
    box = page[page.index('id="organization-info"'):]
    box = box[:box.index("</section>")]
    assert f'href="/organization/{org["name"]}"' in box and "子ども教育部" in box
    assert "/uploads/group/kodomo.png" in box   # the address organization_show gives an uploaded image
    import ckan.plugins.toolkit as tk
    linked = tk.h.nakano_package_organization({"organization": {"name": "x", "image_url": "https://example.org/a.png"}})
    assert linked["image_display_url"] == "https://example.org/a.png"


def test_signed_in_masthead_links_are_named_by_their_visible_text(app):
    """WCAG 2.5.3 (axe label-content-name-mismatch on every page an editor sees): CKAN's
    aria-labels 「プロフィールを表示」 and 「ダッシュボード (0 新しいアイテム)」 left out the name shown."""
    from flask_login import login_user

    import ckan.plugins.toolkit as tk

    user = factories.User()
    environ = {"CKAN_CURRENT_URL": "/dataset/", "CKAN_LANG": "ja", "CKAN_LANG_IS_DEFAULT": True}
    with app.flask_app.test_request_context("/dataset/", environ_overrides=environ):
        login_user(model.User.get(user["name"]))
        tk.g.userobj, tk.g.user = model.User.get(user["name"]), user["name"]
        masthead = tk.render("header.html", {})
    assert f'<span class="username">{user["display_name"]}</span>' in masthead
    assert 'aria-label="プロフィールを表示"' not in masthead and "新しいアイテム)" not in masthead
    assert '<span class="visually-hidden"> 件の新着</span>' in masthead
    assert "Profile settings" not in masthead and "アカウント設定" in masthead
