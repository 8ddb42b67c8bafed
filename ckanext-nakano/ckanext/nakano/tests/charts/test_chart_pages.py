"""The chart builder's pages (charts/pages.py) on a DataStore table of the ward's shape: the
drawing, its table, its summary and the CSV are the same numbers as the file counted in Python;
the address is the chart; every bad setting is said beside its field, never a 500; the embed
page may be framed by the ward's site only; the department's editors save a chart as a view,
others cannot. Users sign in with an API token in the Authorization header."""
from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

from ckan import model
from ckan.tests import factories, helpers

from ckanext.nakano.charts import aggregate
from ckanext.nakano.charts import settings as chart_settings
from ckanext.nakano.charts import towns
from ckanext.nakano.tests.charts.test_chart_data import _file, _load

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_datastore")]

SVG = "{http://www.w3.org/2000/svg}"


def _token(user: dict) -> dict[str, str]:
    return {"Authorization": helpers.call_action("api_token_create", user=user["name"], name="pages")["token"]}


@pytest.fixture()
def aed(clean_db, clean_datastore):
    """A public table of the ward's shape (120 rows) in a department with an editor."""
    sysadmin, editor, stranger = factories.Sysadmin(), factories.User(), factories.User()
    org = factories.Organization(name="kenko", users=[{"name": editor["name"], "capacity": "editor"}])
    other = factories.Organization(name="kodomo", users=[{"name": stranger["name"], "capacity": "editor"}])
    pkg = factories.Dataset(owner_org=org["id"], name="aed-list", category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/aed.csv", format="CSV",
                                  name="AED設置場所一覧")
    text, truth = _file()
    _load(resource["id"], text, sysadmin["name"])
    return {"pkg": pkg, "resource": resource, "truth": truth, "editor": editor, "stranger": stranger,
            "other": other, "sysadmin": sysadmin}


def _url(aed, page: str = "", **args) -> str:
    return f"/dataset/{aed['pkg']['name']}/resource/{aed['resource']['id']}/chart{page}"


def _get(app, aed, page: str = "", headers=None, status=200, **args):
    return app.get(_url(aed, page), query_string=args, headers=headers or {}, status=status)


def _table(body: str) -> dict[str, str]:
    """The chart's table on the page: first cell → second cell."""
    table = re.search(r'<table class="table table-sm nakano-chart-table">(.*?)</table>', body, re.S).group(1)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>\s*<td[^>]*>(.*?)</td>", table, re.S)
    return {label.strip(): value.strip() for label, value in rows}


