"""The dataset form and the words around it, as a clerk reads them: the
recommended licence chosen, no category taken by default, 「入力してください」
for a missing field, and plain words instead of CKAN's jargon."""
from __future__ import annotations

import re

import pytest

from ckan.tests import factories, helpers

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index"), pytest.mark.services]


PASSWORD = "RightHorseBattery42"


def _auth(user: dict) -> dict[str, str]:
    return {"Authorization": helpers.call_action("api_token_create", user=user["name"], name="form")["token"]}


def _sign_in(app, user: dict) -> None:
    """Through the login form, as a clerk does (API tokens do not open pages)."""
    form = app.get("/user/login").body
    token = re.search(r'name="_csrf_token" content="([^"]+)"', form).group(1)
    answer = app.post("/user/login", data={"login": user["name"], "password": PASSWORD, "_csrf_token": token},
                      follow_redirects=False)
    assert answer.status_code == 302


def _select(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)


def test_new_dataset_form_defaults(app):
    admin = factories.Sysadmin(password=PASSWORD)
    factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
    _sign_in(app, admin)
    page = app.get("/dataset/new").body
    license_select = _select(page, "license_id")
    assert re.search(r'<option value="cc-by"\s+selected', license_select)
    category = _select(page, "category")
    # The first option is empty and nothing is preselected.
    assert re.search(r'<option value=""', category) and "selected" not in category
    # No slug preview from the title ("ux" from a Japanese title).
    assert "slug-preview" not in page
    # The closing note says what the licence covers, not CKAN's Open Database License text.
    assert "opendatacommons" not in page and "Open Database License" not in page
    assert "上で選んだライセンスは、このデータセットのファイルに適用されます" in page


def test_missing_required_field_says_enter_it(app):
    admin = factories.Sysadmin()
    org = factories.Organization()
    body = app.post("/api/3/action/package_create", headers=_auth(admin),
                    json={"owner_org": org["id"], "title": "救護所一覧", "category": "社会保障・衛生",
                          "license_id": "cc-by"}).json
    assert body.get("error", {}).get("notes") == ["入力してください"], body


def test_dataset_page_speaks_plain_japanese(app):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], category="社会保障・衛生", license_id="cc-by",
                                title="救護所一覧", notes="災害時の救護所")
    resource = factories.Resource(package_id=dataset["id"], url="https://example.org/kyuugo.csv", format="CSV",
                                  name="救護所一覧")
    page = app.get(f"/dataset/{dataset['name']}").body
    assert "データとファイル" in page and "データとリソース" not in page
    resource_page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}").body
    for jargon in ("リソース", "(?<!プレ)ビュー", "データストア", "探索", "不明な値", "Dataset description"):
        assert not re.search(jargon, resource_page), jargon
    en = app.get(f"/en/dataset/{dataset['name']}/resource/{resource['id']}").body
    assert "Explore" in en or "Download" in en      # English pages keep CKAN's words


def test_compiled_catalog_matches_its_source():
    """The .mo shipped beside the .po (CKAN loads the .mo) says the same."""
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    import ckanext.nakano

    folder = Path(ckanext.nakano.__file__).parent / "i18n" / "ja" / "LC_MESSAGES"
    with (folder / "ckanext-nakano.po").open("rb") as po, (folder / "ckanext-nakano.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    def entries(catalog):
        def key(value):
            return value if isinstance(value, str) else tuple(value)
        def context(value):   # Babel's read_mo leaves msgctxt as bytes
            return value.decode() if isinstance(value, bytes) else value
        # Entries left empty (CKAN's own catalog translates them) are not compiled.
        return {(context(m.context), key(m.id)): key(m.string) for m in catalog if m.id and any(key(m.string))}

    assert entries(source) == entries(compiled)


def test_staff_find_their_departments_pages(app):
    editor = factories.User(password=PASSWORD)
    org = factories.Organization(title="健康福祉部", users=[{"name": editor["name"], "capacity": "editor"}])
    public = app.get(f"/organization/{org['name']}").body
    assert f"/metrics/department/{org['name']}" in public and "/harvest-report" not in public
    _sign_in(app, editor)
    dashboard = app.get("/dashboard/").body
    assert "所属する部" in dashboard and f"/metrics/department/{org['name']}" in dashboard
    assert f"/harvest-report?department={org['name']}" in dashboard
    own = app.get(f"/organization/{org['name']}").body
    assert f"/harvest-report?department={org['name']}" in own


def test_spatial_coverage_shows_town_names_not_geojson(app):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by",
                                spatial_coverage=[{"text": "中野一丁目"}, {"text": "新井二丁目"}])
    stored = helpers.call_action("package_show", id=dataset["id"])["spatial_coverage"]
    assert '"Point"' in stored[0]["centroid"]        # still there for machines
    page = app.get(f"/dataset/{dataset['name']}").body
    assert "中野一丁目" in page and "新井二丁目" in page
    assert "&#34;type&#34;" not in page and '"type": "Point"' not in page and "代表点" not in page
    # … and where they are: a drawing of the ward's 85 towns, the two marked and named.
    drawing = page[page.index('<svg class="nakano-area-map"'):page.index("</svg>")]
    assert drawing.count("<circle") == 85 and drawing.count('class="nakano-area-chosen"') == 2
    assert "中野区の中での対象地域の位置: 中野一丁目、新井二丁目" in drawing
    assert [t.split(">")[1] for t in drawing.split("<text")[1:]] == ["中野一丁目</text", "新井二丁目</text"]
    assert "<script" not in drawing and "leaflet" not in page.lower()


def test_the_whole_ward_and_unknown_areas():
    from ckanext.nakano import area_map

    whole = area_map.config([{"text": "中野区全域"}])
    assert len(whole["dots"]) == 85 and all(d["chosen"] for d in whole["dots"]) and whole["labels"] == []
    assert area_map.config([{"text": "新宿一丁目"}]) is None and area_map.config(None) is None
    many = area_map.config([{"text": t} for t in ("新井一丁目", "新井二丁目", "新井三丁目", "新井四丁目")])
    assert sum(d["chosen"] for d in many["dots"]) == 4 and many["labels"] == []   # the list names them
    xs = [d["x"] for d in whole["dots"]]
    ys = [d["y"] for d in whole["dots"]]
    assert min(xs) >= 0 and max(xs) <= whole["width"] and min(ys) >= 0 and max(ys) <= whole["height"]
