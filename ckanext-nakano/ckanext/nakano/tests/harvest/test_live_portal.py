"""A live portal as a remote: the end-to-end portal of `make up` (conftest's
``portal``) harvested over its CKAN API and its DCAT catalog into the test site."""
from __future__ import annotations

import pytest
import requests

from ckan.tests import helpers
from ckanext.nakano.messages import readable   # errors are stored coded; said in the site's language

from .conftest import run

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins")]

CLINICS = "t131148d0000000014"   # 医療機関一覧 of the demo catalog (the same URL name on both sites)
PORTAL_DATASETS = 51   # the 46 of the demo catalog, 「ポータル利用統計」, 「保有データ一覧」, 「データ要望一覧」 and the 2 of the demo folder harvest


def test_portal_api_harvested_as_a_remote_ckan(portal, declare, clean_index):
    source = declare(type="ckan", url=portal["url"], allow_private=True)
    result = run(source)
    assert result.counts == {"added": PORTAL_DATASETS}, result.errors[:3]
    local = helpers.call_action("package_show", id=CLINICS)
    remote = requests.get(portal["url"] + "/api/3/action/package_show", params={"id": CLINICS},
                          timeout=30).json()["result"]
    # The copy has an id of its own and names the portal's.
    assert local["id"] != remote["id"] and local["source_identifier"] == remote["id"]
    assert local["organization"]["name"] == remote["organization"]["name"] == "kenko-fukushi"
    for field in ("category", "frequency", "frequency_note", "contact", "spatial_coverage", "license_id"):
        assert local[field] == remote[field], field
    assert run(source).counts.get("added", 0) == 0


def test_portal_dcat_catalog_harvested(portal, declare, clean_index):
    source = declare(type="dcat", url=portal["url"] + "/catalog.ttl", allow_private=True,
                     config={"rdf_format": "text/turtle"})
    result = run(source)
    assert result.counts == {"added": PORTAL_DATASETS}, result.errors[:3]
    found = helpers.call_action("package_search", q="title:AED", rows=5)["results"]
    assert found
    aed = helpers.call_action("package_show", id=found[0]["id"])
    assert aed["standard_dataset"] == "aed" and aed["category"]
    assert aed["organization"]["name"] != ""


def test_dcat_source_on_loopback_without_allow_listing_is_refused(portal, declare):
    source = declare(type="dcat", url=portal["url"] + "/catalog.ttl")
    result = run(source)
    assert "added" not in result.counts
    assert any("内部ネットワーク" in e for e in map(readable, result.errors))
