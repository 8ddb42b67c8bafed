"""What a resource page says when the portal could not make a table of a linked file
(datastore_loads.py, templates/nakano/downloads.html)."""
from __future__ import annotations

import datetime
import json

import pytest

from ckan.tests import factories, helpers
from ckanext.nakano import messages

# No with_request_context here: a page asked for with a token must see its own user.
pytestmark = [pytest.mark.usefixtures("clean_db", "clean_index")]


def test_a_file_the_portal_cannot_fetch_is_explained_without_promising_a_table(app):
    """The demo's links to the ward's site (unreachable here): the page says where the file
    is and why there is no table, never 「まだ」 a table that will not come; a failed fetch
    says the same to visitors, its network detail only to the department's staff."""
    org = factories.Organization()
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id=org["id"], username=editor["name"], role="editor")
    pkg = factories.Dataset(owner_org=org["id"], category="人口・世帯", license_id="cc-by")
    res = factories.Resource(package_id=pkg["id"], url="https://www.city.tokyo-nakano.invalid/x.csv",
                             format="CSV", name="庁舎一覧")
    url = f"/dataset/{pkg['name']}/resource/{res['id']}"
    page = app.get(url).body
    assert "www.city.tokyo-nakano.invalid から取得できていない" in page, page
    assert "まだ表" not in page

    failed = messages.stored("fetch-failed", url="https://www.city.tokyo-nakano.invalid/x.csv",
                             detail="DNS: [Errno -2] Name or service not known")
    helpers.call_action("task_status_update", entity_id=res["id"], entity_type="resource",
                        task_type="xloader", key="xloader", value="{}", state="error",
                        error=json.dumps({"message": failed}),
                        last_updated=datetime.datetime.utcnow().isoformat())
    page = app.get(url).body
    assert "www.city.tokyo-nakano.invalid にあり、ポータルはそこから取得できなかった" in page and "Errno" not in page, page
    staff = app.get(url, headers={"Authorization": editor["token"]}).body
    assert "職員向け" in staff and "Errno -2" in staff
