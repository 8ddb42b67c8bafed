"""Usage recorded through the running portal: real HTTP requests to the
gunicorn of `make up` (conftest's ``portal``), events written by its metrics
worker, rollups by `ckan nakano metrics rollup`. Each test makes its own
dataset, so the exact counts are its own."""
from __future__ import annotations

import configparser
import subprocess
import uuid

import psycopg2
import pytest
import requests

from ckanext.nakano.tests.conftest import ROOT
from ckanext.nakano.tests.portal_api import api, token

pytestmark = pytest.mark.services

A = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "X-Forwarded-For": "203.0.113.77"}
B = {"User-Agent": "Mozilla/5.0 (iPhone) Safari/604.1", "X-Forwarded-For": "198.51.100.23"}
BOT = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
       "X-Forwarded-For": "66.249.66.1"}


def _rollup(portal) -> str:
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(portal["local"] / "ckan.ini"),
                           "nakano", "metrics", "rollup"], capture_output=True, text=True, timeout=300,
                          env=portal["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture()
def dataset(portal, tmp_path):
    """A new dataset with an uploaded CSV and a link to an outside file; purged after the
    test, so that the shared portal keeps its catalog (other tests count it)."""
    name = f"metrics-{uuid.uuid4().hex[:8]}"
    pkg = api(portal, "package_create", token(portal), name=name, title="利用統計テスト", notes="テスト",
               category="行財政", license_id="cc-by", owner_org="kikaku")
    csv = tmp_path / "data.csv"
    csv.write_text("名称,所在地\n中野区役所,中野4-11-19\n", encoding="utf-8")
    with csv.open("rb") as stream:
        upload = api(portal, "resource_create", token(portal), files={"upload": ("data.csv", stream)},
                      package_id=pkg["id"], name="CSV", format="CSV")
    link = api(portal, "resource_create", token(portal), package_id=pkg["id"], name="link",
                url="https://www.city.tokyo-nakano.lg.jp/data.csv", format="CSV")
    yield {"pkg": pkg, "upload": upload, "link": link}
    api(portal, "dataset_purge", token(portal), id=pkg["id"])


def test_views_downloads_api_calls_counted_exactly(portal, dataset):
    url, pkg = portal["url"], dataset["pkg"]
    for _ in range(3):                                      # visitor A, three times
        assert requests.get(f"{url}/dataset/{pkg['name']}", headers=A, timeout=60).status_code == 200
    for _ in range(2):                                      # visitor B, twice
        assert requests.get(f"{url}/dataset/{pkg['name']}", headers=B, timeout=60).status_code == 200
    for _ in range(4):                                      # a crawler: apart
        assert requests.get(f"{url}/dataset/{pkg['name']}", headers=BOT, timeout=60).status_code == 200
    # Do Not Track: counted as a view, without a visitor key.
    assert requests.get(f"{url}/dataset/{pkg['name']}", headers={**A, "DNT": "1"}, timeout=60).status_code == 200
    resource_page = f"{url}/dataset/{pkg['id']}/resource/{dataset['upload']['id']}"
    assert requests.get(resource_page, headers=A, timeout=60).status_code == 200
    # Downloads: the button of the resource page (browser path), the file URL the API gives
    # (direct link, as an API client or another site uses it), the redirect of a linked file.
    page = requests.get(resource_page, headers=A, timeout=60).text
    assert dataset["upload"]["url"] in page
    for headers in (A, B):
        got = requests.get(dataset["upload"]["url"], headers=headers, timeout=60)
        assert got.status_code == 200 and "中野区役所" in got.content.decode("utf-8")
    # The portal's own workers (xloader fetches uploads with the site user's token): not use.
    worker = {**A, "Authorization": (portal["local"] / "worker-api-token").read_text().strip()}
    assert requests.get(dataset["upload"]["url"], headers=worker, timeout=60).status_code == 200
    api(portal, "package_show", worker, id=pkg["id"])
    redirect = requests.get(f"{url}/dataset/{pkg['id']}/resource/{dataset['link']['id']}/download",
                            headers=B, allow_redirects=False, timeout=60)
    assert redirect.status_code == 302 and redirect.headers["Location"] == dataset["link"]["url"]
    # API: four anonymous package_show calls and one with a token.
    for _ in range(4):
        api(portal, "package_show", B, id=pkg["name"])
    api(portal, "package_show", token(portal), id=pkg["id"])

    _rollup(portal)
    first = api(portal, "nakano_metrics_dataset", id=pkg["id"])
    assert first["views_total"] == first["views_recent"] == 3 + 2 + 1
    assert first["visitors_recent"] == 2          # A and B; the DNT view has no key
    assert first["downloads_total"] == 3
    assert first["api_total"] == 5
    by_resource = {r["id"]: r for r in first["resources"]}
    assert by_resource[dataset["upload"]["id"]]["downloads_total"] == 2
    assert by_resource[dataset["link"]["id"]]["downloads_total"] == 1
    assert by_resource[dataset["upload"]["id"]]["views_total"] == 2

    events = api(portal, "nakano_metrics_events", token(portal), limit=2000)
    mine = [e for e in events if e["package_id"] == pkg["id"]]
    assert sum(1 for e in mine if e["bot"] and e["kind"] == "view") == 4
    assert sum(1 for e in mine if e["kind"] == "api" and e["auth"] == "token") == 1

    # Idempotent: rolling up again changes no usage figure. (The quality score
    # is not the rollup's: the worker may still finish the upload's validation
    # between the two reads and score the dataset again.)
    _rollup(portal)
    again = api(portal, "nakano_metrics_dataset", id=pkg["id"])
    assert {k: v for k, v in again.items() if k != "quality"} == {k: v for k, v in first.items() if k != "quality"}


def test_searches_and_zero_result_searches(portal):
    word = f"存在しないデータ{uuid.uuid4().hex[:6]}"
    for headers in (A, B, A):
        page = requests.get(f"{portal['url']}/dataset/", params={"q": word}, headers=headers, timeout=60)
        assert page.status_code == 200
    # Page 2 of the same search is not a new search.
    requests.get(f"{portal['url']}/dataset/", params={"q": word, "page": 2}, headers=A, timeout=60)
    found = api(portal, "package_search", B, q="ＡＥＤ")   # full-width: normalised to "aed"
    assert found["count"] > 0
    _rollup(portal)
    every = api(portal, "nakano_search_terms", token(portal), zero_results=True, limit=1000)
    term = next(t for t in every if t["query"] == word.casefold())
    assert (term["searches"], term["zero_results"], term["visitors"]) == (3, 3, 2)
    assert any(t["query"] == "aed" and t["zero_results"] == 0
               for t in api(portal, "nakano_search_terms", token(portal), limit=1000))
    # Public lists need 3 visitors (ckanext.nakano.metrics.search_terms_min_visitors).
    public = api(portal, "nakano_search_terms", zero_results=True, limit=1000)
    assert word.casefold() not in [t["query"] for t in public]
    requests.get(f"{portal['url']}/dataset/", params={"q": word},
                 headers={**B, "X-Forwarded-For": "192.0.2.44"}, timeout=60)
    _rollup(portal)
    public = api(portal, "nakano_search_terms", zero_results=True, limit=1000)
    assert word.casefold() in [t["query"] for t in public]


def test_beacon_records_previews_and_refuses_bad_input(portal, dataset):
    beacon = portal["url"] + "/_nakano/event"
    ok = requests.post(beacon, json={"type": "preview", "resource": dataset["upload"]["id"]}, headers=A, timeout=30)
    assert ok.status_code == 204
    bad = requests.post(beacon, json={"type": "view", "resource": "x"}, headers=A, timeout=30)
    assert bad.status_code == 400 and "UUID" in bad.json()["message"] and "必要" in bad.json()["message"]
    assert requests.get(beacon, timeout=30).status_code == 405
    nowhere = str(uuid.uuid4())
    unknown = requests.post(beacon, json={"type": "outbound", "resource": nowhere}, timeout=30)
    assert unknown.status_code == 204                   # accepted, dropped by the worker
    _rollup(portal)
    events = api(portal, "nakano_metrics_events", token(portal), kind="preview", limit=1000)
    assert [e["resource_id"] for e in events].count(dataset["upload"]["id"]) == 1
    outbound = api(portal, "nakano_metrics_events", token(portal), kind="outbound", limit=1000)
    assert nowhere not in [e["resource_id"] for e in outbound]


def test_raw_events_are_for_sysadmins_only(portal):
    anonymous = requests.get(portal["url"] + "/api/3/action/nakano_metrics_events", timeout=30)
    assert anonymous.status_code == 403


def test_no_ip_address_stored_anywhere(portal, dataset):
    """Scan every row of every table of the portal's database for the addresses sent."""
    requests.get(f"{portal['url']}/dataset/{dataset['pkg']['name']}", headers=A, timeout=60)
    requests.get(f"{portal['url']}/dataset/", params={"q": "公園"}, headers=B, timeout=60)
    _rollup(portal)
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(portal["local"] / "ckan.ini")
    with psycopg2.connect(ini["app:main"]["sqlalchemy.url"]) as conn, conn.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'public' "
                    "and table_type = 'BASE TABLE'")
        tables = [t for (t,) in cur.fetchall()]
        assert "nakano_metric_event" in tables
        cur.execute("select count(*) from nakano_metric_event")
        assert cur.fetchone()[0] > 0
        for table in tables:
            for address in ("203.0.113.77", "198.51.100.23", "66.249.66.1", "127.0.0.1"):
                if address == "127.0.0.1" and not table.startswith("nakano_metric"):
                    continue  # harvest sources of the e2e tests name loopback URLs
                cur.execute(f'select count(*) from "{table}" t where t::text like %s', (f"%{address}%",))
                assert cur.fetchone()[0] == 0, (table, address)


