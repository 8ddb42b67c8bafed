"""``/sitemap.xml`` (sitemaps.org 0.9): the public pages and every public dataset,
so that search engines lead residents to the data. Built from an anonymous
package_search, so a private or deleted dataset can never be listed."""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import ckan.plugins.toolkit as tk

from .analysis.sources import standards_in_use
from .learn.lessons import all_lessons

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PAGES = ("/", "/dataset/", "/organization/", "/metrics", "/developers", "/api/docs", "/accessibility",
         "/privacy", "/showcase", "/request", "/inventory", "/learn", "/analysis")
ROWS = 1000


def public_datasets() -> list[dict[str, Any]]:
    """Name and last change of every dataset an anonymous visitor can see."""
    found: list[dict[str, Any]] = []
    while True:
        page = tk.get_action("package_search")(
            {"user": "", "ignore_auth": False},
            {"q": "*:*", "fq": "+dataset_type:dataset", "fl": "name,metadata_modified", "sort": "name asc",
             "rows": ROWS, "start": len(found), "include_private": False})
        found += page["results"]
        if not page["results"] or len(found) >= page["count"]:
            return found


def document() -> bytes:
    site = tk.config["ckan.site_url"].rstrip("/")
    root = ElementTree.Element("urlset", xmlns=NS)
    # The lessons and the analyses of the standards the catalog has files of: pages a search
    # engine should bring residents to as well as the datasets.
    paths = [*PAGES, *(f"/learn/{lesson.slug}" for lesson in all_lessons()),
             *(f"/analysis/{standard}" for standard in sorted(standards_in_use()))]
    for path in paths:
        ElementTree.SubElement(ElementTree.SubElement(root, "url"), "loc").text = site + path
    for dataset in public_datasets():
        url = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(url, "loc").text = f"{site}/dataset/{dataset['name']}"
        ElementTree.SubElement(url, "lastmod").text = dataset["metadata_modified"][:10]
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
