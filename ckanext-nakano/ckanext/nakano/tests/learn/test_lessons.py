"""分析を学ぶ (/learn): the lesson files, their pages, the notebook download, the department
page's list and each lesson as a reuse of the datasets it uses."""
from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace

import nbformat
import pytest

from ckan import model
from ckan.tests import factories, helpers
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

from ckanext.nakano.learn import lessons as lesson_files
from ckanext.nakano.learn import publish
from ckanext.nakano.learn.pages import NOTEBOOK_PORTAL
from ckanext.nakano.model import Reuse
from ckanext.nakano.reuses import figures
from ckanext.nakano.reuses import store as reuse_store

DEMO_NAMES = {json.loads(f.read_text(encoding="utf-8"))["result"]["name"]
              for f in (lesson_files.HERE.parent / "demo" / "catalog").glob("*.json")}
AED = "t131148d0000000013"
POPULATION = "t131148d0000000007"


# --- the lesson files ---------------------------------------------------------------------------

def test_six_lessons_from_easy_to_harder_each_on_datasets_of_the_catalog():
    found = lesson_files.all_lessons()
    assert len(found) >= 6
    assert [lesson.level for lesson in found] == sorted(lesson.level for lesson in found)
    assert [lesson.number for lesson in found] == list(range(1, len(found) + 1))
    for lesson in found:
        assert set(lesson.datasets) <= DEMO_NAMES, f"{lesson.slug} uses datasets the catalog does not have"
        assert lesson.question["ja"] and lesson.question["en"] and lesson.answer["ja"] and lesson.pitfalls
    assert any(lesson.notebook for lesson in found), "a lesson calls the API with Python (a notebook)"


