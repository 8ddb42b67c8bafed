"""The ward's scheming schemas through the Action API and the form."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

SCHEMAS = Path(__file__).resolve().parents[5] / "schemas"


def test_every_schema_and_vocabulary_file_loads():
    files = [p for p in SCHEMAS.rglob("*") if p.suffix in {".yaml", ".yml", ".json"}]
    assert len(files) >= 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert (json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)), path


@pytest.fixture()
def org(clean_db):
    return factories.Organization(name="somu", title="総務部", title_en="General Affairs Department")


@pytest.fixture()
def as_admin():
    """Action context of a sysadmin (activities need a real user)."""
    user = factories.Sysadmin()
    return lambda: {"user": user["name"]}


def valid(**extra):
    return {"title": "中野区指定緊急避難場所一覧", "notes": "区が指定する緊急避難場所", "category": "司法・安全・環境",
            "license_id": "PDL-1.0", **extra}


def create(org, as_admin, **extra):
    return helpers.call_action("package_create", context=as_admin(), owner_org=org["id"], **valid(**extra))


def test_scheming_serves_the_ward_schema(org):
    schema = helpers.call_action("scheming_dataset_schema_show", type="dataset")
    names = [f["field_name"] for f in schema["dataset_fields"]]
    for field in ("title_en", "category", "standard_dataset", "frequency", "temporal_coverage",
                  "spatial_coverage", "contact", "issued", "modified", "language", "source_system"):
        assert field in names
    category = next(f for f in schema["dataset_fields"] if f["field_name"] == "category")
    assert category["label"]["ja"] == "分類" and category["label"]["en"] == "Category"
    assert set(category["label"]) == {"ja", "en", "zh_Hans_CN", "ko_KR", "vi"}


def test_full_dataset_round_trips(org, as_admin):
    pkg = create(org, as_admin, title_en="Designated evacuation sites", standard_dataset="evacuation_space",
                 frequency="http://publications.europa.eu/resource/authority/frequency/ANNUAL",
                 temporal_coverage=[{"start": "2024-04-01", "end": "2025-03-31"}],
                 spatial_coverage=[{"text": "新井一丁目"}],
                 contact=[{"name": "総務部危機管理課", "email": "bousai@example.jp", "phone": "０３－３２２８－１１１１"}])
    shown = helpers.call_action("package_show", id=pkg["id"])
    assert shown["name"] == "designated-evacuation-sites"
    assert shown["contact"][0]["phone"] == "03-3228-1111"  # normalised to half width
    centroid = json.loads(shown["spatial_coverage"][0]["centroid"])
    assert centroid["type"] == "Point" and 139.6 < centroid["coordinates"][0] < 139.7
    assert shown["language"] == ["http://publications.europa.eu/resource/authority/language/JPN"]
    assert {"自治体標準ODS", "指定緊急避難場所"} <= {t["name"] for t in shown["tags"]}


def test_japanese_title_gets_a_readable_generated_name(org, as_admin):
    first = create(org, as_admin, title="救護所一覧")
    assert first["name"] == "kyuugo-tokoro-ichiran"      # romanised, not "ux" or a hash
    again = create(org, as_admin, title="救護所一覧")
    assert again["name"] == "kyuugo-tokoro-ichiran-2"
    # Nothing readable in Latin letters: the ward code and a random part.
    symbols = create(org, as_admin, title="・・・")
    assert symbols["name"].startswith("131148-") and len(symbols["name"]) == len("131148-") + 8
    a = create(org, as_admin, title_en="Public toilets")
    b = create(org, as_admin, title_en="Public toilets")
    assert (a["name"], b["name"]) == ("public-toilets", "public-toilets-2")


def test_update_without_name_keeps_the_name(org, as_admin):
    pkg = create(org, as_admin, title_en="AED locations")
    helpers.call_action("package_patch", context=as_admin(), id=pkg["id"], title_en="Other title")
    assert helpers.call_action("package_show", id=pkg["id"])["name"] == "aed-locations"


@pytest.mark.parametrize("extra,field,message", [
    ({"contact": [{"name": "危機管理課", "email": "not-an-email"}]}, "contact", "Email"),
    ({"category": "天気"}, "category", ""),
    ({"temporal_coverage": [{"start": "2025-04-01", "end": "2024-03-31"}]}, "temporal_coverage",
     "終了日が開始日より前です"),
    ({"license_id": "cc-nc"}, "license_id", "選択できないライセンスです"),
    ({"contact": [{"name": "危機管理課", "phone": "call me"}]}, "contact", "電話番号の形式"),
    ({"url": "javascript:alert(1)"}, "url", "http(s)"),
    ({"standard_dataset": "weather"}, "standard_dataset", ""),
])
def test_invalid_values_get_field_errors_and_nothing_is_saved(app, org, as_admin, extra, field, message):
    before = model.Session.query(model.Package).count()
    # Messages are in the request's language: a request of the portal's default (Japanese).
    with pytest.raises(tk.ValidationError) as err, app.flask_app.test_request_context():
        create(org, as_admin, **extra)
    assert field in err.value.error_dict
    assert message in json.dumps(err.value.error_dict[field], ensure_ascii=False)
    assert model.Session.query(model.Package).count() == before


def test_standard_tags_are_not_duplicated_on_update(org, as_admin):
    pkg = create(org, as_admin, standard_dataset="aed", tags=[{"name": "自治体標準ODS"}])
    helpers.call_action("package_patch", context=as_admin(), id=pkg["id"], notes="更新")
    names = [t["name"] for t in helpers.call_action("package_show", id=pkg["id"])["tags"]]
    assert sorted(names) == ["AED設置箇所", "自治体標準ODS"]


def test_department_schema(clean_db, as_admin):
    dept = helpers.call_action("organization_create", context=as_admin(), name="kankyo", title="環境部",
                               title_en="Environment Department", contact_phone="03-3389-1111",
                               homepage="https://www.city.tokyo-nakano.lg.jp/")
    shown = helpers.call_action("organization_show", id=dept["id"])
    assert (shown["title_en"], shown["contact_phone"]) == ("Environment Department", "03-3389-1111")
    with pytest.raises(tk.ValidationError) as err:
        helpers.call_action("organization_create", context=as_admin(), name="bad", title="部", contact_email="x")
    assert "contact_email" in err.value.error_dict


def test_form_shows_japanese_labels_with_english(app, org):
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    page = app.get("/dataset/new", headers={"Authorization": token})
    for label in ("分類", "更新頻度", "対象地域", "問い合わせ先", "標準データセット"):
        assert label in page.body
    english = app.get("/en/dataset/new", headers={"Authorization": token})
    assert "Update frequency" in english.body and "Category" in english.body
