"""nakano_chart_data against an independent computation of the same file (csv and Python in
the test): counts, sums and averages with filters, dates in the ward's ways of writing them,
numbers written with commas or full-width digits; and every way to ask for what cannot be:
columns that are not columns, SQL in a parameter, text summed, a private resource, a
resource not in the DataStore, an empty table; the kept answers and a new load of the table."""
from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import sqlalchemy as sa
from ckanext.datastore.backend.postgres import get_read_engine
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories, helpers

from ckanext.nakano.charts import aggregate, values
from ckanext.nakano.model import Validation

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins")]

TOWNS = ["中野一丁目", "中野五丁目", "野方三丁目", "鷺宮二丁目", "本町四丁目"]
KINDS = ["AED", "消火器"]
# (year, month) written in the ways the ward's files write dates.
DATE_STYLES = [lambda y, m: f"{y}-{m:02d}-01", lambda y, m: f"{y}/{m}/15", lambda y, m: f"{y}年{m}月3日",
               lambda y, m: (f"令和{y - 2018}年{m}月1日" if y > 2019 else f"平成{y - 1988}年{m}月1日"),
               lambda y, m: f"R{y - 2018}.{m}" if y > 2019 else f"H{y - 1988}.{m}",
               lambda y, m: f"{y}年{m}月".translate(str.maketrans("0123456789", "０１２３４５６７８９"))]


def _file(rows: int = 120, seed: int = 131148) -> tuple[str, list[dict]]:
    """The CSV a clerk would upload, and what it means (for the independent computation)."""
    rnd = random.Random(seed)
    truth, out = [], io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["名称", "町丁目", "種別", "台数", "設置日", "備考"])
    for n in range(rows):
        town, kind = rnd.choice(TOWNS), rnd.choice(KINDS)
        count = rnd.choice([1, 2, 3, 12, 1200, 45])
        written = {1200: "1,200", 3: "３", 45: "４５"}.get(count, str(count))
        if n in (7, 50):        # two typing slips: not numbers, left out of sums and said
            count, written = None, "不明"
        year, month = rnd.choice([2018, 2019, 2021, 2024]), rnd.randint(1, 12)
        note = str(rnd.randint(1, 9)) if n % 2 else "玄関"
        writer.writerow([f"施設{n}", town, kind, written, rnd.choice(DATE_STYLES)(year, month), note])
        truth.append({"town": town, "kind": kind, "count": count, "year": year, "month": month})
    return out.getvalue(), truth


def _load(resource_id: str, text: str, user: str) -> None:
    """Into the DataStore as the loader leaves a file: every column text."""
    reader = csv.reader(io.StringIO(text))
    names = next(reader)
    helpers.call_action("datastore_create", context={"user": user}, resource_id=resource_id, force=True,
                        fields=[{"id": n, "type": "text"} for n in names],
                        records=[dict(zip(names, row)) for row in reader])


@pytest.fixture()
def table(clean_db, clean_datastore):
    sysadmin = factories.Sysadmin()
    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/aed.csv", format="CSV")
    text, truth = _file()
    _load(resource["id"], text, sysadmin["name"])
    return resource, truth, sysadmin


def _chart(resource_id: str, user: str | None = None, **settings) -> dict:
    context = {"user": user or "", "ignore_auth": False}
    return helpers.call_action("nakano_chart_data", context=context, resource_id=resource_id, **settings)


def _by_label(answer: dict) -> dict:
    return {r["label"]: r["value"] for r in answer["rows"]}


def test_counts_sums_and_averages_match_the_file_counted_in_python(table):
    resource, truth, _ = table
    counted = _chart(resource["id"], x="町丁目")
    assert _by_label(counted) == dict(Counter(t["town"] for t in truth))
    assert {c["name"]: c["kind"] for c in counted["columns"]} == {
        "名称": "text", "町丁目": "text", "種別": "text", "台数": "number", "設置日": "date", "備考": "text"}

    sums = _chart(resource["id"], x="町丁目", measure="sum", value="台数",
                  filters=[{"column": "種別", "value": "AED"}])
    expected = defaultdict(int)
    for t in truth:
        if t["kind"] == "AED":
            expected[t["town"]] += t["count"] or 0
    assert _by_label(sums) == {k: v for k, v in expected.items()}
    assert sums["skipped"] == sum(1 for t in truth if t["kind"] == "AED" and t["count"] is None)

    averages = _chart(resource["id"], x="種別", measure="avg", value="台数")
    for kind in KINDS:
        counts = [t["count"] for t in truth if t["kind"] == kind and t["count"] is not None]
        assert float(_by_label(averages)[kind]) == pytest.approx(sum(counts) / len(counts))

    two_filters = _chart(resource["id"], x="種別", filters='[{"column": "町丁目", "value": "中野五丁目"},'
                                                          ' {"column": "種別", "value": "消火器"}]')
    assert _by_label(two_filters) == {"消火器": sum(1 for t in truth if t["town"] == "中野五丁目"
                                                  and t["kind"] == "消火器")}


