"""A file loaded again whose table changed type (the validation makes plain numbers numeric,
so every reload of such a file does this): ckanext-xloader deletes the old table with an empty
user (loader.delete_datastore_resource: ``{'user': ''}``), and CKAN's activity plugin refused
the resource's update that follows ('User not found') — the load failed and the file had no
table left (the usage statistics after their first daily republish, seen in make test's logs).
The DataStore's write actions now act as the site user when a job calls them without one."""
from __future__ import annotations

import pytest
from ckanext.datastore.tests.conftest import clean_datastore  # noqa: F401  (fixture)
from ckanext.xloader.loader import delete_datastore_resource

from ckan.tests import factories, helpers

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins", "clean_db", "clean_datastore")]


def test_the_loader_deletes_a_table_without_a_user_and_the_resource_says_so(clean_db):
    sysadmin = factories.Sysadmin()
    pkg = factories.Dataset(owner_org=factories.Organization()["id"], category="その他", license_id="cc-by")
    resource = factories.Resource(package_id=pkg["id"], url="https://example.org/a.csv", format="CSV")
    helpers.call_action("datastore_create", context={"user": sysadmin["name"]}, resource_id=resource["id"],
                        force=True, fields=[{"id": "件数", "type": "numeric"}], records=[{"件数": 1}])
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is True
    delete_datastore_resource(resource["id"])          # as xloader does before loading a changed table
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is False
    # The loader's next step: the table made again, the file shown with it.
    helpers.call_action("datastore_create", context={"user": "", "ignore_auth": True}, resource_id=resource["id"],
                        force=True, fields=[{"id": "件数", "type": "text"}], records=[{"件数": "1"}])
    assert helpers.call_action("resource_show", id=resource["id"])["datastore_active"] is True
