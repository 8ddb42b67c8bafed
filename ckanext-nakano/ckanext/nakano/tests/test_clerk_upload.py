"""A clerk's upload: the Japanese file name kept to the download, the format
worked out from the bytes, an encoding of the previous file forgotten, and a
CP932 CSV loaded into the DataStore by the real worker and xloader."""
from __future__ import annotations

import io
import time
import uuid
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import pytest
import requests
from werkzeug.datastructures import FileStorage

from ckan.tests import factories, helpers

from ckanext.nakano import upload_intake
from ckanext.nakano.tests.conftest import ROOT
from ckanext.nakano.tests.portal_api import api, loaded, token

SHARED = ROOT.parent / "shared" / "data" / "municipal-csv"
KYUUGOSHO = SHARED / "yaizu-222127" / "222127_kyuugosho-64302.csv"   # CP932, 救護所一覧 of 焼津市
WORKBOOK = SHARED / "takamatsu-372013" / "0099.xlsx"


@pytest.mark.parametrize("given,kept", [
    ("救護所一覧.csv", "救護所一覧.csv"),
    ("令和6年度 図書館 一覧 (最新).csv", "令和6年度 図書館 一覧 (最新).csv"),
    ("C:\\Users\\clerk\\Desktop\\避難所.csv", "避難所.csv"),          # old browsers send the path
    ("../../etc/passwd", "passwd"),
    ("a\x00b?c#d%e.csv", "a b c d e.csv"),
    ("ｶﾀｶﾅ.csv", "ｶﾀｶﾅ.csv"),
    ("...", ""),
])
def test_readable_file_name(given, kept):
    assert upload_intake.readable_file_name(given) == kept


@pytest.mark.parametrize("path,name,expected", [
    (KYUUGOSHO, "救護所一覧.csv", "CSV"),
    (KYUUGOSHO, "救護所一覧", "CSV"),                  # no extension at all
    (WORKBOOK, "0099.csv", "XLSX"),                   # a workbook named .csv
    (SHARED / "takamatsu-372013" / "hospital_data.csv", "hospital.txt", "CSV"),
])
def test_format_from_the_bytes(path: Path, name: str, expected: str):
    stream = io.BytesIO(path.read_bytes())
    assert upload_intake.format_of(stream, name) == expected
    assert stream.tell() == 0


def test_format_of_other_kinds():
    assert upload_intake.format_of(io.BytesIO(b"%PDF-1.7\n..."), "a.csv") == "PDF"
    assert upload_intake.format_of(io.BytesIO('{"type": "FeatureCollection"}'.encode()), "x") == "GeoJSON"
    assert upload_intake.format_of(io.BytesIO("名称\n区役所\n".encode("utf-8")), "one.csv") == "CSV"
    assert upload_intake.format_of(io.BytesIO("お知らせです。\n".encode("utf-8")), "memo") == "TXT"


@pytest.fixture()
def dataset(clean_db, clean_index, with_request_context):
    user = factories.Sysadmin()
    org = factories.Organization()
    ctx = {"user": user["name"]}
    pkg = helpers.call_action("package_create", context=ctx, owner_org=org["id"], title="救護所一覧",
                              notes="災害時の救護所", category="社会保障・衛生", license_id="cc-by")
    return pkg, ctx


def _upload(ctx, data: bytes, filename: str, **fields):
    return helpers.call_action("resource_create", context=dict(ctx), upload=FileStorage(io.BytesIO(data), filename),
                               url="", **fields)


@pytest.mark.usefixtures("clean_queues")
def test_japanese_name_is_kept_to_the_download(dataset, app):
    pkg, ctx = dataset
    resource = _upload(ctx, KYUUGOSHO.read_bytes(), "救護所一覧.csv", package_id=pkg["id"])
    assert resource["format"] == "CSV" and resource["name"] == "救護所一覧"
    assert resource["file_name"] == "救護所一覧.csv"
    assert resource["url"].endswith("/download/" + quote("救護所一覧.csv"))

    spaced = _upload(ctx, b"a,b\n1,2\n", "令和6年度 図書館 一覧 (最新).csv", package_id=pkg["id"], name="図書館")
    response = app.get(urlparse(spaced["url"]).path)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "令和6年度 図書館 一覧 (最新).csv"

    # An edit without a new file (the form does not send file_name) keeps the name.
    edited = helpers.call_action("resource_update", context=dict(ctx), id=resource["id"], url="救護所一覧.csv",
                                 url_type="upload", name="救護所一覧（更新）", format="CSV")
    assert edited["file_name"] == "救護所一覧.csv" and edited["url"].endswith(quote("救護所一覧.csv"))
    # The edit form gets the bare name to show, not a link.
    for_edit = helpers.call_action("resource_show", context={"for_edit": True, "use_cache": False, "user": ctx["user"]},
                                   id=resource["id"])
    assert for_edit["url"] == "救護所一覧.csv"