def test_dates_written_every_way_are_months_and_years(table):
    resource, truth, _ = table
    by_year = _chart(resource["id"], kind="line", x="設置日", date_unit="year")
    assert _by_label(by_year) == {str(y): n for y, n in Counter(t["year"] for t in truth).items()}
    assert [r["label"] for r in by_year["rows"]] == sorted(by_year_label for by_year_label in _by_label(by_year))
    by_month = _chart(resource["id"], kind="line", x="設置日")
    assert _by_label(by_month) == {f"{y}-{m:02d}": n for (y, m), n in
                                   Counter((t["year"], t["month"]) for t in truth).items()}


def test_top_n_and_order(table):
    resource, truth, _ = table
    answer = _chart(resource["id"], x="町丁目", top=2)
    ranked = sorted(Counter(t["town"] for t in truth).items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [(r["label"], r["value"]) for r in answer["rows"]] == ranked
    ascending = _chart(resource["id"], x="町丁目", sort="value_asc")
    assert [r["value"] for r in ascending["rows"]] == sorted(r["value"] for r in ascending["rows"])
    stacked = _chart(resource["id"], kind="stacked", x="町丁目", series="種別")
    assert {(r["label"], r["series"]): r["value"] for r in stacked["rows"]} == dict(
        Counter((t["town"], t["kind"]) for t in truth))


@pytest.mark.parametrize("settings, field", [
    ({"x": "存在しない列"}, "x"),
    ({"x": '町丁目"; DROP TABLE package; --'}, "x"),
    ({"x": "町丁目", "measure": "sum", "value": "名称"}, "value"),
    ({"x": "町丁目", "measure": "sum"}, "value"),
    ({"x": "町丁目", "filters": [{"column": "1=1) OR (1", "value": "x"}]}, "filters"),
    ({"x": "町丁目", "filters": '[{"column": "町丁目", "value": "a"}] * 3'}, "filters"),
    ({"x": "町丁目", "filters": [{"column": "町丁目", "value": "a"}] * 3}, "filters"),
    ({"x": "町丁目", "measure": "median"}, "measure"),
    ({"x": "町丁目", "top": 1000}, "top"),
    ({"x": "町丁目", "top": "abc"}, "top"),
    ({"kind": "stacked", "x": "町丁目"}, "series"),
])
def test_what_cannot_be_charted_is_refused_beside_its_parameter(table, settings, field):
    resource, _, _ = table
    with pytest.raises(tk.ValidationError) as refused:
        _chart(resource["id"], **settings)
    assert field in refused.value.error_dict, refused.value.error_dict
    # The table is still there and whole.
    assert sum(_by_label(_chart(resource["id"], x="種別")).values()) == 120


def test_a_private_resource_is_charted_for_its_department_only(clean_db, clean_datastore):
    sysadmin, member, other = factories.Sysadmin(), factories.User(), factories.User()
    org = factories.Organization(users=[{"name": member["name"], "capacity": "editor"}])
    pkg = factories.Dataset(owner_org=org["id"], private=True, category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/secret.csv", format="CSV")
    _load(resource["id"], "区分,件数\nA,1\nB,2\n", sysadmin["name"])
    assert _by_label(_chart(resource["id"], member["name"], x="区分")) == {"A": 1, "B": 1}
    for user in (other["name"], None):
        with pytest.raises(tk.NotAuthorized):
            _chart(resource["id"], user, x="区分")


def test_not_in_the_datastore_and_an_empty_table(clean_db, clean_datastore):
    sysadmin = factories.Sysadmin()
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    waiting = factories.Resource(package_id=pkg["id"], url="https://example.org/later.csv", format="CSV")
    with pytest.raises(tk.ValidationError) as refused:
        _chart(waiting["id"], x="区分")
    assert "データベース" in refused.value.error_dict["resource_id"][0] or \
        "database" in refused.value.error_dict["resource_id"][0]
    empty = factories.Resource(package_id=pkg["id"], url="https://example.org/empty.csv", format="CSV")
    _load(empty["id"], "区分,件数\n", sysadmin["name"])
    answer = _chart(empty["id"], x="区分", measure="sum", value="件数")
    assert answer["rows"] == [] and answer["rows_counted"] == 0


def test_answers_are_kept_until_the_table_is_loaded_again(table):
    resource, truth, sysadmin = table
    first = _chart(resource["id"], x="種別")
    again = _chart(resource["id"], x="種別")
    assert (first["cached"], again["cached"]) == (False, True) and first["rows"] == again["rows"]
    # Rows written through the API: another version of the table.
    helpers.call_action("datastore_upsert", context={"user": sysadmin["name"]}, resource_id=resource["id"],
                        force=True, method="insert", records=[{"名称": "新設", "町丁目": "中野一丁目", "種別": "AED",
                                                               "台数": "1", "設置日": "2025-01-01"}])
    after = _chart(resource["id"], x="種別")
    assert not after["cached"]
    assert _by_label(after)["AED"] == _by_label(first)["AED"] + 1
    # The loader's end (IXloader.after_upload) forgets the kept answers too.
    assert _chart(resource["id"], x="種別")["cached"]
    aggregate.forget(resource["id"])
    assert not _chart(resource["id"], x="種別")["cached"]


@pytest.mark.parametrize("cell", ["12", "1,200", "１２３", "-4.5", "４５．５", " 7 ", "1 000", "12人", "不明", "",
                                  "0012", "1e3", "--1"])
def test_numbers_are_read_alike_in_python_and_in_postgresql(clean_datastore, cell):
    with get_read_engine().connect() as connection:
        in_sql = connection.execute(sa.text(f"SELECT {values.number_sql('c')} FROM (SELECT :cell AS c) t"),
                                    {"cell": cell}).scalar()
    assert in_sql == values.number(cell)


@pytest.mark.parametrize("cell, month", [
    ("2024-04-01", "2024-04"), ("2024/4/15", "2024-04"), ("2024年4月3日", "2024-04"), ("２０２４年４月", "2024-04"),
    ("令和6年4月1日", "2024-04"), ("令和元年5月1日", "2019-05"), ("R6.4", "2024-04"), ("Ｒ６．４", "2024-04"),
    ("平成31年4月30日", "2019-04"), ("H30.12", "2018-12"), ("昭和64年1月7日", "1989-01"),
    ("2024-13-01", None), ("令和6年", None), ("2024", None), ("中野五丁目", None), ("", None)])
def test_dates_are_read_alike_in_python_and_in_postgresql(clean_datastore, cell, month):
    assert values.month(cell) == month
    with get_read_engine().connect() as connection:
        in_sql = connection.execute(sa.text(f"SELECT {values.month_sql('c')} FROM (SELECT :cell AS c) t"),
                                    {"cell": cell}).scalar()
    assert in_sql == month


def test_anyone_asks_through_the_api_with_get_and_json_filters(app, table):
    resource, truth, _ = table
    answer = app.get("/api/3/action/nakano_chart_data", query_string={
        "resource_id": resource["id"], "x": "町丁目", "measure": "sum", "value": "台数",
        "filters": '[{"column": "種別", "value": "消火器"}]', "top": "3"})
    assert answer.status_code == 200
    rows = answer.json["result"]["rows"]
    expected = defaultdict(int)
    for t in truth:
        if t["kind"] == "消火器":
            expected[t["town"]] += t["count"] or 0
    assert [(r["label"], r["value"]) for r in rows] == sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    # Bad parameters: refused with the parameter named, never a 500.
    for bad in ({"top": "many"}, {"filters": "{not json"}, {"sort": "random()"}, {"x": "存在しない"}):
        refused = app.get("/api/3/action/nakano_chart_data",
                          query_string={"resource_id": resource["id"], "x": "町丁目", **bad})
        assert refused.status_code in (400, 409), (bad, refused.status_code)
        assert next(iter(bad)) in refused.body, refused.body


def test_a_file_of_a_standard_is_typed_by_its_table_schema(clean_db, clean_datastore):
    """設置位置 of the AED standard is a string: cells 「2」「3」 (floors) stay text categories, where
    the sample alone would have made them numbers; 緯度 (number) is a number though stored as text."""
    sysadmin = factories.Sysadmin()
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/aed.csv", format="CSV")
    _load(resource["id"], "名称,設置位置,緯度\nA,2,35.70\nB,3,35.71\nC,2,35.72\n", sysadmin["name"])
    kinds = {c["name"]: c["kind"] for c in helpers.call_action("nakano_chart_columns", resource_id=resource["id"])}
    assert kinds["設置位置"] == "number"        # without the standard: the cells decide
    row = Validation.get(resource["id"])         # a pending row made on upload
    if row is None:
        row = Validation(resource_id=resource["id"], status="valid")
        model.Session.add(row)
    row.report = {"standard": "aed"}
    model.Session.commit()
    aggregate.forget(resource["id"])
    kinds = {c["name"]: c["kind"] for c in helpers.call_action("nakano_chart_columns", resource_id=resource["id"])}
    assert kinds["設置位置"] == "text" and kinds["緯度"] == "number" and kinds["名称"] == "text"
