"""/sitemap.xml is a sitemap index; its parts list the public pages and the public
datasets only, each part within ckanext.nakano.sitemap.urls_per_part; robots.txt names it."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest

from ckan.tests import factories, helpers

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index"), pytest.mark.services]

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = {"category": "人口・世帯", "license_id": "cc-by"}


def _xml(app, path: str) -> ElementTree.Element:
    answer = app.get(path)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/xml"), path
    return ElementTree.fromstring(answer.get_data())


def _parts(app) -> list[str]:
    """The paths of the parts the index names."""
    root = _xml(app, "/sitemap.xml")
    assert root.tag == "{%s}sitemapindex" % NS["s"]
    return ["/" + loc.text.split("://", 1)[1].split("/", 1)[1] for loc in root.findall("s:sitemap/s:loc", NS)]


def test_sitemap_lists_public_datasets_only(app):
    org = factories.Organization()
    public = factories.Dataset(owner_org=org["id"], **BASE)
    private = factories.Dataset(private=True, owner_org=org["id"], **BASE)
    deleted = factories.Dataset(owner_org=org["id"], **BASE)
    helpers.call_action("package_delete", {"user": factories.Sysadmin()["name"]}, id=deleted["id"])
    parts = _parts(app)
    assert parts == ["/sitemap/pages.xml", "/sitemap/datasets-0.xml"]
    datasets = _xml(app, parts[1])
    locs = [e.text for e in datasets.findall("s:url/s:loc", NS)]
    assert [loc.rsplit("/", 1)[1] for loc in locs] == [public["name"]]
    assert not any(private["name"] in loc or deleted["name"] in loc for loc in locs)
    lastmod = datasets.find(f"s:url[s:loc='{locs[0]}']/s:lastmod", NS)
    assert lastmod.text == public["metadata_modified"][:10]

    page_locs = [e.text for e in _xml(app, parts[0]).findall("s:url/s:loc", NS)]
    pages = [loc.split("://", 1)[1].split("/", 1)[1] for loc in page_locs]
    assert {"metrics", "analysis", "learn", "showcase", "request", "inventory"} <= set(pages)
    assert any(page.startswith("learn/") for page in pages)
    for page in pages:     # every page listed is one
        assert app.get("/" + page).status_code == 200, page

    robots = app.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http" in robots and robots.strip().endswith("/sitemap.xml")
    assert "Disallow: /api/" in robots   # CKAN's own rules kept


@pytest.mark.ckan_config("ckanext.nakano.sitemap.urls_per_part", "2")
def test_parts_hold_every_dataset_once_within_the_limit(app):
    """Five datasets, two a part: three parts, in name order, none listed twice or left
    out (the parts after the first continue after a name, not from an offset); a part
    past the last is a 404, not an empty part or a 500."""
    org = factories.Organization()
    names = sorted(factories.Dataset(owner_org=org["id"], name=f"sitemap-{c}", **BASE)["name"]
                   for c in "ecabd")
    factories.Dataset(owner_org=org["id"], private=True, name="sitemap-aa-private", **BASE)
    parts = _parts(app)
    assert parts[1:] == [f"/sitemap/datasets-{k}.xml" for k in range(3)]
    listed = []
    for path in parts[1:]:
        locs = [e.text.rsplit("/", 1)[1] for e in _xml(app, path).findall("s:url/s:loc", NS)]
        assert 1 <= len(locs) <= 2, (path, locs)
        listed += locs
    assert listed == names
    assert app.get("/sitemap/datasets-3.xml").status_code == 404
    assert app.get("/sitemap/datasets-99999999999999999999.xml").status_code == 404


def test_an_empty_catalog_has_an_empty_dataset_part(app):
    assert _parts(app)[1:] == ["/sitemap/datasets-0.xml"]
    assert _xml(app, "/sitemap/datasets-0.xml").findall("s:url", NS) == []
