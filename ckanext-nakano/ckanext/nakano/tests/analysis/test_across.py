"""nakano_analysis_data and /analysis: figures across the files of one standard, checked
against an independent computation of the same files (csv and Python here): the ward's AEDs
in the current and the 2016 layout, Takamatsu's real AED file (English keys, its preamble
rows) with its real population file, a ward population file of two survey dates. Files of a
private dataset or not in the DataStore are never read; settings that cannot be are refused
beside the setting; a file loaded again is seen."""
from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from ckanext.nakano import vocab
from ckanext.nakano.charts import aggregate
from ckanext.nakano.model import Validation

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins")]

TAKAMATSU = Path(__file__).parents[2] / "demo" / "samples" / "takamatsu-372013"
KANJI = "〇一二三四五六七八九"
CURRENT = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "所在地_連結表記", "設置位置", "小児対応設備の有無"]
OLD_2016 = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "住所", "設置位置", "小児対応設備の有無"]


def _address(rnd: random.Random, town: str) -> str:
    """A ward address written one of the ways the ward's files write it."""
    base, number = town[:-3], KANJI.index(town[-3])
    block = f"{rnd.randint(1, 30)}-{rnd.randint(1, 20)}"
    return rnd.choice([f"東京都中野区{base}{number}-{block}", f"中野区{town}{rnd.randint(1, 30)}番{rnd.randint(1, 9)}号",
                       f"{base}{chr(0xFF10 + number)}丁目", f"〒164-0001 東京都中野区{base}{number}丁目{block}"])


def _ward_aed(layout: list[str], seed: int, rows: int) -> tuple[str, list[dict]]:
    rnd = random.Random(seed)
    towns = [t for t in vocab.towns() if t.endswith("丁目")][:12]
    out, truth = io.StringIO(), []
    writer = csv.writer(out)
    writer.writerow(layout)
    for n in range(rows):
        town = rnd.choice(towns)
        address = _address(rnd, town)
        if n % 17 == 3:            # another ward's address with a town name of ours: none of ours
            town, address = None, "東京都杉並区本町1-2-3"
        if n % 23 == 5:            # no address
            town, address = None, ""
        row = {"全国地方公共団体コード": "131148", "都道府県コード又は市区町村コード": "131148", "ID": f"{seed}{n:05d}",
               "NO": str(n + 1), "地方公共団体名": "東京都中野区", "都道府県名": "東京都", "市区町村名": "中野区",
               "名称": f"施設{n}", "所在地_連結表記": address, "住所": address,
               "設置位置": rnd.choice(["1階入口", "2階", "事務室"]), "小児対応設備の有無": rnd.choice(["有", "無", ""])}
        writer.writerow([row[c] for c in layout])
        truth.append({"town": town, "place": row["設置位置"], "children": row["小児対応設備の有無"]})
    return out.getvalue(), truth


