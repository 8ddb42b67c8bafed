"""/sitemap.xml lists the public pages and public datasets only; robots.txt names it."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest

from ckan.tests import factories, helpers

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index"), pytest.mark.services]

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_sitemap_lists_public_datasets_only(app):
    org = factories.Organization()
    base = {"owner_org": org["id"], "category": "人口・世帯", "license_id": "cc-by"}
    public = factories.Dataset(**base)
    private = factories.Dataset(private=True, **base)
    deleted = factories.Dataset(**base)
    helpers.call_action("package_delete", {"user": factories.Sysadmin()["name"]}, id=deleted["id"])
    answer = app.get("/sitemap.xml")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(answer.get_data())
    locs = [e.text for e in root.findall("s:url/s:loc", NS)]
    assert any(loc.endswith(f"/dataset/{public['name']}") for loc in locs)
    assert not any(private["name"] in loc or deleted["name"] in loc for loc in locs)
    assert any(loc.endswith("/metrics") for loc in locs)
    pages = [loc.split("://", 1)[1].split("/", 1)[1] for loc in locs if "/dataset/" not in loc or loc.endswith("/dataset/")]
    assert {"analysis", "learn", "showcase", "request", "inventory"} <= set(pages)
    assert any(page.startswith("learn/") for page in pages)
    for page in pages:     # every page listed is one
        assert app.get("/" + page).status_code == 200, page
    lastmod = root.find(f"s:url[s:loc='{next(l for l in locs if public['name'] in l)}']/s:lastmod", NS)
    assert lastmod.text == public["metadata_modified"][:10]

    robots = app.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http" in robots and robots.strip().endswith("/sitemap.xml")
    assert "Disallow: /api/" in robots   # CKAN's own rules kept
