"""Loading the demo catalog into the test database and Solr core."""
from __future__ import annotations

import pytest

from ckan.tests import helpers

from ckanext.nakano.demo.loader import _yaml, load_demo
from ckanext.nakano.harvest.mapping import Department, department_for


@pytest.fixture()
def loaded(demo_catalog, with_plugins):
    """The demo catalog, loaded once for the module (its tests only read it; the second
    load's test checks it changes nothing)."""
    return demo_catalog[0]


def test_loads_real_catalog_with_departments_and_samples(loaded, demo_catalog):
    assert len(loaded.organizations_created) == 9
    assert len(loaded.datasets_created) == 46
    assert len(loaded.samples_attached) == 14

    dept = helpers.call_action("organization_show", id="kenko-fukushi")
    assert dept["title"] == "健康福祉部"
    assert dept["title_en"] == "Health and Welfare Department"

    hospital = helpers.call_action("package_show", id="t131148d0000000014")
    assert hospital["organization"]["name"] == "kenko-fukushi"
    assert hospital["contact"][0]["name"] == "健康福祉部生活衛生課"
    assert hospital["frequency"].endswith("/ANNUAL_2")
    assert hospital["frequency_note"] == "1年に2回程度"
    assert hospital["standard_dataset"] == "hospital"
    assert hospital["category"] == "社会保障・衛生"
    assert hospital["license_id"] == "cc-by"
    # Standard datasets carry the tags aggregators look for.
    assert {"自治体標準ODS", "医療機関"} <= {t["name"] for t in hospital["tags"]}

    toilets = helpers.call_action("package_show", id="t131148d0000000015")
    assert [c["name"] for c in toilets["contact"]] == ["健康福祉部福祉推進課", "都市基盤部公園緑地課"]

    original, sample = hospital["resources"]
    assert original["url"].startswith("https://www.city.tokyo-nakano.lg.jp/")
    assert sample["url_type"] == "upload"
    assert "高松市" in sample["name"] and "中野区のデータではありません" in sample["description"]
    assert sample["size"] == 211338  # the real file, byte for byte
    assert list(demo_catalog[1].rglob("*"))  # stored in CKAN's storage


def test_demo_register_has_every_dataset_and_every_state(loaded):
    assert loaded.inventory_items_created == 46 + len(_yaml("inventory.yaml")["items"])
    hospital = helpers.call_action("package_show", id="t131148d0000000014")
    item = helpers.call_action("nakano_inventory_item_show", id=hospital["inventory_item"])
    assert item["status"] == "open_data" and item["datasets"][0]["name"] == hospital["name"]
    assert item["local_id"].startswith("KF-") and item["department"]["name"] == "kenko-fukushi"
    summary = helpers.call_action("nakano_inventory_summary", context={"ignore_auth": True})
    ward = summary["ward"]
    assert all(ward[s] > 0 for s in ("open_data", "published_other", "planned", "considering", "closed",
                                     "overdue", "considering_over_a_year"))
    # the item not listed: in the register, not in what the public sees
    assert helpers.call_action("nakano_inventory_summary", context={"user": "", "ignore_auth": False})["ward"]["total"] == ward["total"] - 1
    assert helpers.call_action("nakano_inventory_item_list", context={"user": "", "ignore_auth": False}, q="警備")["count"] == 0


def test_demo_reuses_and_requests_show_every_state_as_examples(loaded):
    data = _yaml("submissions.yaml")
    assert loaded.reuses_created == len(data["reuses"]) and loaded.requests_created == len(data["requests"])
    office = {"ignore_auth": True}
    visitor = {"user": "", "ignore_auth": False}
    public = helpers.call_action("nakano_showcase_list", context=visitor)
    assert public["count"] == 3 and all(r["title"].startswith("（例）") for r in public["results"])
    for state in ("pending", "rejected"):
        assert helpers.call_action("nakano_showcase_list", context=office, state=state)["count"] == 1
    statuses = {f["value"] for f in helpers.call_action("nakano_request_list", context=visitor)["facets"]["status"]}
    assert statuses == {"received", "considering", "planned", "published", "declined"}
    assert helpers.call_action("nakano_request_list", context=office, state="pending")["count"] == 1
    assert helpers.call_action("nakano_request_list", context=office, state="merged")["count"] == 1
    planned = helpers.call_action("nakano_request_list", context=visitor, status="planned")["results"][0]
    assert planned["inventory_item_id"] and planned["planned_month"] == "2027-04"


def test_second_load_changes_nothing(loaded):
    again = load_demo()
    assert again.inventory_items_created == 0
    assert again.reuses_created == 0 and again.requests_created == 0
    assert again.datasets_created == [] and again.organizations_created == []
    assert len(again.datasets_present) == 46
    assert helpers.call_action("package_search", rows=0)["count"] == 46


def test_demo_catalog_is_searchable_in_japanese(loaded):
    result = helpers.call_action("package_search", q="予防接種", rows=50)
    assert result["count"] == 4
    assert all("予防接種" in d["title"] for d in result["results"])


def test_multi_section_maintainer_goes_to_first_department():
    departments = [Department(d["name"], d["prefix"]) for d in _yaml("departments.yaml")]
    assert department_for("総務部施設課、健康福祉部福祉推進課", departments) == "somu"
    assert department_for("港区役所", departments) is None
    assert department_for("港区役所", departments, default="kikaku") == "kikaku"