def test_the_chart_its_table_its_summary_and_its_csv_are_the_file_counted_in_python(app, aed):
    towns_counted = Counter(r["town"] for r in aed["truth"])
    body = _get(app, aed, x="町丁目").body
    # The drawing names itself to screen readers: its title and the summary.
    svg = re.search(r"<svg .*?</svg>", body, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert {k: int(v.replace(",", "")) for k, v in _table(body).items()} == dict(towns_counted)
    top_town, top_count = towns_counted.most_common(1)[0]
    summary = re.search(r'<p class="nakano-chart-summary">(.*?)</p>', body, re.S).group(1)
    assert top_town in summary and str(top_count) in summary
    assert svg.count("<rect x=") >= len(towns_counted)      # a bar per town
    # The CSV: Excel's BOM, the same numbers, a download that is never shown in the portal.
    answer = _get(app, aed, ".csv", x="町丁目", measure="sum", value="台数")
    assert answer.body.startswith("\ufeff")
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    rows = list(csv.reader(io.StringIO(answer.body.lstrip("\ufeff"))))
    sums = Counter()
    for r in aed["truth"]:
        sums[r["town"]] += r["count"] or 0
    assert rows[0][0] == "町丁目" and {r[0]: float(r[1]) for r in rows[1:]} == {k: float(v) for k, v in sums.items()}


def test_the_address_is_the_chart_and_the_builder_opens_on_a_chart(app, aed):
    # Nothing chosen: a bar chart of the rows by the grouping column (町丁目 before 名称).
    body = _get(app, aed).body
    assert '<option value="町丁目" selected>' in body and "<svg " in body
    # The link to share is the page's address with every setting, read back the same.
    body = _get(app, aed, kind="line", x="設置日", unit="year", f1="種別", v1="AED").body
    link = re.search(r'id="chart-link" value="([^"]+)"', body).group(1).replace("&amp;", "&")
    args = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert chart_settings.from_args(args) == {"kind": "line", "x": "設置日", "date_unit": "year",
                                              "filters": [{"column": "種別", "value": "AED"}]}
    years = Counter(r["year"] for r in aed["truth"] if r["kind"] == "AED")
    assert {k: int(v) for k, v in _table(body).items()} == {str(y): n for y, n in years.items()}


@pytest.mark.parametrize("args, field", [
    ({"x": "存在しない列"}, "x"),
    ({"x": '町丁目"; DROP TABLE package; --'}, "x"),
    ({"x": "町丁目", "measure": "sum", "value": "名称"}, "value"),
    ({"x": "町丁目", "measure": "median"}, "measure"),
    ({"x": "町丁目", "top": "abc"}, "top"),
    ({"x": "町丁目", "kind": "3d-pie"}, "kind"),
    ({"x": "町丁目", "f1": "1=1) OR (1", "v1": "x"}, "filters"),
    ({"kind": "stacked", "x": "町丁目"}, "series"),
])
def test_a_bad_setting_is_said_beside_its_field_and_the_form_stays(app, aed, args, field):
    body = _get(app, aed, **args).body
    assert f'id="error-{"unit" if field == "date_unit" else field}"' in body or f'href="#field-{field}"' in body
    assert 'role="alert"' in body and "<form" in body and "Traceback" not in body
    csv_answer = _get(app, aed, ".csv", status=400, **args)
    assert csv_answer.headers["Content-Type"].startswith("text/plain") and csv_answer.body.strip()


def test_a_private_table_and_a_file_not_in_the_datastore(app, aed):
    sysadmin = aed["sysadmin"]
    org = model.Group.get("kenko")
    secret = factories.Dataset(owner_org=org.id, private=True, category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=secret["id"], url="https://example.org/s.csv", format="CSV")
    _load(resource["id"], "区分,件数\nA,1\n", sysadmin["name"])
    url = f"/dataset/{secret['name']}/resource/{resource['id']}/chart"
    app.get(url, status=404)       # CKAN hides private datasets from visitors
    app.get(url, headers=_token(aed["stranger"]), status=404)
    assert "<svg " in app.get(url, headers=_token(aed["editor"])).body
    waiting = factories.Resource(package_id=aed["pkg"]["id"], url="https://example.org/later.csv", format="CSV")
    body = app.get(f"/dataset/{aed['pkg']['name']}/resource/{waiting['id']}/chart").body
    assert "nakano-chart-form" not in body and 'role="status"' in body
    # The file page offers the builder only for a table in the DataStore.
    assert "/chart" not in app.get(f"/dataset/{aed['pkg']['name']}/resource/{waiting['id']}").body.split(
        "nakano-downloads")[1].split("</main>")[0].replace("/chart.", "")
    assert _url(aed) in app.get(f"/dataset/{aed['pkg']['name']}/resource/{aed['resource']['id']}").body


def test_the_embed_page_may_be_framed_by_the_ward_site_only(app, aed):
    embed = _get(app, aed, "/embed", x="町丁目")
    policy = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.city.tokyo-nakano.lg.jp" in policy
    assert "<svg " in embed.body and "nakano-chart-form" not in embed.body
    builder = _get(app, aed, x="町丁目")
    assert re.search(r"frame-ancestors 'self'(;|$)", builder.headers["Content-Security-Policy"])
    snippet = re.search(r'<textarea[^>]*id="chart-embed"[^>]*>(.*?)</textarea>', builder.body, re.S).group(1)
    assert "&lt;iframe src=" in snippet and "/chart/embed?" in snippet and "title=" in snippet


@pytest.mark.ckan_config("ckanext.nakano.charts.embed_ancestors", "https://example.jp 'unsafe-inline';script-src *")
def test_an_ancestor_that_is_not_a_site_stays_out_of_the_policy(app, aed):
    policy = _get(app, aed, "/embed", x="町丁目").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://example.jp;" in policy and "script-src *" not in policy


def test_the_svg_download_is_the_drawing_of_the_page(app, aed):
    answer = _get(app, aed, ".svg", x="種別", kind="pie")
    assert answer.headers["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in answer.headers["Content-Disposition"]
    root = ET.fromstring(answer.body.encode())
    assert root.find(f"{SVG}title").text.endswith("種別別の件数") or "種別" in root.find(f"{SVG}title").text
    assert len(root.findall(f"{SVG}path")) == 2          # AED and 消火器: two slices


def test_a_pie_of_more_than_seven_parts_is_drawn_as_bars_and_said(app, aed):
    body = _get(app, aed, x="名称", kind="pie", top="10").body
    assert "nakano-chart-note" in body and "<path d=\"M170" not in body


def test_the_towns_map_merges_the_ways_a_town_is_written_and_says_what_it_could_not_place(app, aed):
    sysadmin = aed["sysadmin"]
    resource = factories.Resource(package_id=aed["pkg"]["id"], url="https://example.org/t.csv", format="CSV")
    _load(resource["id"], "所在地,人数\n中野5丁目,2\n東京都中野区中野五丁目,3\n中野区野方１丁目,4\n"
                          "中野区野方一丁目12番3号,1\n不明,9\n", sysadmin["name"])
    body = app.get(f"/dataset/{aed['pkg']['name']}/resource/{resource['id']}/chart",
                   query_string={"kind": "towns", "x": "所在地", "measure": "sum", "value": "人数"}).body
    assert _table(body) == {"中野五丁目": "5", "野方一丁目": "5"}
    svg = re.search(r"<svg .*?</svg>", body, re.S).group(0)
    assert svg.count("<path ") == 85 and "不明" in body


def test_towns_are_matched_from_the_ways_the_ward_writes_them():
    assert towns.town_of("中野区中野５丁目") == towns.town_of("中野五丁目") == "中野五丁目"
    assert towns.town_of("東京都中野区江古田4丁目1番") == "江古田四丁目"
    assert towns.town_of("中野区") is None and towns.town_of("杉並区阿佐谷北一丁目") is None
    assert len(towns.cells()) == 85 and all(p.startswith("M") and p.endswith("Z") for p in towns.cells().values())


def test_the_department_editor_saves_a_chart_as_a_view_and_nobody_else_can(app, aed):
    form = {"x": "町丁目", "measure": "count", "top": "5", "title": "町丁目別のAED"}
    url = _url(aed, "/save")
    app.post(url, data=form, headers=_token(aed["stranger"]), status=403)
    app.post(url, data=form, status=403)
    refused = app.post(url, data={**form, "title": ""}, headers=_token(aed["editor"]), status=400)
    assert 'id="error-title"' in refused.body
    saved = app.post(url, data=form, headers=_token(aed["editor"]), follow_redirects=False)
    assert saved.status_code == 302
    views = helpers.call_action("resource_view_list", id=aed["resource"]["id"])
    (view,) = [v for v in views if v["view_type"] == "nakano_chart_view"]
    assert view["title"] == "町丁目別のAED" and view["x"] == "町丁目" and view["top"] == "5"
    page = app.get(f"/dataset/{aed['pkg']['name']}/resource/{aed['resource']['id']}",
                   query_string={"view_id": view["id"]}).body
    assert "nakano-chart-view" in page and "<svg " in page
    assert len(_table(page)) == 5


def test_the_reuse_form_is_filled_from_the_chart(app, aed):
    body = _get(app, aed, x="町丁目").body
    reuse_link = re.search(r'href="(/showcase/new\?[^"]+)"', body).group(1).replace("&amp;", "&")
    form = app.get(reuse_link).body
    assert re.search(r'<option value="visualization"[^>]*selected', form)
    assert "/chart?" in re.search(r'name="url" value="([^"]*)"', form).group(1)


def test_a_label_like_a_formula_stays_text_in_the_csv(app, aed):
    sysadmin = aed["sysadmin"]
    resource = factories.Resource(package_id=aed["pkg"]["id"], url="https://example.org/f.csv", format="CSV")
    _load(resource["id"], "区分,件数\n=HYPERLINK(\"http://x\"),1\n普通,2\n", sysadmin["name"])
    answer = app.get(f"/dataset/{aed['pkg']['name']}/resource/{resource['id']}/chart.csv",
                     query_string={"x": "区分"})
    rows = list(csv.reader(io.StringIO(answer.body.lstrip("\ufeff"))))
    assert ["'=HYPERLINK(\"http://x\")", "1"] in rows


@pytest.mark.parametrize("low, high", [(0, 107), (0, 100), (0, 1), (0, 0.37), (-12, 40), (3, 3), (0, 1_234_567)])
def test_the_axis_reaches_past_the_largest_value(low, high):
    from ckanext.nakano.charts.drawing import _nice_ticks
    ticks = _nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and len(ticks) <= 12
    assert ticks == sorted(ticks)


def test_a_pinned_chart_is_on_the_dataset_and_department_pages_and_an_unpinned_one_is_not(app, aed):
    url = _url(aed, "/save")
    app.post(url, data={"x": "町丁目", "top": "3", "title": "上位3町丁目", "pinned": "true"},
             headers=_token(aed["editor"]), follow_redirects=False)
    app.post(url, data={"x": "種別", "title": "種別ごと（固定しない）"}, headers=_token(aed["editor"]),
             follow_redirects=False)
    dataset_page = app.get(f"/dataset/{aed['pkg']['name']}").body
    pinned = dataset_page.split('class="module nakano-pinned-charts"')[1].split("</section>")[0]
    assert "上位3町丁目" in pinned and "種別ごと" not in pinned and len(_table(pinned)) == 3
    assert "上位3町丁目" in app.get("/organization/kenko").body
    # Unpinned through CKAN's view form (the settings kept as hidden fields): gone from both.
    (view,) = [v for v in helpers.call_action("resource_view_list", id=aed["resource"]["id"])
               if v["title"] == "上位3町丁目"]
    form = app.get(f"/dataset/{aed['pkg']['name']}/resource/{aed['resource']['id']}/edit_view/{view['id']}",
                   headers=_token(aed["editor"])).body
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert hidden["x"] == "町丁目" and hidden["top"] == "3" and 'id="field-pinned"' in form
    helpers.call_action("resource_view_update", context={"user": aed["editor"]["name"]},
                        id=view["id"], title=view["title"], view_type="nakano_chart_view", pinned=False,
                        **{k: v for k, v in hidden.items() if k in chart_settings.ARGS})
    assert "nakano-pinned-charts" not in app.get(f"/dataset/{aed['pkg']['name']}").body
    assert "上位3町丁目" not in app.get("/organization/kenko").body


# --- what the walk of the chart pages found (issue 21) -------------------------------------------

def _table_of(aed, text: str, name: str = "試験") -> dict:
    resource = factories.Resource(package_id=aed["pkg"]["id"], url="https://example.org/w.csv", format="CSV", name=name)
    _load(resource["id"], text, aed["sysadmin"]["name"])
    return resource


def _chart_url(aed, resource, page: str = "") -> str:
    return f"/dataset/{aed['pkg']['name']}/resource/{resource['id']}/chart{page}"


def test_numbers_too_large_too_small_or_not_finite_are_left_out_and_said(app, aed):
    huge = "1" + "0" * 400
    resource = _table_of(aed, f"区分,数\nA,{huge}\nA,1\nB,2\nC,0.{'0' * 330}5\n")
    for page in ("", ".csv", ".svg", "/embed"):
        app.get(_chart_url(aed, resource, page), query_string={"x": "区分", "measure": "sum", "value": "数"})
    body = app.get(_chart_url(aed, resource), query_string={"x": "区分", "measure": "sum", "value": "数"}).body
    assert _table(body)["B"] == "2" and "A" in _table(body) and "除きました" in body
    app.get(_chart_url(aed, resource), query_string={"kind": "scatter", "x": "数", "value": "数"})
    # NaN and ±Infinity in a numeric column (the API can write them).
    numeric = factories.Resource(package_id=aed["pkg"]["id"], url="https://example.org/n.csv", format="CSV")
    helpers.call_action("datastore_create", context={"user": aed["sysadmin"]["name"]}, resource_id=numeric["id"],
                        force=True, fields=[{"id": "k", "type": "text"}, {"id": "n", "type": "numeric"}],
                        records=[{"k": "a", "n": "NaN"}, {"k": "b", "n": "Infinity"}, {"k": "c", "n": 3}])
    answer = helpers.call_action("nakano_chart_data", resource_id=numeric["id"], x="k", measure="sum", value="n")
    assert {r["label"]: r["value"] for r in answer["rows"]} == {"a": None, "b": None, "c": 3}
    for kind in ("bar", "pie", "stacked", "towns", "scatter"):
        app.get(_chart_url(aed, numeric), query_string={"kind": kind, "x": "k" if kind != "scatter" else "n",
                                                         "series": "k", "measure": "sum", "value": "n"})


def test_the_embed_code_holds_a_name_with_quotes_as_text(app, aed):
    resource = _table_of(aed, "区分\nA\n", name='x" onload="alert(1)" <b>')
    body = app.get(_chart_url(aed, resource), query_string={"x": "区分"}).body
    shown = re.search(r'<textarea[^>]*id="chart-embed"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    copied = html.unescape(shown)            # what the browser puts in the textarea, and the clipboard
    title = re.search(r' title="([^"]*)"', copied).group(1)
    assert "alert" in title and 'onload="' not in copied.replace(f'title="{title}"', "")
    assert "&#34;" in title and "<b>" not in copied


def test_labels_that_are_not_text_do_not_break_the_svg_or_read_backwards(app, aed):
    resource = _table_of(aed, "区分\nA\x0bB\nC\x01\nD\ufffe\nx\u202eevil\n")
    answer = app.get(_chart_url(aed, resource, ".svg"), query_string={"x": "区分"})
    root = ET.fromstring(answer.body.encode())           # well-formed XML
    titles = [t.text for t in root.iter(f"{SVG}title") if t.text]
    assert any("xevil" in t for t in titles) and not any("\u202e" in t for t in titles)


def test_a_header_like_a_formula_stays_text_in_the_csv(app, aed):
    resource = _table_of(aed, "=cmd|' /C calc'!A0,種別\nA,+x\nB,@y\n")
    rows = list(csv.reader(io.StringIO(app.get(_chart_url(aed, resource, ".csv"), query_string={
        "kind": "stacked", "x": "=cmd|' /C calc'!A0", "series": "種別"}).body.lstrip("\ufeff"))))
    assert rows[0][0].startswith("'=") and "'+x" in rows[0] and "'@y" in rows[0]


def test_a_chart_shows_at_most_100_categories_and_8_series_the_others_added_up(app, aed):
    lines = ["名称,区分"] + [f"N{n:03d},S{n % 30:02d}" for n in range(400)]
    resource = _table_of(aed, "\n".join(lines) + "\n")
    body = app.get(_chart_url(aed, resource), query_string={"kind": "stacked", "x": "名称", "series": "区分"}).body
    table = re.search(r'<table class="table table-sm nakano-chart-table">(.*?)</table>', body, re.S).group(1)
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert len(re.findall(r'<th scope="row">', table)) == 100 and len(headers) == 1 + 8
    assert headers[-1] == "その他"
    rows = list(csv.reader(io.StringIO(app.get(_chart_url(aed, resource, ".csv"), query_string={
        "kind": "stacked", "x": "名称", "series": "区分"}).body.lstrip("\ufeff"))))
    assert all(sum(int(v) for v in row[1:]) == 1 for row in rows[1:])     # every row counted once


def test_a_chart_too_slow_is_not_computed_again_at_once(app, aed, monkeypatch):
    calls = []

    def slow(*args, **kwargs):
        calls.append(1)
        raise sa.exc.OperationalError("SELECT", {}, Exception("canceling statement due to statement timeout"))

    monkeypatch.setattr(aggregate, "_compute", slow)
    for _ in range(3):
        body = app.get(_url(aed), query_string={"x": "名称", "measure": "avg", "value": "台数"}).body
        assert "秒" in body and 'role="alert"' in body
    assert len(calls) == 1


def test_a_choice_that_is_not_offered_is_said_in_the_page_language(app, aed):
    body = _get(app, aed, x="町丁目", kind="nope", top="2.5").body
    assert "Value must be one of" not in body and "bar, stacked, line" in body
    assert body.count('id="error-top"') == 1


def test_a_table_with_nothing_to_group_by_asks_for_the_column(app, aed):
    resource = _table_of(aed, "数\n1\n2\n")
    for args in ({}, {"kind": "towns"}):
        body = app.get(_chart_url(aed, resource), query_string=args).body
        assert 'id="error-x"' in body and "<form" in body and "<svg " not in body
