"""CKAN's DataStore on its own database, read through a role that cannot write
(the databases and role that `make test` / `make up` create)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

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
