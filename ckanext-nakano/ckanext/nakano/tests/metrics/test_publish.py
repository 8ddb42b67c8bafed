"""「ポータル利用統計」 needs an existing department: a clear ja/en error otherwise."""
from __future__ import annotations

import pytest

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import factories

from ckanext.nakano.metrics import events, usage_dataset
from ckanext.nakano.model import MetricDaily

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]


@pytest.mark.ckan_config("ckanext.nakano.metrics.organization", "no-such-department")
def test_missing_department_is_named_in_japanese_and_english():
    with pytest.raises(tk.ObjectNotFound) as raised:
        usage_dataset.publish()
    message = str(raised.value)
    assert "部署 no-such-department がありません" in message and "Department no-such-department does not exist" in message
    with pytest.raises(tk.ObjectNotFound):
        tk.get_action("package_show")({"ignore_auth": True}, {"id": "portal-usage-statistics"})


def _files(name: str) -> dict[str, tuple[str, str]]:
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
    return {r["name"]: (r["last_modified"], r["description"]) for r in pkg["resources"]}


@pytest.mark.ckan_config("ckanext.nakano.metrics.organization", "kikaku")
def test_unchanged_files_are_not_uploaded_again():
    factories.Organization(name="kikaku")
    usage_dataset.publish()
    first = _files("portal-usage-statistics")
    assert len(first) == len(usage_dataset.FILES)
    usage_dataset.publish()
    assert _files("portal-usage-statistics") == first  # no new upload: xloader keeps its tables
    # New figures for the site today: daily.csv changes, and only it.
    model.Session.add(MetricDaily(day=events.today(), kind="view", scope="site", subject="", count=7,
                                  visitors=3, authenticated=0, bots=0))
    model.Session.commit()
    usage_dataset.publish()
    after = _files("portal-usage-statistics")
    changed = {name for name in after if after[name] != first[name]}
    assert changed == {usage_dataset.FILES[0].title}
    assert "7" in usage_dataset.tables()["daily.csv"].decode("utf-8")
