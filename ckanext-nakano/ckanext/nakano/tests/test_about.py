"""「このサイトについて」 (/about): the ward's text, its licences with their
datasets and the ward's contact instead of CKAN's English marketing text
(in-process, on the test services)."""
from __future__ import annotations

import re

import pytest

from ckan.tests import factories

pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index", "with_request_context"), pytest.mark.services]

CKAN_STOCK = "CKAN is the world"


def _datasets() -> None:
    org = factories.Organization()
    for license_id in ("cc-by", "cc-by", "PDL-1.0"):
        factories.Dataset(owner_org=org["id"], category="人口・世帯", license_id=license_id)


def _licence_row(page: str, title_part: str) -> str:
    row = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>[^<]*" + re.escape(title_part) + r".*?</tr>", page, re.S)
    assert row, f"no licence row for {title_part}"
    return row.group(0)


def test_about_page_is_the_wards_in_japanese(app):
    _datasets()
    page = app.get("/about").body
    assert CKAN_STOCK not in page and "ckan.org/showcase" not in page
    assert "中野区オープンデータポータルは" in page and "1の部から3件のデータセット" in page
    for heading in ("このサイトでできること", "オープンデータの考え方", "お問い合わせ", "利用条件（ライセンス）"):
        assert f">{heading}</h2>" in page, heading
    # Every licence of the ward's list, what it allows, and its datasets (linked to the search).
    cc_by = _licence_row(page, "CC BY 4.0")
    assert "商用利用" in cc_by and "license_id=cc-by" in cc_by and ">2件<" in cc_by
    assert ">1件<" in _licence_row(page, "PDL1.0")
    assert "<td>0</td>" in _licence_row(page, "CC0")
    # The ward is reached through its official site; no number or address is made up.
    assert 'href="https://www.city.tokyo-nakano.lg.jp/"' in page
    assert not re.search(r"\d{2,4}-\d{3,4}-\d{4}", page)


def test_about_page_in_english(app):
    _datasets()
    page = app.get("/en/about").body
    assert CKAN_STOCK not in page and '<html lang="en"' in page
    assert "It currently holds 3 datasets from 1 departments" in page
    assert "Terms of use (licences)" in page and "中野区オープンデータポータルは" not in page
    assert "credit the source" in _licence_row(page, "CC BY 4.0")


@pytest.mark.ckan_config("ckanext.nakano.about.contact_url", "https://www.city.tokyo-nakano.lg.jp/contact/")
@pytest.mark.ckan_config("ckanext.nakano.about.policy_url", "https://www.city.tokyo-nakano.lg.jp/opendata-policy/")
def test_contact_and_policy_links_come_from_config(app):
    page = app.get("/about").body
    assert 'href="https://www.city.tokyo-nakano.lg.jp/contact/"' in page
    assert 'href="https://www.city.tokyo-nakano.lg.jp/opendata-policy/"' in page


@pytest.mark.ckan_config("ckan.site_about", "## 区からのお知らせ\n\n当面の間、**試行運用**です。")
def test_sysadmins_text_replaces_the_prose_and_the_licences_stay(app):
    page = app.get("/about").body
    assert "<h2>区からのお知らせ</h2>" in page and "<strong>試行運用</strong>" in page
    assert "オープンデータの考え方" not in page
    assert "利用条件（ライセンス）" in page and "CC BY 4.0" in page
