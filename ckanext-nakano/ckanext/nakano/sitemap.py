"""``/sitemap.xml`` (sitemaps.org 0.9): the public pages and every public dataset,
so that search engines lead residents to the data.

The protocol allows 50,000 URLs in one sitemap; a national or prefectural catalog
has more datasets than that. So ``/sitemap.xml`` is a sitemap index that names
parts: ``/sitemap/pages.xml`` (the portal's own pages) and ``/sitemap/datasets-<k>.xml``,
each of at most ``ckanext.nakano.sitemap.urls_per_part`` datasets. A part is made on
request from an anonymous package_search (a private or deleted dataset can never be
listed), paged by name rather than by offset, so a part's memory and time depend on
the part's size, not on the catalog's (docs/scaling.md)."""
from __future__ import annotations

from typing import Any, Iterator
from xml.etree import ElementTree

import ckan.plugins.toolkit as tk

from .analysis.sources import standards_in_use
from .learn.lessons import all_lessons

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PAGES = ("/", "/dataset/", "/organization/", "/metrics", "/developers", "/api/docs", "/accessibility",
         "/privacy", "/showcase", "/request", "/inventory", "/learn", "/analysis")
ROWS = 1000
DATASETS = "+dataset_type:dataset"


def urls_per_part() -> int:
    return tk.config.get("ckanext.nakano.sitemap.urls_per_part")


def _search(**params: Any) -> dict[str, Any]:
    return tk.get_action("package_search")(
        {"user": "", "ignore_auth": False},
        {"q": "*:*", "sort": "name asc", "include_private": False, **params})


def dataset_count() -> int:
    return _search(fq=DATASETS, rows=0)["count"]


def part_count() -> int:
    return max(1, -(-dataset_count() // urls_per_part()))


def part_datasets(part: int) -> Iterator[dict[str, Any]]:
    """Name and last change of the datasets of part ``part`` (0-based), by name.

    One offset query finds the name the part starts after (it returns one row);
    then pages of ``ROWS`` continue after the last name seen: the cost of a page
    does not grow with its position in the catalog, as a ``start`` offset's does."""
    size = urls_per_part()
    after = None
    if part:
        before = _search(fq=DATASETS, fl="name", rows=1, start=part * size - 1)["results"]
        if not before:
            return
        after = before[0]["name"]
    given = 0
    while given < size:
        # Dataset names are lower-case letters, digits, "-" and "_" (CKAN's name
        # validator): quoted as they are in the range query.
        fq = DATASETS if after is None else f'{DATASETS} +name:{{"{after}" TO *]'
        rows = min(ROWS, size - given)
        page = _search(fq=fq, fl="name,metadata_modified", rows=rows)["results"]
        yield from page
        given += len(page)
        if len(page) < rows:
            return
        after = page[-1]["name"]


def _site() -> str:
    return tk.config["ckan.site_url"].rstrip("/")


def _xml(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def index() -> bytes:
    """The sitemap index: the pages' part and one part per ``urls_per_part`` datasets."""
    site = _site()
    root = ElementTree.Element("sitemapindex", xmlns=NS)
    for path in ["/sitemap/pages.xml", *(f"/sitemap/datasets-{k}.xml" for k in range(part_count()))]:
        ElementTree.SubElement(ElementTree.SubElement(root, "sitemap"), "loc").text = site + path
    return _xml(root)


def pages() -> bytes:
    """The portal's own pages, the lessons and the analyses of the standards the catalog
    has files of: pages a search engine should bring residents to as well as the datasets."""
    site = _site()
    root = ElementTree.Element("urlset", xmlns=NS)
    paths = [*PAGES, *(f"/learn/{lesson.slug}" for lesson in all_lessons()),
             *(f"/analysis/{standard}" for standard in sorted(standards_in_use()))]
    for path in paths:
        ElementTree.SubElement(ElementTree.SubElement(root, "url"), "loc").text = site + path
    return _xml(root)


def datasets(part: int) -> bytes | None:
    """Part ``part`` of the datasets; None for a part the catalog does not have."""
    if part < 0 or (part > 0 and part >= part_count()):
        return None
    site = _site()
    root = ElementTree.Element("urlset", xmlns=NS)
    for dataset in part_datasets(part):
        url = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(url, "loc").text = f"{site}/dataset/{dataset['name']}"
        ElementTree.SubElement(url, "lastmod").text = dataset["metadata_modified"][:10]
    return _xml(root)
