"""The pages of 活用事例 (reuses) as visitors, submitters, department admins of the right and
the wrong department, and the open-data office use them: the list, a reuse, the form (with
its picture, honeypot and refusals beside the fields), editing, withdrawing, reviewing, the
e-mail confirmation page, the dataset page's block, the home page and the JSON-LD.

Users sign in with an API token in the Authorization header (CKAN reads it on pages too,
and a token request needs no CSRF token, as a visitor's request without a session)."""
from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from PIL import Image

from ckan import model
from ckan.lib.redis import connect_to_redis
from ckan.tests import factories, helpers

from ckanext.nakano.model import Reuse
from ckanext.nakano.submissions import abuse
from ckanext.nakano.tests.local_mail import open_inbox, run_worker

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index")

SCRIPT = "<script>alert(1)</script>"


def _clear_counters() -> None:
    redis = connect_to_redis()
    for key in redis.scan_iter(abuse.PREFIX + "*"):
        redis.delete(key)


@pytest.fixture()
def ward(clean_db, clean_index, clean_queues):
    """Two departments (企画部 with an admin, 健康福祉部 with another), a dataset each, a
    resident who submits, another resident and the open-data office (a sysadmin)."""
    _clear_counters()
    names = ("submitter", "other", "kikaku_admin", "kenko_admin")
    users = {name: factories.User(name=name, email=f"{name}@example.jp") for name in names}
    kikaku = factories.Organization(name="kikaku", title="企画部",
                                    users=[{"name": "kikaku_admin", "capacity": "admin"}])
    kenko = factories.Organization(name="kenko", title="健康福祉部",
                                   users=[{"name": "kenko_admin", "capacity": "admin"}])
    sysadmin = factories.Sysadmin(name="office")
    kouen = factories.Dataset(name="kouen-ichiran", title="公園一覧", owner_org=kikaku["id"],
                              category="住宅・土地・建設", license_id="cc-by", notes="区立公園")
    kenshin = factories.Dataset(name="kenshin", title="健診受診率", owner_org=kenko["id"],
                                category="社会保障・衛生", license_id="cc-by", notes="受診率")
    tokens = {name: {"Authorization": helpers.call_action("api_token_create", user=name, name="pages")["token"]}
              for name in (*names, "office")}
    yield SimpleNamespace(kikaku=kikaku, kenko=kenko, sysadmin=sysadmin, kouen=kouen, kenshin=kenshin,
                          auth=tokens, **users)
    _clear_counters()


def fields(**extra) -> dict:
    data = {"title": "中野公園マップ", "kind": "app", "url": "https://example.jp/kouen-map",
            "description": "区立**公園**を地図で探せるアプリ", "provider": "株式会社なかの",
            "provider_kind": "company", "datasets_text": "kouen-ichiran"}
    data.update(extra)
    return data


def create(user: str = "submitter", **extra) -> dict:
    """A reuse sent through the action (pending)."""
    data = {k: v for k, v in fields(**extra).items() if k != "datasets_text"}
    data.setdefault("datasets", ["kouen-ichiran"])
    return helpers.call_action("nakano_showcase_create", context={"user": user}, **data)


def approve(reuse: dict, user: str = "office") -> dict:
    return helpers.call_action("nakano_showcase_moderate", context={"user": user}, id=reuse["id"],
                               decision="approve")


