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
    pkg = factories.Dataset(owner_org=org["id"], category="教育・文化・スポーツ・生活", license_id="CC-BY-4.0")
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