def test_metrics_page_and_dashboard_render_with_data(portal, dataset):
    url, pkg = portal["url"], dataset["pkg"]
    for headers in (A, B):
        requests.get(f"{url}/dataset/{pkg['name']}", headers=headers, timeout=60)
    _rollup(portal)
    page = requests.get(url + "/metrics", timeout=60)
    assert page.status_code == 200
    assert 'id="nakano-chart-daily"' in page.text and 'role="img"' in page.text
    assert f'/dataset/{pkg["name"]}"' in page.text           # in the top datasets table
    assert "-metrics.js" in page.text                          # Chart.js bundle served as a CKAN asset
    script = next(part.split('"')[0] for part in page.text.split('src="') if "-metrics.js" in part.split('"')[0])
    bundle = requests.get(url + script if script.startswith("/") else script, timeout=60)
    assert bundle.status_code == 200 and "Chart.js v4" in bundle.text
    dashboard = requests.get(url + "/metrics/department/kikaku", timeout=60)
    assert dashboard.status_code == 200 and pkg["title"] in dashboard.text
    shown = requests.get(f"{url}/dataset/{pkg['name']}", timeout=60).text
    assert "利用状況と品質" in shown and 'data-figure="views"' in shown


def test_private_dataset_usage_stays_inside_its_department(portal, dataset):
    url, pkg = portal["url"], dataset["pkg"]
    api(portal, "package_patch", token(portal), id=pkg["id"], private="true")
    requests.get(f"{url}/dataset/{pkg['name']}", headers=token(portal), timeout=60)
    _rollup(portal)
    site = api(portal, "nakano_metrics_site")
    assert pkg["id"] not in [d["id"] for d in site["top_datasets"]]
    public = api(portal, "nakano_metrics_organization", id="kikaku")
    assert pkg["id"] not in [d["id"] for d in public["datasets_detail"]]
    member = api(portal, "nakano_metrics_organization", token(portal), id="kikaku")
    assert pkg["id"] in [d["id"] for d in member["datasets_detail"]]
    assert requests.get(f"{url}/api/3/action/nakano_metrics_dataset", params={"id": pkg["id"]},
                        timeout=30).status_code == 403


def test_usage_statistics_published_as_open_data(portal):
    assert requests.get(portal["url"] + "/", headers=A, timeout=60).status_code == 200   # a view today
    _rollup(portal)
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(portal["local"] / "ckan.ini"),
                           "nakano", "metrics", "publish"], capture_output=True, text=True, timeout=300,
                          env=portal["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    pkg = api(portal, "package_show", id="portal-usage-statistics")
    assert pkg["title"] == "ポータル利用統計" and len(pkg["resources"]) == 6   # reuses.csv since issue 20
    daily = next(r for r in pkg["resources"] if r["url"].endswith("daily.csv"))
    text = requests.get(daily["url"], timeout=60).content.decode("utf-8")
    assert text.splitlines()[0] == "date,views,downloads,api_calls,searches,bots"
    assert int(text.splitlines()[-1].split(",")[1]) > 0       # today's views

