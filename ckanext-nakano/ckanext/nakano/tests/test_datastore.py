"""CKAN's DataStore on its own database, read through a role that cannot write
(the databases and role that `make test` / `make up` create)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)

import ckan.plugins.toolkit as tk

pytestmark = pytest.mark.services


def test_datastore_has_its_own_database_and_a_read_only_role():
    main = sa.engine.make_url(tk.config["sqlalchemy.url"])
    write = sa.engine.make_url(tk.config["ckan.datastore.write_url"])
    read = sa.engine.make_url(tk.config["ckan.datastore.read_url"])
    assert write.database != main.database and read.database == write.database
    assert read.username != write.username

    engine = sa.create_engine(read)
    try:
        with engine.connect() as conn:
            assert conn.scalar(sa.text("select has_schema_privilege('public', 'CREATE')")) is False
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("create table nakano_should_not_exist (x int)"))
    finally:
        engine.dispose()


@pytest.mark.usefixtures("with_plugins")
def test_datastore_and_loader_plugins_are_on(app):
    extensions = app.get("/api/3/action/status_show").json["result"]["extensions"]
    assert {"datastore", "xloader", "datatables_view"} <= set(extensions)
    # Japanese headers are kept as column names (xloader would transliterate them).
    assert tk.asbool(tk.config["ckanext.xloader.unidecode_headers"]) is False


@pytest.fixture()
def schools(clean_db, clean_datastore):
    from ckan.tests import factories, helpers

    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="教育・文化・スポーツ・生活", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/schools.csv", format="CSV")
    helpers.call_action("datastore_create", context={"user": factories.Sysadmin()["name"]},
                        resource_id=resource["id"], force=True,
                        fields=[{"id": "名称", "type": "text"}, {"id": "所在地", "type": "text"},
                                {"id": "児童数", "type": "int"}],
                        records=[{"名称": "中野区立桃花小学校", "所在地": "東中野一丁目", "児童数": 420},
                                 {"名称": "中野区立中野東中学校", "所在地": "中野一丁目", "児童数": 380},
                                 {"名称": "区立図書館", "所在地": "中野四丁目", "児童数": None},
                                 {"名称": "100%_ポイント", "所在地": "Nakano", "児童数": 1}])
    return resource


def _found(resource, q: str) -> list[str]:
    from ckan.tests import helpers

    return [r["名称"] for r in helpers.call_action("datastore_search", resource_id=resource["id"], q=q)["records"]]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.parametrize("q,names", [
    ("小学校", ["中野区立桃花小学校"]),                 # inside a cell: CKAN's full text matched whole cells only
    ("区立", ["中野区立桃花小学校", "中野区立中野東中学校", "区立図書館"]),
    ("中野 学校", ["中野区立桃花小学校", "中野区立中野東中学校"]),   # every word, in any cell
    ("東中野 小学校", ["中野区立桃花小学校"]),
    ("中野 図書館", ["区立図書館"]),                      # 中野 in another cell of the row
    ("100%", ["100%_ポイント"]),                          # % and _ are the characters themselves
    ("%ポイント", []),
])
def test_japanese_words_are_found_inside_cells(schools, q, names):
    assert sorted(_found(schools, q)) == sorted(names)


@pytest.mark.usefixtures("with_plugins")
def test_latin_queries_keep_full_text_search(schools):
    assert _found(schools, "nakano") == ["100%_ポイント"]


@pytest.fixture()
def loaded_as_text(clean_db, clean_datastore):
    """A table as xloader leaves it (every column text), and its validation report."""
    from ckan.tests import factories, helpers
    from ckanext.nakano.model import Validation

    org = factories.Organization()
    pkg = factories.Dataset(owner_org=org["id"], category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/shelters.csv", format="CSV")
    names = ["名称", "緯度", "経度", "収容人数", "開設時刻:分", "地区番号", "備考", "手で決めた"]
    rows = [["桃園小学校", "35.7056", "139.6657", "450", "8", "01", "", "3"],
            ["中野中学校", "35.6991", "139.6631", "1200", "10", "02", "-", "12"],
            ["区役所", "35.7074", "139.6650", "", "9", "10", "1階\n正面", "7"]]
    helpers.call_action("datastore_create", context={"user": factories.Sysadmin()["name"]},
                        resource_id=resource["id"], force=True,
                        fields=[{"id": n, "type": "text", **({"info": {"type_override": "text"}}
                                                             if n == "手で決めた" else {})} for n in names],
                        records=[dict(zip(names, r)) for r in rows])
    Validation.set(resource["id"], "valid", {"number_columns": ["緯度", "経度", "収容人数", "開設時刻:分",
                                                                "手で決めた", "備考", "消えた列"]})
    return resource


def _types(resource) -> dict[str, str]:
    from ckan.tests import helpers

    return {f["id"]: f["type"] for f in helpers.call_action("datastore_info", id=resource["id"])["fields"]}


@pytest.mark.usefixtures("with_plugins")
def test_number_columns_become_numbers_and_range_queries_work(loaded_as_text):
    from ckan.tests import helpers
    from ckanext.nakano.validation import datastore_types

    assert _types(loaded_as_text)["緯度"] == "text"
    typed = datastore_types.apply(loaded_as_text["id"])
    # 備考 holds 「-」 (the report was of another file): the table's own values decide.
    # 手で決めた was typed by a person; 地区番号 was never proposed (codes keep their zeros).
    assert typed == ["緯度", "経度", "収容人数", "開設時刻:分"]
    types = _types(loaded_as_text)
    assert {k: types[k] for k in typed} == dict.fromkeys(typed, "numeric")
    assert (types["備考"], types["手で決めた"], types["地区番号"]) == ("text", "text", "text")

    rows = helpers.call_action("datastore_search", resource_id=loaded_as_text["id"], sort="収容人数 desc")["records"]
    assert [r["収容人数"] for r in rows] == [None, 1200, 450]     # numbers, not "450" > "1200"
    assert rows[2]["緯度"] == 35.7056 and [r["地区番号"] for r in rows] == ["10", "02", "01"]
    engine = sa.create_engine(tk.config["ckan.datastore.read_url"])    # what the read-only role sees
    try:
        with engine.connect() as conn:
            north = conn.execute(sa.text(f'SELECT "名称" FROM "{loaded_as_text["id"]}" '
                                         'WHERE "緯度" > 35.70 ORDER BY "緯度"')).scalars().all()
    finally:
        engine.dispose()
    assert north == ["桃園小学校", "区役所"]
    # Japanese search still reads numbers as text.
    assert helpers.call_action("datastore_search", resource_id=loaded_as_text["id"], q="区役所")["total"] == 1
    assert datastore_types.apply(loaded_as_text["id"]) == []       # once is enough


@pytest.mark.usefixtures("with_plugins")
def test_typed_numbers_download_as_written(app, loaded_as_text):
    import csv
    import io

    from ckanext.nakano.validation import datastore_types

    datastore_types.apply(loaded_as_text["id"])
    body = app.get(f"/dataset/{loaded_as_text['package_id']}/resource/{loaded_as_text['id']}/table.csv").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0][:3] == ["名称", "緯度", "経度"]                 # no _id
    assert rows[3] == ["区役所", "35.7074", "139.6650", "", "9", "10", "1階\n正面", "7"]   # 139.6650, not 139.665
