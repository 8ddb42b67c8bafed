"""「ポータル利用統計」 needs an existing department: a clear ja/en error otherwise."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk

from ckanext.nakano.metrics import publish

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


@pytest.mark.ckan_config("ckanext.nakano.metrics.organization", "no-such-department")
def test_missing_department_is_named_in_japanese_and_english():
    with pytest.raises(tk.ObjectNotFound) as raised:
        publish.publish()
    message = str(raised.value)
    assert "部署 no-such-department がありません" in message and "Department no-such-department does not exist" in message
    with pytest.raises(tk.ObjectNotFound):
        tk.get_action("package_show")({"ignore_auth": True}, {"id": "portal-usage-statistics"})
