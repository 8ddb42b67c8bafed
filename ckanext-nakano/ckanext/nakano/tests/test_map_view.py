"""The map view (``nakano_map_view``): which columns are coordinates, which
resources get a map, and a real upload through the portal's xloader worker."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from flask_babel import force_locale

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

from ckanext.nakano import map_view
from ckanext.nakano.tests.conftest import ROOT
from ckanext.nakano.tests.portal_api import api as _api
from ckanext.nakano.tests.portal_api import loaded as _loaded
from ckanext.nakano.tests.portal_api import token as _token

# Header of the 自治体標準オープンデータセット AED list (焼津市, /work/shared/data/municipal-csv).
AED = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "住所", "方書",
       "緯度", "経度", "設置位置", "電話番号"]


# --- which columns hold the coordinates (no services) ----------------------------------------

@pytest.mark.parametrize("fields, expected", [
    (["名称", "緯度", "経度"], ("緯度", "経度")),
    (AED, ("緯度", "経度")),
    (["name", "Latitude", "Longitude"], ("Latitude", "Longitude")),
    (["LAT", "LNG"], ("LAT", "LNG")),
    (["lat", "lon"], ("lat", "lon")),
    (["ｌａｔ", " Lon "], ("ｌａｔ", " Lon ")),           # full-width and spaces, as files have them
    (["\ufeff緯度", "経度"], ("\ufeff緯度", "経度")),     # a BOM left on the first header
    (["緯度", "経度", "lat", "lon"], ("緯度", "経度")),    # first of each kind
])
def test_coordinate_columns_are_found(fields, expected):
    assert map_view.coordinate_fields(fields) == expected


@pytest.mark.parametrize("fields", [
    [], ["名称", "所在地"], ["緯度"], ["経度", "lng"], ["緯度経度"], ["location"],
    ["latitude_deg", "longitude_deg"], ["x", "y"], ["_id", "緯度_"],
])
def test_no_map_without_both_columns(fields):
    assert map_view.coordinate_fields(fields) is None
    assert map_view.table_fields(fields) == []


def test_name_and_table_columns():
    assert map_view.name_field(AED) == "名称"
    assert map_view.name_field(["Name", "lat", "lon"]) == "Name"
    assert map_view.name_field(["緯度", "経度"]) is None
    # Name, coordinates, then the address and telephone of the standard layout.
    assert map_view.table_fields(AED) == ["名称", "緯度", "経度", "住所", "電話番号"]
    # 小山市's park list: the address, then a name rather than codes and readings.
    park = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "POIコード", "所在地_連結表記",
            "建物名等(方書)", "緯度", "経度", "管理番号", "公簿面積", "備考"]
    assert map_view.table_fields(park) == ["名称", "緯度", "経度", "所在地_連結表記", "地方公共団体名"]
    # Without a name or an address: the first other columns.
    assert map_view.table_fields(["_id", "番号", "緯度", "経度", "種類", "備考"]) == ["緯度", "経度", "番号", "種類"]


def test_view_needs_the_datastore():
    info = map_view.view_info()
    assert info["name"] == "nakano_map_view" and info["requires_datastore"] is True
    assert info["default_title"] == "Map"     # no page: the msgid (a page gets its language's)
    # Not in the DataStore: no map, without asking the DataStore.
    assert map_view.can_view({"id": str(uuid.uuid4()), "datastore_active": False}) is False


# --- DataStore tables in-process (test services) --------------------------------------------

def _table(resource_id: str, fields: list[str], rows: list[list[str]]) -> dict:
    """Loads rows as xloader does (every column text); returns the resource as it is then."""
    helpers.call_action("datastore_create", context={"user": factories.Sysadmin()["name"]},
                        resource_id=resource_id, force=True,
                        fields=[{"id": f, "type": "text"} for f in fields],
                        records=[dict(zip(fields, row)) for row in rows])
    return helpers.call_action("resource_show", id=resource_id)


@pytest.fixture()
def resource(clean_datastore, with_plugins):  # noqa: F811
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    return factories.Resource(package_id=pkg["id"], url="https://www.city.tokyo-nakano.lg.jp/points.csv",
                              format="CSV")


@pytest.mark.services
def test_loaded_table_with_coordinates_gets_one_map(resource, app):
    assert not map_view.can_view(resource)                  # uploaded, not loaded yet
    loaded = _table(resource["id"], ["名称", "緯度", "経度", "住所"],
                    [["中野区役所", "35.7074", "139.6638", "中野四丁目11番19号"], ["中野駅", "35.7056", "139.6657", ""]])
    assert loaded["datastore_active"] and map_view.can_view(loaded)

    sysadmin = factories.Sysadmin()
    view = map_view.ensure_view({"user": sysadmin["name"]}, loaded)
    # Stored as the msgid; each page shows it in its own language.
    assert view["view_type"] == "nakano_map_view" and view["title"] == "Map"
    with app.flask_app.test_request_context("/en/dataset"), force_locale("en"):
        assert map_view.display_title(view) == "Map"
    with app.flask_app.test_request_context("/dataset"), force_locale("ja"):
        assert map_view.display_title(view) == "地図"
        assert map_view.display_title({**view, "title": "地図 / Map"}) == "地図"      # made before
        assert map_view.display_title({**view, "title": "公園の地図"}) == "公園の地図"  # an editor's own
    assert map_view.ensure_view({"user": sysadmin["name"]}, loaded) is None     # only one
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views].count("nakano_map_view") == 1

    page = app.get(f"/dataset/{resource['package_id']}/resource/{resource['id']}/view/{view['id']}")
    assert page.status_code == 200
    assert 'id="nakano-map"' in page.body and 'aria-label="' in page.body
    assert '<th scope="col">住所</th>' in page.body         # the table of points under the map
    config = json.loads(re.search(r'id="nakano-map-config">(.*?)</script>', page.body, re.S).group(1))
    assert (config["latField"], config["lonField"], config["nameField"]) == ("緯度", "経度", "名称")
    assert config["tileUrl"] == "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
    assert "地理院タイル" in config["attribution"]
    assert re.search(r'src="[^"]*map\.js', page.body) and re.search(r'href="[^"]*map\.css', page.body)


@pytest.mark.services
def test_table_without_coordinates_gets_no_map(resource):
    loaded = _table(resource["id"], ["名称", "所在地"], [["中野区役所", "中野四丁目11番19号"]])
    assert loaded["datastore_active"] and not map_view.can_view(loaded)
    assert map_view.ensure_view({"user": factories.Sysadmin()["name"]}, loaded) is None


@pytest.mark.services
@pytest.mark.ckan_config("ckanext.nakano.map.tile_url", "")
def test_empty_tile_url_means_no_tiles(resource):
    config = map_view.template_variables(_table(resource["id"], ["lat", "lon"], [["35.7", "139.66"]]))["map_config"]
    assert config["tileUrl"] == "" and config["tableFields"] == ["lat", "lon"]


@pytest.mark.services
@pytest.mark.ckan_config("ckan.views.default_views", ["datatables_view"])
def test_no_map_when_not_a_default_view(resource):
    loaded = _table(resource["id"], ["緯度", "経度"], [["35.7", "139.66"]])
    assert map_view.can_view(loaded)
    assert map_view.ensure_view({"user": factories.Sysadmin()["name"]}, loaded) is None


# --- through the running portal: upload, xloader, default views, the page -------------------

def _upload(portal, package_id: str, path: Path) -> dict:
    with path.open("rb") as stream:
        return _api(portal, "resource_create", _token(portal), files={"upload": (path.name, stream)},
                    package_id=package_id, name=path.stem, format="CSV")


@pytest.fixture()
def towns_csv(shared_dir, tmp_path) -> Path:
    """The 85 町丁目 of Nakano with their representative points
    (Geolonia 住所データ, CC BY 4.0: https://github.com/geolonia/japanese-addresses)."""
    towns = json.loads((shared_dir / "geo" / "nakano-towns" / "中野区.json").read_text(encoding="utf-8"))
    path = tmp_path / "nakano_towns.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["名称", "緯度", "経度"])
        writer.writerows([t["town"], t["lat"], t["lng"]] for t in towns)
    return path


@pytest.fixture()
def dataset(portal):
    """A dataset of the ward schema, purged after the test (other tests count the catalog)."""
    pkg = _api(portal, "package_create", _token(portal), name=f"map-{uuid.uuid4().hex[:8]}",
               title="中野区の町丁目（地図表示のテスト）",
               notes="出典：Geolonia 住所データ（CC BY 4.0） https://github.com/geolonia/japanese-addresses",
               category="行財政", license_id="cc-by", owner_org="kikaku")
    yield pkg
    _api(portal, "dataset_purge", _token(portal), id=pkg["id"])


@pytest.mark.services
def test_uploaded_points_get_a_map_after_xloader(portal, dataset, towns_csv, tmp_path):
    url = portal["url"]
    points = _upload(portal, dataset["id"], towns_csv)
    plain = tmp_path / "offices.csv"
    plain.write_text("名称,所在地\n中野区役所,中野四丁目11番19号\n", encoding="utf-8")
    no_coordinates = _upload(portal, dataset["id"], plain)

    views = _loaded(portal, points["id"], 85)
    maps = [v for v in views if v["view_type"] == "nakano_map_view"]
    assert len(maps) == 1 and maps[0]["title"] == "Map"
    assert "nakano_map_view" not in [v["view_type"] for v in _loaded(portal, no_coordinates["id"], 1)]

    # What map.js fetches: every row, the Japanese column names kept.
    rows = _api(portal, "datastore_search", resource_id=points["id"], limit=5000)
    assert rows["total"] == 85 and {"名称", "緯度", "経度"} <= {f["id"] for f in rows["fields"]}

    page = requests.get(f"{url}/dataset/{dataset['id']}/resource/{points['id']}/view/{maps[0]['id']}", timeout=60)
    assert page.status_code == 200
    assert 'id="nakano-map"' in page.text and 'role="region"' in page.text and 'aria-label="' in page.text
    assert '<th scope="col">緯度</th>' in page.text
    script = re.search(r'src="([^"]*-map\.js)"', page.text).group(1)
    style = re.search(r'href="([^"]*-map\.css)"', page.text).group(1)
    bundle = requests.get(url + script if script.startswith("/") else script, timeout=60)
    assert bundle.status_code == 200 and "Leaflet 1.9.4" in bundle.text and "nakano-map-config" in bundle.text
    css = requests.get(url + style if style.startswith("/") else style, timeout=60)
    assert css.status_code == 200 and ".leaflet-container" in css.text

    # The resource page shows the map among its views.
    resource_page = requests.get(f"{url}/dataset/{dataset['id']}/resource/{points['id']}", timeout=60)
    assert resource_page.status_code == 200
    assert re.search(r'view-item-nakano_map_view[^>]*>\s*<i[^>]*></i>\s*地図\s*</a>', resource_page.text)
