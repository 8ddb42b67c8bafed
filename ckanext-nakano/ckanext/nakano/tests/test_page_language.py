"""Words and dates of CKAN's own pages in the page's language.

Dates with their time: CKAN writes them in a fixed English pattern
(「12月 7, 2026, 20:46 (JST)」 on a Japanese page); helpers.render_datetime uses the locale's own
date pattern, joined to the time as the locale joins them. Read on a page that shows such a
date: a user's API tokens (created at, with the hour)."""
from __future__ import annotations

import datetime
import re

import pytest
import pytz
from babel.dates import format_skeleton

from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

LOCALES = {"/": "ja", "/en/": "en", "/zh_Hans_CN/": "zh_Hans_CN", "/ko_KR/": "ko_KR", "/vi/": "vi"}


@pytest.mark.parametrize("prefix", LOCALES)
def test_a_date_with_its_time_is_written_as_the_page_language_writes_it(app, prefix):
    user = factories.User()
    token = helpers.call_action("api_token_create", user=user["name"], name="dates")["token"]
    body = app.get(f"{prefix}user/{user['name']}/api-tokens", headers={"Authorization": token}).body
    today = datetime.datetime.now(pytz.timezone("Asia/Tokyo"))
    date = format_skeleton("yMMMd", today, locale=LOCALES[prefix])
    cells = [c.strip().replace("\u202f", " ") for c in re.findall(r"<td>\s*([^<]*\d:\d\d[^<]*)</td>", body)]
    assert len(cells) == 2, cells          # created, last used
    for cell in cells:
        assert date in cell and re.search(r"\b\d{1,2}:\d{2}\b", cell), (cell, date)
        if LOCALES[prefix] != "en":        # the English month of core's fixed pattern
            assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)", cell), cell


@pytest.mark.parametrize("prefix, mine, feed, core", [
    ("/", "私の部署", "更新のお知らせ", "私の組織"),
    ("/zh_Hans_CN/", "我的部门", "动态", "News feed"),
    ("/ko_KR/", "내 부서", "새 소식", "내 기관"),
    ("/vi/", "Phòng ban của tôi", "Tin cập nhật", "Cung cấp tin tức"),
])
def test_the_dashboard_tabs_say_departments_in_the_page_language(app, prefix, mine, feed, core):
    """CKAN's dashboard tabs said 私の組織 (departments are 部署 on every other page) and, in
    Chinese, "News feed" in English (the walk of issue 20)."""
    user = factories.User()
    token = helpers.call_action("api_token_create", user=user["name"], name="tabs")["token"]
    body = app.get(f"{prefix}dashboard/", headers={"Authorization": token}).body
    assert mine in body and feed in body and core not in body


@pytest.mark.parametrize("prefix, login_label", [
    ("/", "ユーザー名またはメールアドレス"), ("/zh_Hans_CN/", "用户名或电子邮件地址"),
    ("/ko_KR/", "사용자 이름 또는 이메일"), ("/vi/", "Tên người dùng hoặc email")])
def test_the_login_form_and_the_menu_button_are_in_the_page_language(app, prefix, login_label):
    """CKAN's catalogs leave 「Username or Email」 and the menu button's screen-reader label
    「Toggle navigation」 in English (the walk of issue 20)."""
    body = app.get(f"{prefix}user/login").body
    assert login_label in body and "Username or Email" not in body and "Toggle navigation" not in body


@pytest.mark.usefixtures("clean_index")
@pytest.mark.parametrize("prefix, named", [("/", "政策企画課"), ("/en/", "Policy Planning"), ("/vi/", "Policy Planning"),
                                           ("/ko_KR/", "Policy Planning"), ("/zh_Hans_CN/", "政策企画課")])
def test_a_department_is_named_in_english_on_english_korean_and_vietnamese_pages(app, prefix, named):
    """Its title_en on en, ko and vi pages (its page, the dataset page, the search facet, the
    list); Chinese and Japanese pages read its kanji. The API keeps the Japanese name."""
    org = factories.Organization(name="seisaku", title="政策企画課", title_en="Policy Planning")
    factories.Dataset(name="keikaku", title="計画一覧", owner_org=org["id"], category="行財政",
                      license_id="cc-by", notes="計画")
    page = app.get(f"{prefix}organization/seisaku").body
    assert re.search(rf"<h1[^>]*>\s*{named}", page) or f"<h2 class=\"heading\">{named}" in page, page[:200]
    assert named in app.get(f"{prefix}organization/").body
    dataset = app.get(f"{prefix}dataset/keikaku").body
    assert f">{named}</a>" in dataset
    facets = app.get(f"{prefix}dataset/").body
    assert re.search(rf'<span class="item-label">{named}</span>', facets)
    assert helpers.call_action("organization_show", id="seisaku")["title"] == "政策企画課"