def test_a_lesson_file_without_english_or_with_a_missing_notebook_is_refused(tmp_path, monkeypatch):
    good = (lesson_files.LESSONS / "01-open-in-excel.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(lesson_files, "LESSONS", tmp_path)
    lesson_files.all_lessons.cache_clear()
    try:
        (tmp_path / "01-x.yaml").write_text(good.replace("  en: You want the list", "  fr: You want the list"),
                                            encoding="utf-8")
        with pytest.raises(lesson_files.LessonFileError, match="question"):
            lesson_files.all_lessons()
        lesson_files.all_lessons.cache_clear()
        (tmp_path / "01-x.yaml").write_text(good + "notebook: nowhere.ipynb\n", encoding="utf-8")
        with pytest.raises(lesson_files.LessonFileError, match="nowhere.ipynb"):
            lesson_files.all_lessons()
    finally:
        lesson_files.all_lessons.cache_clear()


# --- pages -------------------------------------------------------------------------------------

@pytest.fixture()
def ward(clean_db, clean_index):
    """The AED and population datasets under the names the lessons use, in two departments."""
    bousai = factories.Organization(name="bousai", title="防災危機管理課", title_en="Disaster Prevention")
    kusei = factories.Organization(name="kusei", title="区民課", title_en="Residents")
    factories.Organization(name="other", title="他の課")
    aed = factories.Dataset(name=AED, title="AED設置箇所一覧", title_en="AED locations", owner_org=bousai["id"],
                            category="社会保障・衛生", license_id="cc-by", notes="AED")
    population = factories.Dataset(name=POPULATION, title="地域・年齢別人口（日本人）", owner_org=kusei["id"],
                                   category="人口・世帯", license_id="cc-by", notes="人口")
    return SimpleNamespace(bousai=bousai, kusei=kusei, aed=aed, population=population)


def _lesson_titles(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<h2 class="h4"><a href="/(?:[a-zA-Z_]+/)?learn/[a-z0-9-]+">([^<]+)</a>', page)]


def test_the_lessons_page_lists_every_lesson_in_japanese_and_in_english(app):
    page = app.get("/learn").body
    assert _lesson_titles(page) == [lesson.title["ja"] for lesson in lesson_files.all_lessons()]
    assert "分析を学ぶ" in page
    english = app.get("/en/learn").body
    assert _lesson_titles(english) == [lesson.title["en"] for lesson in lesson_files.all_lessons()]
    # Chinese pages show the English text, said so, with its language marked for screen readers.
    chinese = app.get("/zh_Hans_CN/learn").body
    assert _lesson_titles(chinese) == [lesson.title["en"] for lesson in lesson_files.all_lessons()]
    assert '<ol class="nakano-lessons" lang="en">' in chinese


def test_a_lesson_shows_its_question_steps_answer_pitfalls_and_links_its_datasets(app, ward):
    lesson = lesson_files.find("per-1000-residents")
    page = app.get(f"/learn/{lesson.slug}").body
    for text in (lesson.title["ja"], lesson.question["ja"]):
        assert text in html.unescape(page)
    assert "XLOOKUP" in page and "<code>=XLOOKUP(A2, AED!A:A, AED!B:B, 0)</code>" in page   # Markdown rendered
    assert f'href="/dataset/{AED}"' in page and f'href="/dataset/{POPULATION}"' in page
    # The foreign residents' dataset is not on this portal: not linked, no error.
    assert "t131148d0000000008" not in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    english = app.get(f"/en/learn/{lesson.slug}").body
    assert lesson.question["en"] in html.unescape(english) and "AED locations" in english


@pytest.mark.usefixtures("clean_datastore")
def test_the_chart_lesson_links_the_builder_on_the_datasets_table(app, ward):
    lesson = lesson_files.find("count-by-town")
    assert "Open this chart" not in app.get(f"/en/learn/{lesson.slug}").body   # no table loaded: no link
    office = factories.Sysadmin()
    resource = helpers.call_action("resource_create", context={"user": office["name"]}, package_id=ward.aed["id"],
                                   url="https://example.jp/aed.csv", format="CSV")
    helpers.call_action("datastore_create", context={"user": office["name"]}, resource_id=resource["id"], force=True,
                        fields=[{"id": "住所", "type": "text"}], records=[{"住所": "中野区中野四丁目8-1"}])
    page = app.get(f"/en/learn/{lesson.slug}").body
    link = re.search(r'<a class="btn btn-default" href="([^"]+)">Open this chart', page)
    assert link and f"/dataset/{AED}/resource/{resource['id']}/chart?" in link.group(1)
    assert "kind=towns" in link.group(1) and "x=%E4%BD%8F%E6%89%80" in link.group(1)


def test_unknown_lessons_screenshots_and_notebooks_are_not_found(app):
    assert app.get("/learn/no-such-lesson", status=404)
    assert app.get("/learn/open-in-excel/step-99.png", status=404)
    assert app.get("/learn/open-in-excel/notebook.ipynb", status=404)   # a lesson without a notebook
    assert app.get("/learn/..%2F..%2Fsetup.py/notebook.ipynb", status=404)


def test_the_notebook_downloads_with_this_portals_address_and_stays_a_valid_notebook(app, ckan_config):
    lesson = next(lesson for lesson in lesson_files.all_lessons() if lesson.notebook)
    response = app.get(f"/learn/{lesson.slug}/notebook.ipynb")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = nbformat.reads(response.body, as_version=4)
    nbformat.validate(document)
    code = "\n".join(cell.source for cell in document.cells if cell.cell_type == "code")
    assert json.dumps(ckan_config["ckan.site_url"].rstrip("/")) in code and NOTEBOOK_PORTAL not in code
    original = (lesson_files.NOTEBOOKS / lesson.notebook).read_text(encoding="utf-8")
    assert NOTEBOOK_PORTAL in original   # the file in the repository keeps make up's address


def test_a_department_page_lists_the_lessons_on_its_data(app, ward):
    page = app.get("/organization/bousai").body
    section = page.split('id="department-lessons"', 1)[1].split("</section>", 1)[0]
    using_aed = [lesson.title["ja"] for lesson in lesson_files.all_lessons() if AED in lesson.datasets]
    assert using_aed and all(title in section for title in using_aed)
    assert lesson_files.find("open-in-excel").title["ja"] not in section
    assert 'id="department-lessons"' not in app.get("/organization/other").body


# --- each lesson as a reuse ----------------------------------------------------------------------

def test_lessons_are_published_as_reuses_of_their_datasets_once(app, ward):
    done = publish.publish()
    on_here = [lesson for lesson in lesson_files.all_lessons() if {AED, POPULATION} & set(lesson.datasets)]
    assert sorted(done.created) == sorted(publish.reuse_name(lesson) for lesson in on_here)
    assert done.missing_datasets["open-in-excel"] == ["t131148d0000000003"]
    kept = model.Session.query(Reuse).filter(Reuse.name == "lesson-count-by-town").one()
    assert (kept.state, kept.kind, kept.provider_kind) == ("published", "education", "government")
    assert kept.url.endswith("/learn/count-by-town")
    assert figures.published_count(ward.aed["id"]) == sum(AED in lesson.datasets for lesson in on_here)
    # On the dataset page, as any reuse.
    assert "分析を学ぶ 2：" in app.get(f"/dataset/{AED}").body
    again = publish.publish()
    assert (again.created, again.updated, again.withdrawn) == ([], [], [])


def test_a_lesson_whose_datasets_are_gone_is_withdrawn(ward):
    publish.publish()
    helpers.call_action("dataset_purge", id=POPULATION)
    helpers.call_action("dataset_purge", id=AED)
    done = publish.publish()
    assert "lesson-count-by-town" in done.withdrawn
    assert model.Session.query(Reuse.state).filter(Reuse.name == "lesson-count-by-town").scalar() == "withdrawn"


def test_a_submitted_reuse_never_takes_a_lessons_name(ward):
    """A resident's reuse titled like a lesson's reuse name gets another name, so publishing the
    lessons never meets a taken name."""
    taken = reuse_store.create({"title": "lesson count by town", "kind": "app", "url": "https://example.jp",
                                "provider": "x", "provider_kind": "citizen"}, [ward.aed["id"]], None, None)
    assert not taken.name.startswith(publish.PREFIX)
    assert "lesson-count-by-town" in publish.publish().created