def _ward_population(foreign: bool = False) -> tuple[str, dict[str, int]]:
    """Two surveys: the later one counts; the ward's total row is no town. The foreign
    residents' file: the same latest survey (another way of writing its date), fewer people."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["全国地方公共団体コード", "地方公共団体名", "調査年月日", "地域名", "総人口"])
    latest = {}
    for i, town in enumerate(list(vocab.towns())[:40]):
        writer.writerow(["131148", "東京都中野区", "2020-01-01", town, "9,999"])
        residents = 20 + 3 * i if foreign else 1000 + 37 * i
        writer.writerow(["131148", "東京都中野区", "2026/1/1" if foreign else "令和8年1月1日",
                         town.replace("丁目", "").rstrip("一二三四五六") + str("〇一二三四五六".index(town[-3])) + "丁目"
                         if foreign and town.endswith("丁目") else town, f"{residents:,}"])
        latest[town] = residents
    writer.writerow(["131148", "東京都中野区", "令和8年1月1日", "中野区", "340,000"])
    return out.getvalue(), latest


def _takamatsu(name: str) -> str:
    """The file as the loader leaves it in the DataStore: from its 「#property」 row on (the
    two preamble rows after it included), every column text."""
    lines = (TAKAMATSU / name).read_text(encoding="utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#property"))
    return "\n".join(lines[start:]) + "\n"


def _load(resource_id: str, text: str, user: str) -> None:
    reader = csv.reader(io.StringIO(text))
    names = next(reader)
    helpers.call_action("datastore_create", context={"user": user}, resource_id=resource_id, force=True,
                        fields=[{"id": n, "type": "text"} for n in names],
                        records=[dict(zip(names, row)) for row in reader])


def _file(org: dict, user: str, standard: str, text: str | None, private: bool = False) -> dict:
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by", private=private,
                            standard_dataset=standard)
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/data.csv", format="CSV")
    if text is not None:
        _load(resource["id"], text, user)
    Validation.set(resource["id"], "valid", {"standard": standard})
    return {**resource, "dataset": pkg}


@pytest.fixture()
def catalog(clean_db, clean_datastore):
    sysadmin = factories.Sysadmin()
    org = factories.Organization()
    current, current_truth = _ward_aed(CURRENT, 1, 160)
    old, old_truth = _ward_aed(OLD_2016, 2, 90)
    people, japanese = _ward_population()
    foreigners, foreign = _ward_population(foreign=True)
    latest = {town: japanese[town] + foreign[town] for town in japanese}
    secret, _ = _ward_aed(CURRENT, 3, 50)
    files = {"current": _file(org, sysadmin["name"], "aed", current),
             "old": _file(org, sysadmin["name"], "aed", old),
             "takamatsu": _file(org, sysadmin["name"], "aed", _takamatsu("0002.csv")),
             "private": _file(org, sysadmin["name"], "aed", secret, private=True),
             "unloaded": _file(org, sysadmin["name"], "aed", None),
             "people": _file(org, sysadmin["name"], "population", people),
             "foreigners": _file(org, sysadmin["name"], "population", foreigners),
             "takamatsu_people": _file(org, sysadmin["name"], "population", _takamatsu("0066_201904.csv"))}
    return {"files": files, "truth": current_truth + old_truth, "latest": latest, "sysadmin": sysadmin, "org": org}


def _analyse(**settings) -> dict:
    return helpers.call_action("nakano_analysis_data", context={"user": "", "ignore_auth": False}, **settings)


def _takamatsu_truth() -> tuple[Counter, dict[str, int], int]:
    """Takamatsu's AEDs per town of its population file, counted here with plain string
    matching: an address 「(香川県)高松市」 + a town name (a 丁目 also written 「一丁目」 or 「1-」)."""
    rows = list(csv.DictReader(io.StringIO(_takamatsu("0066_201904.csv"))))
    residents = {r["regionName"]: int(r["totalPopulation"]) for r in rows if r["totalPopulation"].isdigit()}
    names = sorted(residents, key=len, reverse=True)
    counted, unmatched = Counter(), 0
    for row in csv.DictReader(io.StringIO(_takamatsu("0002.csv"))):
        if row["#property"].startswith("#"):
            continue
        address = unicodedata.normalize("NFKC", row["address"]).replace(" ", "").replace("\u3000", "")
        address = re.sub("([一二三四五六七八九])丁目", lambda m: f"{KANJI.index(m[1])}丁目", address.removeprefix("香川県"))
        rest = address.removeprefix("高松市") if address.startswith("高松市") else None
        found = None
        for name in names if rest is not None else []:
            plain = unicodedata.normalize("NFKC", name)
            chome = re.fullmatch(r"(.+?)(\d+)丁目", plain)
            if chome and (rest.startswith(plain) or re.match(re.escape(chome[1] + chome[2]) + r"[-‐−の番]", rest)):
                found = name
                break
            if not chome and rest.startswith(plain) and not re.match(re.escape(plain) + r"\d+丁目", rest):
                if not any(unicodedata.normalize("NFKC", n).startswith(plain) and rest.startswith(
                        unicodedata.normalize("NFKC", n)) for n in names if n != name):
                    found = name
                    break
        if found is None:
            unmatched += 1
        else:
            counted[found] += 1
    return counted, residents, unmatched


def test_aeds_by_town_across_three_layouts_match_python(catalog):
    answer = _analyse(standard="aed", group="town", population=catalog["files"]["takamatsu_people"]["id"])
    by_label = {r["label"]: r["value"] for r in answer["rows"]}
    ward = Counter(t["town"] for t in catalog["truth"] if t["town"])
    assert {k: v for k, v in by_label.items() if not k.startswith("高松市")} == dict(ward)
    takamatsu, _, takamatsu_unmatched = _takamatsu_truth()
    assert {k.removeprefix("高松市 "): v for k, v in by_label.items() if k.startswith("高松市")} == dict(takamatsu)
    assert answer["unmatched"]["rows"] == sum(1 for t in catalog["truth"] if not t["town"]) + takamatsu_unmatched
    assert "東京都杉並区本町1-" in answer["unmatched"]["examples"], "addresses are grouped by their head"
    files = {f["resource_id"]: f for f in answer["files"]}
    assert set(files) == {catalog["files"][k]["id"] for k in ("current", "old", "takamatsu")}, \
        "the private dataset's file and the file not in the DataStore are not read"
    assert files[catalog["files"]["current"]["id"]]["mapped"] == []
    assert ["住所", "所在地_連結表記"] in files[catalog["files"]["old"]["id"]]["mapped"]
    assert ["address", "所在地_連結表記"] in files[catalog["files"]["takamatsu"]["id"]]["mapped"]
    assert files[catalog["files"]["takamatsu"]["id"]]["rows_counted"] == sum(takamatsu.values()) + takamatsu_unmatched


def test_per_1000_residents_at_the_latest_survey(catalog):
    answer = _analyse(standard="aed", group="town", per_1000=True)
    assert {f["resource_id"] for f in answer["population"]["files"]} == {
        catalog["files"]["people"]["id"], catalog["files"]["foreigners"]["id"]}, "the latest survey's files, added up"
    ward = Counter(t["town"] for t in catalog["truth"] if t["town"])
    rows = {r["label"]: r for r in answer["rows"]}
    assert set(rows) == set(catalog["latest"]), "every town of the population file, the ward's total row none"
    for town, residents in catalog["latest"].items():
        assert rows[town]["residents"] == residents and rows[town]["count"] == ward.get(town, 0)
        assert rows[town]["value"] == round(ward.get(town, 0) * 1000 / residents, 2)
    assert sorted(answer["no_residents"]) == sorted(t for t in ward if t not in catalog["latest"])
    assert answer["population"]["date"] == "2026-01-01", "令和8年1月1日 and 2026/1/1 are one survey date"
    assert [r["label"] for r in answer["rows"] if r["few_residents"]] == [], "every test town has 1,020 or more"

    theirs = _analyse(standard="aed", group="town", per_1000=True, population=catalog["files"]["takamatsu_people"]["id"])
    counted, residents, _ = _takamatsu_truth()
    expected = {f"高松市 {town}": round(counted.get(town, 0) * 1000 / n, 2) for town, n in residents.items() if n}
    assert {r["label"]: r["value"] for r in theirs["rows"]} == expected, "only the towns of the municipality counted"


def test_group_by_a_column_of_the_standard_and_sum(catalog):
    answer = _analyse(standard="aed", group="小児対応設備の有無")
    expected = Counter(t["children"] or None for t in catalog["truth"])
    takamatsu = Counter((r["equipmentForChildren"].strip() or None)
                        for r in csv.DictReader(io.StringIO(_takamatsu("0002.csv"))) if not r["#property"].startswith("#"))
    expected.update(takamatsu)
    assert {r["label"]: r["value"] for r in answer["rows"]} == dict(expected)

    summed = _analyse(standard="population", group="地域名", measure="sum", value="総人口")
    truth: Counter = Counter()
    for text, name, number in ((_ward_population()[0], "地域名", "総人口"), (_ward_population(True)[0], "地域名", "総人口"),
                               (_takamatsu("0066_201904.csv"), "regionName", "totalPopulation")):
        for row in csv.DictReader(io.StringIO(text)):
            value = row[number].replace(",", "")
            if value.isdigit():
                truth[row[name]] += int(value)
    assert {r["label"]: r["value"] for r in summed["rows"]} == dict(truth)
    theirs = next(f for f in summed["files"] if f["resource_id"] == catalog["files"]["takamatsu_people"]["id"])
    data_rows = [r for r in csv.DictReader(io.StringIO(_takamatsu("0066_201904.csv"))) if not r["#property"].startswith("#")]
    assert theirs["rows_counted"] == len(data_rows) and theirs["skipped"] == 0, "its 「#…」 preamble rows are no rows"


@pytest.mark.parametrize("settings, field", [
    ({"standard": "aed", "group": '町丁目"; DROP TABLE package; --'}, "group"),
    ({"standard": "aed", "group": "名称"}, "group"),
    ({"standard": "aed", "measure": "sum"}, "value"),
    ({"standard": "aed", "measure": "sum", "value": "設置位置"}, "value"),      # a column, but not of numbers
    ({"standard": "aed", "measure": "sum", "value": "存在しない列"}, "value"),
    ({"standard": "aed", "group": "file", "per_1000": True}, "per_1000"),
    ({"standard": "aed", "per_1000": True, "population": "not-a-population-file"}, "population"),
    ({"standard": "no_such_standard"}, "standard"),
    ({"standard": "aed", "measure": "avg"}, "measure"),
])
def test_what_cannot_be_is_refused_beside_the_setting(catalog, settings, field):
    with pytest.raises(tk.ValidationError) as refused:
        _analyse(**settings)
    assert field in refused.value.error_dict


def test_a_file_loaded_again_is_seen(catalog):
    first = _analyse(standard="aed", group="file")
    assert not first["cached"] and _analyse(standard="aed", group="file")["cached"]
    current = catalog["files"]["current"]
    helpers.call_action("datastore_upsert", context={"user": catalog["sysadmin"]["name"]}, resource_id=current["id"],
                        method="insert", force=True, records=[{"名称": "追加", "所在地_連結表記": "中野区中野5-1"}])
    again = _analyse(standard="aed", group="file")
    assert not again["cached"]
    rows = {r["resource_id"]: r["value"] for r in again["rows"]}
    assert rows[current["id"]] == {r["resource_id"]: r["value"] for r in first["rows"]}[current["id"]] + 1
    assert aggregate.table_version   # the key follows each table's version (charts/aggregate.py)


def test_pages_say_the_files_their_layouts_and_the_same_numbers(app, catalog):
    listing = app.get("/analysis").body
    assert 'href="/analysis/aed"' in listing and 'href="/analysis/population"' in listing
    page = app.get("/analysis/aed", query_string={"population": catalog["files"]["takamatsu_people"]["id"]}).body
    assert "「住所」→「所在地_連結表記」" in page and "「address」→「所在地_連結表記」" in page
    assert catalog["files"]["private"]["dataset"]["title"] not in page
    answer = _analyse(standard="aed", group="town", population=catalog["files"]["takamatsu_people"]["id"])
    download = app.get("/analysis/aed.csv", query_string={"population": catalog["files"]["takamatsu_people"]["id"]})
    assert download.headers["Content-Type"].startswith("text/csv") and download.body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(download.body.lstrip("\ufeff"))))
    assert {row[0]: float(row[1]) for row in lines[1:]} == {r["label"]: r["value"] for r in answer["rows"]}
    assert "<h2" in app.get("/analysis/population").body, "a standard without addresses is counted by file first"
    app.get("/analysis/aed", query_string={"group": "file", "kind": "towns"}, status=400)
    app.get("/analysis/aed", query_string={"kind": "<script>"}, status=400)
    refused = app.get("/analysis/aed", query_string={"group": "file", "per_1000": "1"}, status=400).body
    assert "町丁目" in refused and 'aria-invalid="true"' in refused
    shaded = app.get("/analysis/aed", query_string={"kind": "towns", "per_1000": "1"}).body
    ward = Counter(t["town"] for t in catalog["truth"] if t["town"])
    town, count = ward.most_common(1)[0]
    rate = f"{ward[town] * 1000 / catalog['latest'][town]:,.2f}".rstrip("0").rstrip(".")
    assert f"<title>{town}: {rate}</title>" in shaded, "the map's area of a town says its figure"
    english = app.get("/en/analysis/aed").body
    assert "Analyse across files" in english
    dataset = app.get(f"/dataset/{catalog['files']['current']['dataset']['name']}").body
    assert 'href="/analysis/aed"' in dataset
    app.get("/analysis/no_such_standard", status=404)


def test_a_town_without_residents_is_said_not_dropped(catalog):
    """A town of the population file with 0 residents (a port, a park) where a file has rows."""
    people = catalog["files"]["people"]
    helpers.call_action("datastore_upsert", context={"user": catalog["sysadmin"]["name"]}, resource_id=people["id"],
                        method="insert", force=True, records=[{"地方公共団体名": "東京都中野区", "調査年月日": "令和8年1月1日",
                                                              "地域名": "中野四季の森", "総人口": "0"}])
    aed = catalog["files"]["current"]
    helpers.call_action("datastore_upsert", context={"user": catalog["sysadmin"]["name"]}, resource_id=aed["id"],
                        method="insert", force=True, records=[{"名称": "公園", "所在地_連結表記": "中野区中野四季の森"}])
    answer = _analyse(standard="aed", group="town", per_1000=True)
    assert "中野四季の森" in answer["no_residents"]
    assert "中野四季の森" not in {r["label"] for r in answer["rows"]}