@pytest.mark.usefixtures("clean_queues")
def test_new_file_gets_its_own_format_and_encoding(dataset):
    pkg, ctx = dataset
    first = _upload(ctx, KYUUGOSHO.read_bytes(), "救護所一覧.csv", package_id=pkg["id"], encoding="cp932")
    # The UTF-8 copy replaces the CP932 file; the form sends the old encoding back unchanged.
    utf8 = KYUUGOSHO.read_bytes().decode("cp932").encode("utf-8")
    second = helpers.call_action("resource_update", context=dict(ctx), id=first["id"], url="",
                                 upload=FileStorage(io.BytesIO(utf8), "救護所一覧_utf8.csv"),
                                 format=first["format"], encoding="cp932")
    assert second["encoding"] == "" and second["file_name"] == "救護所一覧_utf8.csv"
    # A workbook replacing the CSV becomes XLSX; a clerk's own new encoding is kept.
    third = helpers.call_action("resource_update", context=dict(ctx), id=first["id"], url="",
                                upload=FileStorage(io.BytesIO(WORKBOOK.read_bytes()), "救護所一覧.csv"),
                                format="CSV", encoding="utf-8")
    assert third["format"] == "XLSX" and third["encoding"] == "utf-8"


# --- through the running portal: the real worker and xloader ------------------------------

@pytest.fixture()
def portal_dataset(portal):
    pkg = api(portal, "package_create", token(portal), name=f"clerk-{uuid.uuid4().hex[:8]}", title="救護所一覧",
              notes="出典：焼津市オープンデータ（公共データ利用規約 第1.0版）", category="社会保障・衛生",
              license_id="cc-by", owner_org="kikaku")
    yield pkg
    api(portal, "dataset_purge", token(portal), id=pkg["id"])


@pytest.mark.services
def test_cp932_file_without_format_becomes_a_table(portal, portal_dataset):
    with KYUUGOSHO.open("rb") as stream:
        resource = api(portal, "resource_create", token(portal), files={"upload": ("救護所一覧.csv", stream)},
                       package_id=portal_dataset["id"])
    assert resource["format"] == "CSV" and resource["url"].endswith(quote("救護所一覧.csv"))
    rows = KYUUGOSHO.read_bytes().decode("cp932").strip().count("\n")
    loaded(portal, resource["id"], rows)
    found = api(portal, "datastore_search", token(portal), resource_id=resource["id"], limit=1)
    assert found["records"][0]["名称"] == "第1救護所"
    assert api(portal, "resource_show", token(portal), id=resource["id"])["encoding"] == "cp932"
    # Coordinates are numbers in the DataStore (after the load and the validation, whichever came last).
    for _ in range(120):
        types = {f["id"]: f["type"] for f in api(portal, "datastore_info", token(portal), id=resource["id"])["fields"]}
        if types["緯度"] != "text":
            break
        time.sleep(0.5)
    assert (types["緯度"], types["経度"], types["電話番号"], types["NO"]) == ("numeric", "numeric", "text", "text")
    southern = api(portal, "datastore_search", token(portal), resource_id=resource["id"], sort="緯度", limit=1)
    latitudes = [float(line.split(",")[9]) for line in KYUUGOSHO.read_bytes().decode("cp932").splitlines()[1:]]
    assert southern["records"][0]["緯度"] == min(latitudes)

    # The DataStore tab speaks to the clerk: Japanese, no log, no traceback.
    session = requests.Session()
    page = session.get(f"{portal['url']}/dataset/{portal_dataset['id']}/resource_data/{resource['id']}",
                       headers=token(portal), timeout=60)
    assert page.status_code == 200
    assert "表データを作成済みです" in page.text
    assert "Traceback" not in page.text and "Upload Log" not in page.text
