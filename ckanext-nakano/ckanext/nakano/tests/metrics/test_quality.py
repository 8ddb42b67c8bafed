"""Quality score: indicators of schemas/quality.yaml on real datasets (test site)."""
from __future__ import annotations

import datetime

import pytest

from ckan.tests import factories, helpers

from ckanext.nakano.metrics import quality
from ckanext.nakano.model import LinkCheck, Validation

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("clean_db", "clean_index")]

MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"


@pytest.fixture()
def minimal():
    org = factories.Organization()
    ctx = {"user": factories.Sysadmin()["name"]}
    pkg = helpers.call_action("package_create", context=ctx, owner_org=org["id"], title="公園一覧",
                              notes="区立公園", category="国土・気象", license_id="cc-by")
    return pkg, ctx


def _score(pkg_id: str) -> dict:
    return helpers.call_action("nakano_metrics_dataset", id=pkg_id)["quality"]


def test_every_shipped_indicator_is_evaluated():
    ids = {i["id"] for d in quality.rules()["dimensions"] for i in d["indicators"]}
    assert ids == set(quality.indicators({"resources": []}, {}, {}))
    assert quality.rules()["ratings"][-1]["min"] == 0


def test_score_rises_as_metadata_is_completed(minimal):
    pkg, ctx = minimal
    before = _score(pkg["id"])
    passed = {i["id"]: i["ok"] for d in before["dimensions"] for i in d["indicators"]}
    assert passed["theme"] and passed["license"] and passed["publisher"] and not passed["keywords"]
    assert any(h["en"] == "Add at least one tag" for h in before["to_raise"])
    helpers.call_action("package_patch", context=ctx, id=pkg["id"], tag_string="公園,緑地",
                        temporal_coverage=[{"start": "2024-04-01"}],
                        contact=[{"name": "公園緑地課", "email": "koen@city.tokyo-nakano.example"}])
    after = _score(pkg["id"])
    assert after["score"] - before["score"] == 30 + 20 + 20   # keywords, temporal, contact
    assert not any(h["en"] == "Add at least one tag" for h in after["to_raise"])
    # One figure everywhere: the percentage the department pages average.
    assert after["percent"] == round(100 * after["score"] / after["max_score"])
    assert all(h["percent"] == round(100 * h["points"] / after["max_score"]) for h in after["to_raise"])


def test_resources_validation_and_links_feed_the_score(minimal, create_with_upload):
    pkg, ctx = minimal
    res = create_with_upload(b"a,b\n1,2\n", "parks.csv", context=ctx, package_id=pkg["id"], format="CSV",
                             url="parks.csv")
    Validation.set(res["id"], "valid")
    good = {i["id"]: i["ok"] for d in _score(pkg["id"])["dimensions"] for i in d["indicators"]}
    assert good["format"] and good["open_format"] and good["machine_readable"] and good["conforms"]
    assert good["media_type"] and good["byte_size"] and good["download_url"] and good["access_url_ok"]
    Validation.set(res["id"], "invalid")
    from ckan import model
    model.Session.add(LinkCheck(resource_id=res["id"], package_id=pkg["id"], url="x", status="broken",
                                checked=datetime.datetime.utcnow()))
    model.Session.commit()
    bad = _score(pkg["id"])
    failed = {i["id"] for d in bad["dimensions"] for i in d["indicators"] if not i["ok"]}
    assert {"conforms", "access_url_ok", "download_url_ok"} <= failed


def test_freshness_against_declared_frequency():
    today = datetime.date(2026, 11, 26)
    monthly = {"frequency": MONTHLY, "modified": "2026-10-20"}
    assert quality.freshness(monthly, today) == {"status": "on_time", "due": "2026-11-28"}
    assert quality.freshness({**monthly, "modified": "2026-09-01"}, today)["status"] == "overdue"
    irregular = {"frequency": MONTHLY.replace("MONTHLY", "IRREG")}
    assert quality.freshness(irregular, today)["status"] == "not_applicable"
    assert quality.freshness({}, today)["status"] == "undeclared"
    points = {d["id"]: d["points"] for d in quality.score({**monthly, "modified": "2026-09-01", "resources": []},
                                                          {}, {}, today)["dimensions"]}
    assert points["freshness"] == 0


def test_department_figures_and_leaderboard(minimal):
    pkg, ctx = minimal
    other = factories.Organization()
    helpers.call_action("package_create", context=ctx, owner_org=other["id"], title="AED設置箇所一覧",
                        notes="AED", category="社会保障・衛生", license_id="cc-by", standard_dataset="aed",
                        tag_string="AED", frequency=MONTHLY, modified="2020-01-01")
    assert quality.refresh_all() == 2
    ranked = helpers.call_action("nakano_metrics_site")["departments"]
    mine = {d["id"]: d for d in ranked}
    assert mine[other["id"]]["standards"] == 1 and mine[other["id"]]["overdue"] == 1
    assert mine[pkg["owner_org"]]["standards"] == 0 and mine[pkg["owner_org"]]["datasets"] == 1
    assert [d["rank"] for d in ranked] == list(range(1, len(ranked) + 1))
    scores = [d["score"] for d in ranked if d["score"] is not None]
    assert scores == sorted(scores, reverse=True)