def published(**extra) -> dict:
    return approve(create(**extra))


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def jsonld(page: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def error_of(page: str, field: str) -> str:
    found = re.search(rf'<div class="error-block" id="error-{field}">(.*?)</div>', page, re.S)
    assert found, f"no error beside {field}"
    return found.group(1)


# --- the list and a reuse ---------------------------------------------------------------------------

def test_visitors_see_published_reuses_in_the_list_with_facets_and_search(app, ward):
    shown = published()
    published(title="健診データ分析", kind="visualization", provider="中野大学", provider_kind="academia",
              datasets=["kenshin"])
    hidden = create(title="審査中のアプリ")
    page = app.get("/showcase").body
    assert "中野公園マップ" in page and "健診データ分析" in page and "審査中のアプリ" not in page
    assert "アプリ・サービス" in page and "大学・研究機関" in page   # kind and provider kind labels
    assert "企画部" in page and "住宅・土地・建設" in page                  # department and category facets
    assert f'/showcase/{shown["name"]}' in page and page.count('class="nakano-reuse-card"') == 2
    assert page.index("健診データ分析") < page.index("中野公園マップ")   # newest first
    filtered = app.get("/showcase", query_string={"kind": "visualization"}).body
    assert "健診データ分析" in filtered and "中野公園マップ" not in filtered
    by_department = app.get("/showcase", query_string={"department": ward.kikaku["id"]}).body
    assert "中野公園マップ" in by_department and "健診データ分析" not in by_department
    # Japanese search: hiragana finds katakana, a dataset's title finds its reuses.
    assert "中野公園マップ" in app.get("/showcase", query_string={"q": "まっぷ"}).body
    assert "健診データ分析" in app.get("/showcase", query_string={"q": "受診率"}).body
    by_title = app.get("/showcase", query_string={"sort": "title asc"}).body
    assert "中野公園マップ" in by_title and '<option value="title asc" selected>' in by_title
    english = app.get("/en/showcase").body
    assert "App or service" in english and "Reuses" in english
    assert app.get(f"/showcase/{hidden['name']}", status=404)
    assert app.get("/showcase", query_string={"dataset": "kenshin"}).body.count("nakano-reuse-card") == 1
    # Crafted addresses get a page, never an error.
    assert app.get("/showcase", query_string={"page": "x", "sort": "evil", "q": "あ" * 500}).status_code == 200


def test_a_reuse_page_links_out_safely_and_describes_itself_for_search_engines(app, ward):
    reuse = published(datasets=["kouen-ichiran", "kenshin"])
    page = app.get(f"/showcase/{reuse['name']}").body
    assert re.search(r'<a href="https://example.jp/kouen-map" rel="noopener nofollow ugc"', page)
    assert "<strong>公園</strong>" in page   # Markdown rendered
    assert "/dataset/kouen-ichiran" in page and "健診受診率" in page
    data = jsonld(page)
    assert data["@type"] == "CreativeWork" and data["name"] == "中野公園マップ"
    assert data["url"] == "https://example.jp/kouen-map" and data["@id"].endswith(f"/showcase/{reuse['name']}")
    based_on = {d["name"]: d for d in data["isBasedOn"]}
    assert set(based_on) == {"公園一覧", "健診受診率"}
    assert based_on["公園一覧"]["@type"] == "Dataset"
    assert based_on["公園一覧"]["@id"].endswith(f"/dataset/{ward.kouen['id']}")   # ckanext-dcat's URI
    assert based_on["公園一覧"]["url"].endswith("/dataset/kouen-ichiran")
    assert data["creator"] == {"name": "株式会社なかの", "@type": "Organization"}
    # Visitors get no moderation controls.
    assert "/moderate" not in page and "/withdraw" not in page and "/edit" not in page


# --- sending one ------------------------------------------------------------------------------------

def test_the_form_for_a_visitor_asks_an_email_and_hides_the_honeypot(app, ward):
    page = app.get("/showcase/new", query_string={"dataset": "kouen-ichiran"}).body
    assert 'name="email"' in page and 'enctype="multipart/form-data"' in page
    honeypot = re.search(rf'<div class="nakano-hp" aria-hidden="true"[^>]*>.*?</div>', page, re.S).group(0)
    assert f'name="{abuse.HONEYPOT_FIELD}"' in honeypot and 'tabindex="-1"' in honeypot
    assert 'autocomplete="off"' in honeypot
    # The dataset of the link from its page is chosen already.
    assert re.search(r'<input[^>]*name="datasets" value="kouen-ichiran"[^>]*checked', page)
    # Every field has its label.
    for name in ("title", "kind", "url", "description", "provider", "provider_kind", "datasets_text",
                 "image_upload", "email"):
        assert f'for="field-{name}"' in page, name
    assert "<script>" not in page.split('id="nakano-picker-strings"')[0].split("</head>")[-1]
    assert "showcase.js" in page
    signed_in = app.get("/showcase/new", headers=ward.auth["submitter"]).body
    assert 'name="email"' not in signed_in


def test_a_visitor_sends_a_reuse_and_confirms_by_the_button_not_the_link(app, ward):
    inbox = open_inbox()   # the real mail, through the worker and the local SMTP server
    answer = app.post("/showcase/new", data={**fields(), "email": "resident@example.jp"},
                      follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/showcase")
    run_worker()
    mailed = [m.get_content() for m in inbox() if "resident@example.jp" in m["To"]]
    assert mailed, "no confirmation mail arrived"
    link = re.search(r"https?://\S+/confirm/(\S+)", mailed[0]).group(0)
    path = "/confirm/" + link.rsplit("/confirm/", 1)[1]
    reuse = model.Session.query(Reuse).one()
    assert reuse.state == "unconfirmed" and reuse.submitter_email == "resident@example.jp"
    # Opening the link (a mail scanner does) changes nothing.
    page = app.get(path)
    assert page.status_code == 200 and 'method="post"' in page.body and "no-store" in page.headers["Cache-Control"]
    model.Session.expire_all()
    assert model.Session.get(Reuse, reuse.id).state == "unconfirmed"
    app.post(path, follow_redirects=False)
    model.Session.expire_all()
    assert model.Session.get(Reuse, reuse.id).state == "pending"
    # The link works once.
    app.post(path)
    assert model.Session.get(Reuse, reuse.id).state == "pending"


def test_a_filled_honeypot_is_answered_as_accepted_and_nothing_is_saved(app, ward):
    answer = app.post("/showcase/new", data={**fields(), "email": "bot@example.jp",
                                            abuse.HONEYPOT_FIELD: "http://spam.example"},
                      follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/showcase")
    assert model.Session.query(Reuse).count() == 0
    signed_in = app.post("/showcase/new", data={**fields(), abuse.HONEYPOT_FIELD: "x"},
                         headers=ward.auth["submitter"], follow_redirects=False)
    assert signed_in.status_code == 302 and model.Session.query(Reuse).count() == 0


def test_refused_fields_are_said_beside_them_and_what_was_typed_stays(app, ward):
    answer = app.post("/showcase/new", data=fields(title="", url="javascript:alert(1)", kind="weapon",
                                                   datasets_text="kouen-ichiran, no-such-data"),
                      headers=ward.auth["submitter"])
    assert answer.status_code == 400
    page = answer.body
    for name in ("title", "url", "kind"):
        assert error_of(page, name)
        assert re.search(rf'id="field-{name}"[^>]*aria-describedby="[^"]*error-{name}"', page), name
    assert "http://" in error_of(page, "url")          # what to type instead
    assert 'value="javascript:alert(1)"' in page        # kept, as text in an attribute
    assert "株式会社なかの" in page and "区立**公園**を地図で探せるアプリ" in page
    assert re.search(r'<input[^>]*name="datasets" value="kouen-ichiran"[^>]*checked', page)
    # One unknown dataset: said, and kept in the text field.
    assert 'value="no-such-data"' in page
    again = app.post("/showcase/new", data=fields(datasets_text="no-such-data"), headers=ward.auth["submitter"])
    assert "no-such-data" in error_of(again.body, "datasets")
    none = app.post("/showcase/new", data=fields(datasets_text=""), headers=ward.auth["submitter"])
    assert error_of(none.body, "datasets")
    visitor = app.post("/showcase/new", data=fields())
    assert visitor.status_code == 400 and error_of(visitor.body, "email")
    assert model.Session.query(Reuse).count() == 0


def test_datasets_may_be_typed_as_addresses_and_checked_boxes(app, ward):
    answer = app.post("/showcase/new", data={**fields(datasets_text="https://portal.example/dataset/kenshin?x=1"),
                                            "datasets": "kouen-ichiran"},
                      headers=ward.auth["submitter"], follow_redirects=False)
    assert answer.status_code == 302
    reuse = helpers.call_action("nakano_showcase_show", context={"user": "submitter"},
                                id=model.Session.query(Reuse).one().id)
    assert {d["name"] for d in reuse["datasets"]} == {"kouen-ichiran", "kenshin"}


def test_datasets_may_be_typed_by_their_titles_without_the_script(app, ward):
    """The picker finds datasets by title; without its script a person types the title too."""
    factories.Dataset(name="hikoukai", title="非公開の名簿", owner_org=ward.kenko["id"], private=True,
                      category="社会保障・衛生", license_id="cc-by", notes="x")
    refused = app.post("/showcase/new", data=fields(datasets_text="健診受診率、公園一覧\n非公開の名簿"),
                       headers=ward.auth["submitter"])
    # The private dataset's title is not looked up: it stays as typed, and is not named by its URL name.
    assert refused.status_code == 400 and "hikoukai" not in refused.body
    answer = app.post("/showcase/new", data=fields(datasets_text="健診受診率、 公園一覧 "),
                      headers=ward.auth["submitter"], follow_redirects=False)
    assert answer.status_code == 302
    reuse = helpers.call_action("nakano_showcase_show", context={"user": "submitter"},
                                id=model.Session.query(Reuse).one().id)
    assert {d["name"] for d in reuse["datasets"]} == {"kouen-ichiran", "kenshin"}


def test_a_picture_goes_through_the_form_and_an_svg_is_refused_on_it(app, ward):
    answer = app.post("/showcase/new", data={**fields(), "image_upload": (io.BytesIO(png()), "map.png")},
                      headers=ward.auth["submitter"], follow_redirects=False)
    assert answer.status_code == 302
    reuse = model.Session.query(Reuse).one()
    assert reuse.image
    picture = app.get(f"/showcase/{reuse.name}/image", headers=ward.auth["submitter"])
    assert picture.headers["Content-Type"] == "image/webp" and picture.data[8:12] == b"WEBP"
    page = app.get(f"/showcase/{reuse.name}", headers=ward.auth["submitter"]).body
    assert re.search(r'<img[^>]*src="[^"]*/showcase/%s/image[^"]*"[^>]*alt="中野公園マップ"' % reuse.name, page)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = app.post("/showcase/new", data={**fields(title="SVGの事例"),
                                             "image_upload": (io.BytesIO(svg), "map.png")},
                       headers=ward.auth["submitter"])
    assert refused.status_code == 400
    assert "SVG" in error_of(refused.body, "image_upload")
    assert model.Session.query(Reuse).filter(Reuse.title == "SVGの事例").count() == 0


# --- the submitter, moderators and outsiders --------------------------------------------------------

def test_submitting_reviewing_and_the_dataset_page_block(app, ward):
    answer = app.post("/showcase/new", data=fields(), headers=ward.auth["submitter"], follow_redirects=False)
    assert answer.status_code == 302
    name = model.Session.query(Reuse).one().name
    assert answer.headers["Location"].endswith(f"/showcase/{name}")
    own = app.get(f"/showcase/{name}", headers=ward.auth["submitter"]).body
    assert "確認待ち" in own or "Waiting for review" in own
    assert f"/showcase/{name}/edit" in own and f"/showcase/{name}/withdraw" in own
    assert f"/showcase/{name}/moderate" not in own and "application/ld+json" not in own
    # Outsiders, and the admin of a department whose data it does not use, do not see it.
    for who in ("other", "kenko_admin"):
        assert app.get(f"/showcase/{name}", headers=ward.auth[who], status=404)
        assert app.post(f"/showcase/{name}/moderate", data={"decision": "approve"}, headers=ward.auth[who],
                        status=404)
    assert app.get(f"/showcase/{name}", status=404)
    # The dataset page has no block before it is published, only the invitation.
    before = app.get("/dataset/kouen-ichiran").body
    assert "nakano-dataset-reuses" not in before and "/showcase/new?dataset=kouen-ichiran" in before
    # The queue: the right department's admin and the office; nobody else.
    assert app.get("/showcase/moderate", status=403)
    assert app.get("/showcase/moderate", headers=ward.auth["other"], status=403)
    assert "中野公園マップ" not in app.get("/showcase/moderate", headers=ward.auth["kenko_admin"]).body
    assert "中野公園マップ" in app.get("/showcase/moderate", headers=ward.auth["office"]).body
    queue = app.get("/showcase/moderate", headers=ward.auth["kikaku_admin"]).body
    assert "中野公園マップ" in queue and 'name="came_from" value="queue"' in queue
    # What is reviewed is on the queue: the address and the text (the walk of issue 20).
    assert 'href="https://example.jp/kouen-map"' in queue and "<strong>公園</strong>" in queue
    # Rejecting needs a reason, said beside its field.
    refused = app.post(f"/showcase/{name}/moderate", data={"decision": "reject", "reason": ""},
                       headers=ward.auth["kikaku_admin"])
    assert refused.status_code == 400 and error_of(refused.body, "reason")
    # …and on the queue when the decision was taken there: the queue again, the error beside it.
    refused = app.post(f"/showcase/{name}/moderate", data={"decision": "reject", "reason": "", "came_from": "queue"},
                       headers=ward.auth["kikaku_admin"])
    assert refused.status_code == 400 and 'id="queue-new-title"' in refused.body and error_of(refused.body, "reason")
    # Approved from the queue: back to the queue; published; the dataset page shows it.
    done = app.post(f"/showcase/{name}/moderate", data={"decision": "approve", "came_from": "queue"},
                    headers=ward.auth["kikaku_admin"], follow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"].endswith("/showcase/moderate")
    after = app.get("/dataset/kouen-ichiran").body
    block = re.search(r'<section class="module-content nakano-dataset-reuses".*?</section>', after, re.S).group(0)
    assert "中野公園マップ" in block and "/showcase/new?dataset=kouen-ichiran" in block
    # Search engines see the reuse on the dataset's page too: a CreativeWork based on this dataset.
    graph = jsonld(block)["@graph"]
    assert [n["name"] for n in graph] == ["中野公園マップ"] and graph[0]["@type"] == "CreativeWork"
    assert any(d["url"].endswith("/dataset/kouen-ichiran") for d in graph[0]["isBasedOn"])
    assert "nakano-dataset-reuses" not in app.get("/dataset/kenshin").body
    assert "中野公園マップ" in app.get("/showcase").body


def test_rejection_reason_edit_and_its_review_and_withdrawal(app, ward):
    reuse = create()
    helpers.call_action("nakano_showcase_moderate", context={"user": "kikaku_admin"}, id=reuse["id"],
                        decision="reject", reason="URLが開けません")
    own = app.get(f"/showcase/{reuse['name']}", headers=ward.auth["submitter"]).body
    assert "URLが開けません" in own
    # Edited, it goes back to review.
    form = app.get(f"/showcase/{reuse['name']}/edit", headers=ward.auth["submitter"]).body
    assert 'value="中野公園マップ"' in form and 'name="email"' not in form
    assert re.search(r'<input[^>]*name="datasets" value="kouen-ichiran"[^>]*checked', form)
    assert app.get(f"/showcase/{reuse['name']}/edit", headers=ward.auth["other"], status=404)
    app.post(f"/showcase/{reuse['name']}/edit", data=fields(url="https://example.jp/fixed"),
             headers=ward.auth["submitter"])
    assert model.Session.get(Reuse, reuse["id"]).state == "pending"
    approve(reuse, "kikaku_admin")
    # An edit of a published reuse waits; the published text stays.
    app.post(f"/showcase/{reuse['name']}/edit", data=fields(title="中野公園マップ 第2版"),
             headers=ward.auth["submitter"])
    assert "中野公園マップ 第2版" not in app.get(f"/showcase/{reuse['name']}").body
    moderator = app.get(f"/showcase/{reuse['name']}", headers=ward.auth["kikaku_admin"]).body
    assert "中野公園マップ 第2版" in moderator and "nakano-reuse-proposed" in moderator
    queue = app.get("/showcase/moderate", headers=ward.auth["kikaku_admin"]).body
    assert "queue-edits-title" in queue and f"/showcase/{reuse['name']}/moderate" in queue
    app.post(f"/showcase/{reuse['name']}/moderate", data={"decision": "approve"}, headers=ward.auth["office"])
    assert "中野公園マップ 第2版" in app.get(f"/showcase/{reuse['name']}").body
    # Withdrawn by its submitter: gone from the list, still readable by them.
    assert app.post(f"/showcase/{reuse['name']}/withdraw", headers=ward.auth["other"], status=403)
    app.post(f"/showcase/{reuse['name']}/withdraw", headers=ward.auth["submitter"])
    assert model.Session.get(Reuse, reuse["id"]).state == "withdrawn"
    assert "中野公園マップ" not in app.get("/showcase").body
    assert app.get(f"/showcase/{reuse['name']}", headers=ward.auth["submitter"]).status_code == 200


def test_the_same_datasets_in_another_order_are_not_shown_as_a_change(app, ward):
    """The walk of issue 20: a reordering of the datasets showed as a change waiting for review."""
    reuse = create(datasets=["kouen-ichiran", "kenshin"])
    approve(reuse)
    app.post(f"/showcase/{reuse['name']}/edit", headers=ward.auth["submitter"],
             data=fields(title="中野公園マップ 第2版", datasets_text="kenshin kouen-ichiran"))
    review = app.get(f"/showcase/{reuse['name']}", headers=ward.auth["office"]).body
    proposed = review.split('class="nakano-reuse-proposed"')[1].split("</section>")[0]
    assert "中野公園マップ 第2版" in proposed and "健診受診率" not in proposed


def test_the_office_moderates_any_reuse_and_department_editors_only_their_own(app, ward):
    reuse = create(datasets=["kenshin"])
    assert app.post(f"/showcase/{reuse['name']}/moderate", data={"decision": "approve"},
                    headers=ward.auth["kikaku_admin"], status=404)
    page = app.get(f"/showcase/{reuse['name']}", headers=ward.auth["office"]).body
    assert f"/showcase/{reuse['name']}/moderate" in page
    app.post(f"/showcase/{reuse['name']}/moderate", data={"decision": "approve"}, headers=ward.auth["office"])
    assert model.Session.get(Reuse, reuse["id"]).state == "published"
    # Published: everyone reads it, but only its reviewers and submitter change it.
    assert app.get(f"/showcase/{reuse['name']}/edit", headers=ward.auth["kikaku_admin"], status=403)
    assert app.post(f"/showcase/{reuse['name']}/withdraw", headers=ward.auth["kikaku_admin"], status=403)
    assert app.get(f"/showcase/{reuse['name']}/edit", headers=ward.auth["kenko_admin"]).status_code == 200


# --- hostile text -----------------------------------------------------------------------------------

def test_script_in_every_field_comes_out_as_text(app, ward):
    answer = app.post("/showcase/new", data=fields(
        title=f"地図{SCRIPT}", provider=f'<img src=x onerror="alert(2)">会社',
        description=f"説明{SCRIPT}\n\n[押して](javascript:alert(3)) <a href=\"javascript:alert(4)\">ここ</a>\n\n"
                    f"<iframe src=\"https://evil.example\"></iframe>"),
        headers=ward.auth["submitter"], follow_redirects=False)
    assert answer.status_code == 302
    reuse = model.Session.query(Reuse).one()
    approve({"id": reuse.id})
    for path in (f"/showcase/{reuse.name}", "/showcase", "/", "/dataset/kouen-ichiran",
                 f"/showcase/{reuse.name}/edit"):
        headers = ward.auth["submitter"] if path.endswith("/edit") else {}
        page = app.get(path, headers=headers).body
        assert "<script>alert" not in page, path
        assert "onerror=\"alert(2)\"" not in page and "<img src=x" not in page, path
        assert 'href="javascript:' not in page, path
        assert "<iframe" not in page, path
    page = app.get(f"/showcase/{reuse.name}").body
    assert "地図&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # In the JSON-LD the title is data, and "</script>" cannot close the element.
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "</" not in raw and jsonld(page)["name"] == f"地図{SCRIPT}"


# --- the home page and the menu ---------------------------------------------------------------------

def test_home_shows_the_latest_three_and_the_menu_links_reuses(app, ward):
    for number in range(1, 5):
        published(title=f"事例その{number}")
    page = app.get("/").body
    section = re.search(r'<section class="nakano-home-section nakano-home-reuses".*?</section>', page, re.S).group(0)
    assert "事例その4" in section and "事例その3" in section and "事例その2" in section
    assert "事例その1" not in section and 'href="/showcase"' in section
    assert re.search(r'<li[^>]*><a href="/showcase"', page)   # the main menu, with データ要望 beside it
    assert re.search(r'<li[^>]*><a href="/request"', page)


def test_the_dataset_page_block_is_kept_until_a_reuse_changes(app, ward):
    import sqlalchemy as sa
    reuse = create()
    approve(reuse, "kikaku_admin")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    assert "中野公園マップ" in app.get("/dataset/kouen-ichiran").body
    sa.event.listen(model.meta.engine, "before_cursor_execute", seen)
    try:
        assert "中野公園マップ" in app.get("/dataset/kouen-ichiran").body
    finally:
        sa.event.remove(model.meta.engine, "before_cursor_execute", seen)
    # The block reads the reuses' rows (their titles); the live quality score without a stored
    # one (no worker here) only counts them.
    assert not [s for s in statements if "nakano_reuse.title" in s], "the block was computed again"
    # Withdrawn (a change of a reuse, committed): the next page no longer shows it.
    helpers.call_action("nakano_showcase_delete", context={"user": "submitter"}, id=reuse["id"])
    assert "nakano-dataset-reuses" not in app.get("/dataset/kouen-ichiran").body


def test_pictures_in_markdown_are_links_to_them_not_broken_images(app, ward):
    """The policy loads images from the portal only: a picture of another site is a link."""
    reuse = create(description="![AEDの地図](https://example.org/map.png) と <img src=x onerror=alert(1)>")
    approve(reuse, "kikaku_admin")
    body = app.get(f"/showcase/{reuse['name']}").body
    description = re.search(r'nakano-reuse-description"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert '<a href="https://example.org/map.png">AEDの地図</a>' in description
    assert "<img" not in description and "onerror" not in description
    factories.Dataset(name="with-picture", owner_org=ward.kikaku["id"], category="その他", license_id="cc-by",
                      notes="説明 ![区の写真](https://example.org/photo.jpg)")
    dataset = app.get("/dataset/with-picture").body
    assert '<a href="https://example.org/photo.jpg">区の写真</a>' in dataset
    assert 'src="https://example.org/photo.jpg"' not in dataset

