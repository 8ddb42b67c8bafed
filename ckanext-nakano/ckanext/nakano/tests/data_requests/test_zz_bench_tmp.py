"""Temporary: latency of /request/suggest over 10,000 indexed datasets and 10,000 register items."""
import csv, io, statistics, sys, time
import pytest
from ckan.tests import factories, helpers
sys.path.insert(0, "/work/main/bench/search"); sys.path.insert(0, "/work/main/bench/inventory")
import corpus
import run as inv_bench

DEPTS = inv_bench.DEPARTMENTS

@pytest.mark.ckan_config("ckanext.nakano.submissions.per_visitor_per_hour", "100000")
def test_latency(app, clean_db, clean_index):
    from ckan.lib.search import commit
    from ckan.lib.search.index import PackageSearchIndex
    sysadmin = factories.SysadminWithToken()
    member = factories.UserWithToken()
    orgs = [factories.Organization(name=f"dept{i}", title=t, users=[{"name": member["name"], "capacity": "member"}] if i == 0 else []) for i, t in enumerate(DEPTS)]
    t0 = time.time()
    import requests, ckan.plugins.toolkit as tk
    solr = tk.config["solr_url"].rstrip("/")
    site = tk.config["ckan.site_id"]
    docs = [{"index_id": f"bench-{d['id']}", "id": d["id"], "site_id": site, "name": d["name"], "title": d["title"],
             "notes": d["notes"], "text": [d["title"], d["notes"]] + [r["name"] for r in d["resources"]],
             "state": "active", "capacity": "public", "dataset_type": "dataset", "entity_type": "package",
             "metadata_modified": "2026-04-01T00:00:00Z", "metadata_created": "2024-04-01T00:00:00Z"}
            for d in corpus.datasets(10_000)]
    for i in range(0, len(docs), 1000):
        requests.post(f"{solr}/update", json=docs[i:i+1000], timeout=300).raise_for_status()
    requests.get(f"{solr}/update", params={"commit": "true"}, timeout=300).raise_for_status()
    print("indexed", time.time() - t0)
    rows = inv_bench.rows(10_000)
    t0 = time.time()
    for org, title in zip(orgs, DEPTS):
        mine = [r for r in rows if r[2] == title]
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows([inv_bench.HEADER, *mine])
        res = helpers.call_action("nakano_inventory_import", context={"user": sysadmin["name"]},
                                  upload=io.BytesIO(out.getvalue().encode("cp932")), department=org["name"])
    print("imported", time.time() - t0, helpers.call_action("nakano_inventory_item_list", limit=1)["count"])
    queries = corpus.QUERIES
    for who, headers in (("visitor", {}), ("member", {"Authorization": member["token"]})):
        times = []
        for rnd in range(3):
            for q in queries:
                s = time.perf_counter()
                r = app.get("/request/suggest", query_string={"q": q}, headers=headers)
                times.append((time.perf_counter() - s) * 1000)
                assert r.status_code == 200
        times.sort()
        print(who, "n", len(times), "median %.1f p95 %.1f max %.1f" % (statistics.median(times), times[int(0.95 * len(times)) - 1], times[-1]))
    # split: package_search alone vs inventory list alone
    for name, fn in (("package_search", lambda q: helpers.call_action("package_search", q=q, rows=5, fl=["name", "title", "extras_title_en"], facet="false")),
                     ("inventory_list", lambda q: helpers.call_action("nakano_inventory_item_list", context={"user": ""}, q=q, limit=5, facets=False))):
        times = []
        for q in queries * 2:
            s = time.perf_counter(); fn(q); times.append((time.perf_counter() - s) * 1000)
        times.sort()
        print(name, "median %.1f p95 %.1f" % (statistics.median(times), times[int(0.95 * len(times)) - 1]))
    r = app.get("/request/suggest", query_string={"q": "公園"}).json
    print(len(r["datasets"]), len(r["items"]), r["items"][:1])
