"""Charts benchmark (issue 21): the numbers of a chart computed on the server
(``nakano_chart_data``, PostgreSQL through the DataStore's read-only role) against what a user
has without it (paging the rows with ``datastore_search``) and against computing them in the
browser with DuckDB-Wasm; and the builder page's weight and time to its chart in Chromium.

1. Tables: a dataset ``bench-charts`` of the ``make up`` portal with two DataStore tables of the
   ward's AED layout (名称, 町丁目, 種別, 台数, 設置日 — every column text, as the loader leaves a
   file), 1,000,000 and 10,000 rows, made by ``datastore_create`` and filled with one
   ``INSERT … SELECT generate_series`` on the DataStore's write connection (what the loader's
   COPY does, in seconds rather than minutes). The 85 real towns, four kinds, 和暦 dates.
2. Server, through gunicorn over HTTP as the API's users call it: a grouped count (by 町丁目)
   and a grouped sum with a filter (台数 of 種別=学校 by 町丁目). Cold: the table's kept answers
   forgotten before each call (the per-resource counter a reload moves); cached: the same call
   again. Each answer checked against a count made in SQL on the write connection.
3. Paging: every row through ``datastore_search`` (32,000 a call, its largest page) and counted in
   Python — the same numbers, the way a user gets them today.
4. Browser (Chromium, playwright-core; ``bench/charts/browser.mjs``): the builder page through
   nginx, a first visit (bytes transferred, time to the chart's first paint); and DuckDB-Wasm
   1.32.0 (npm, installed under .local/bench/charts/js, not in the portal) loading its wasm,
   fetching the table's CSV and running the same two queries.

5. Across files (``/analysis``, ``nakano_analysis_data``): a public dataset ``bench-analysis``
   with two tables of the 自治体標準 AED layout (所在地_連結表記 written 「東京都中野区中野5-3-1」),
   1,000,000 and 10,000 rows, recorded as validated against the AED standard; AEDs by town
   across every AED file of the portal, cold (a table forgotten before each call) and cached,
   checked against a count made in SQL; the dataset is purged at the end so that the demo's
   /analysis/aed is left as it was.

Run through ``bench/run.sh charts`` (brings the portal up with scripts/up.sh).
"""
from __future__ import annotations

import argparse
import configparser
import csv
import datetime
import functools
import gzip
import http.server
import json
import os
import platform
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import redis
import requests
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
WORK = LOCAL / "bench" / "charts"
TOWNS = [t["town"] for t in json.loads((ROOT / "schemas" / "vocab" / "nakano-towns.json").read_text(encoding="utf-8"))]
KINDS = ["区施設", "学校", "民間施設", "駅"]
FIELDS = ["名称", "町丁目", "種別", "台数", "設置日"]
DATASET = "bench-charts"
DUCKDB = "1.32.0"
COUNT = {"x": "町丁目", "measure": "count"}
FILTERED_SUM = {"x": "町丁目", "measure": "sum", "value": "台数",
                "filters": json.dumps([{"column": "種別", "value": "学校"}], ensure_ascii=False)}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def figures(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(pct(values, 95) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


ANALYSIS_DATASET = "bench-analysis"
KANJI = "〇一二三四五六七八九"


class Portal:
    def __init__(self) -> None:
        ini = configparser.ConfigParser(interpolation=None, strict=False)
        ini.read(LOCAL / "ckan.ini", encoding="utf-8")
        app = ini["app:main"]
        self.url = f"http://127.0.0.1:{os.environ.get('NAKANO_CKAN_PORT', '5000')}"
        self.front = f"http://127.0.0.1:{os.environ.get('NAKANO_NGINX_PORT', '8080')}"
        self.write = sa.create_engine(app["ckan.datastore.write_url"])
        self.catalog = sa.create_engine(app["sqlalchemy.url"])
        self.redis = redis.Redis.from_url(app["ckan.redis.url"])
        self.token = (LOCAL / "admin-api-token").read_text().strip()
        self.http = requests.Session()

    def call(self, action: str, method: str = "get", **data: Any) -> Any:
        headers = {"Authorization": self.token}
        if method == "get":
            answer = self.http.get(f"{self.url}/api/3/action/{action}", params=data, headers=headers, timeout=600)
        else:
            answer = self.http.post(f"{self.url}/api/3/action/{action}", json=data, headers=headers, timeout=600)
        body = answer.json()
        if not body.get("success"):
            raise RuntimeError(f"{action}: {answer.status_code} {json.dumps(body.get('error'), ensure_ascii=False)[:400]}")
        return body["result"]


def table(portal: Portal, name: str, rows: int) -> str:
    """The resource id of a DataStore table of ``rows`` rows (made once, then reused)."""
    try:
        dataset = portal.call("package_show", id=DATASET)
    except RuntimeError:
        dataset = portal.call("package_create", method="post", name=DATASET, title="グラフのベンチマーク用テーブル",
                              notes="bench/charts/run.py が作るAED形式の表（町丁目は実在、内容は架空）。",
                              category="その他", license_id="cc-by", owner_org="kikaku")
    found = next((r for r in dataset["resources"] if r["name"] == name), None)
    if found is None:
        found = portal.call("datastore_create", method="post", force=True,
                            resource={"package_id": DATASET, "name": name, "format": "CSV"},
                            fields=[{"id": f, "type": "text"} for f in FIELDS], records=[])
        resource_id = found["resource_id"]
    else:
        resource_id = found["id"]
    with portal.write.begin() as db:
        have = db.execute(sa.text(f'SELECT count(*) FROM "{resource_id}"')).scalar()
        if have != rows:
            started = time.perf_counter()
            db.execute(sa.text(f'TRUNCATE "{resource_id}"'))
            db.execute(sa.text(f'''
                INSERT INTO "{resource_id}" ("名称", "町丁目", "種別", "台数", "設置日")
                SELECT 'AED' || n,
                       (:towns)[1 + (n * 7919) % :town_count],
                       (:kinds)[1 + (n * 31) % 4],
                       (1 + n % 5)::text,
                       '令和' || (1 + n % 6) || '年' || (1 + n % 12) || '月'
                FROM generate_series(1::bigint, :rows) AS n'''),
                {"towns": TOWNS, "town_count": len(TOWNS), "kinds": KINDS, "rows": rows})
            print(f"  {name}: {rows:,} rows written in {time.perf_counter() - started:.1f} s", flush=True)
        db.execute(sa.text(f'ANALYZE "{resource_id}"'))
    forget(portal, resource_id)
    return resource_id


def forget(portal: Portal, resource_id: str) -> None:
    portal.redis.incr(f"nakano:chart:writes:{resource_id}")


def truth(portal: Portal, resource_id: str) -> dict[str, dict[str, float]]:
    with portal.write.begin() as db:
        count = dict(db.execute(sa.text(f'SELECT "町丁目", count(*) FROM "{resource_id}" GROUP BY 1')).all())
        sums = dict(db.execute(sa.text(f'SELECT "町丁目", sum("台数"::numeric) FROM "{resource_id}" '
                                       f"WHERE \"種別\" = '学校' GROUP BY 1")).all())
    return {"count": {k: float(v) for k, v in count.items()}, "sum": {k: float(v) for k, v in sums.items()}}


def server(portal: Portal, resource_id: str, cold: int, cached: int) -> dict[str, Any]:
    expected = truth(portal, resource_id)
    found: dict[str, Any] = {}
    for label, settings, key in (("grouped count", COUNT, "count"), ("grouped sum, filtered", FILTERED_SUM, "sum")):
        times = {"cold": [], "cached": []}
        for _ in range(cold):
            forget(portal, resource_id)
            started = time.perf_counter()
            answer = portal.call("nakano_chart_data", resource_id=resource_id, **settings)
            times["cold"].append(time.perf_counter() - started)
            assert not answer["cached"]
            assert {r["label"]: float(r["value"]) for r in answer["rows"]} == expected[key], label
        for _ in range(cached):
            started = time.perf_counter()
            answer = portal.call("nakano_chart_data", resource_id=resource_id, **settings)
            times["cached"].append(time.perf_counter() - started)
            assert answer["cached"]
        found[label] = {state: figures(values) for state, values in times.items()}
        print(f"  {label}: cold {found[label]['cold']}, cached {found[label]['cached']}", flush=True)
    return found


def paging(portal: Portal, resource_id: str) -> dict[str, Any]:
    """Every row through datastore_search, counted by town in Python, as a user would today."""
    expected = truth(portal, resource_id)["count"]
    started, counted, offset, calls, received = time.perf_counter(), {}, 0, 0, 0
    while True:
        answer = portal.http.get(f"{portal.url}/api/3/action/datastore_search",
                                 params={"resource_id": resource_id, "limit": 32000, "offset": offset,
                                         "fields": "町丁目"},
                                 headers={"Authorization": portal.token}, timeout=600)
        received += len(answer.content)
        records = answer.json()["result"]["records"]
        calls += 1
        for record in records:
            counted[record["町丁目"]] = counted.get(record["町丁目"], 0) + 1
        if len(records) < 32000:
            break
        offset += 32000
    seconds = time.perf_counter() - started
    assert {k: float(v) for k, v in counted.items()} == expected
    return {"seconds": round(seconds, 2), "calls": calls, "bytes": received}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        if self.path.endswith(".wasm"):
            self.send_header("Cache-Control", "no-store")
        super().end_headers()


def write_csv(portal: Portal, resource_id: str, path: Path) -> int:
    """The table as the CSV a browser would fetch to compute the same numbers itself."""
    with portal.write.connect() as db, path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(FIELDS)
        result = db.execution_options(stream_results=True).execute(
            sa.text(f'SELECT "名称", "町丁目", "種別", "台数", "設置日" FROM "{resource_id}" ORDER BY _id'))
        for chunk in iter(lambda: result.fetchmany(50_000), []):
            writer.writerows(chunk)
    return path.stat().st_size


def install_duckdb() -> Path:
    js = WORK / "js"
    js.mkdir(parents=True, exist_ok=True)
    package = js / "node_modules" / "@duckdb" / "duckdb-wasm" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != DUCKDB:
        # Its own package.json: npm must not climb to the portal's and install there.
        (js / "package.json").write_text('{"name": "bench-charts-js", "private": true}\n')
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", f"@duckdb/duckdb-wasm@{DUCKDB}"],
                       cwd=js, check=True, capture_output=True, timeout=600)
    return js


def browser(portal: Portal, resources: dict[str, str], rounds: int) -> dict[str, Any]:
    install_duckdb()
    for name, resource_id in resources.items():
        target = WORK / f"{name}.csv"
        if not target.exists():
            print(f"  CSV of {name}: {write_csv(portal, resource_id, target) / 1e6:.1f} MB", flush=True)
    (WORK / "duckdb.html").write_text((HERE / "duckdb.html").read_text(encoding="utf-8"), encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(WORK))
    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    builder = {name: f"{portal.front}/dataset/{DATASET}/resource/{rid}/chart?x=%E7%94%BA%E4%B8%81%E7%9B%AE"
               for name, rid in resources.items()}
    env = {**os.environ, "BUILDER_URLS": json.dumps(builder), "ROUNDS": str(rounds),
           "DUCKDB_URL": f"http://127.0.0.1:{static.server_port}/duckdb.html",
           "CSV_NAMES": json.dumps(list(resources)), "CHROMIUM": os.environ.get("CHROMIUM", "/usr/bin/chromium")}
    run = subprocess.run(["node", str(HERE / "browser.mjs")], env=env, capture_output=True, text=True, timeout=3600)
    static.shutdown()
    if run.returncode:
        raise RuntimeError(f"browser.mjs failed: {run.stderr[-2000:]}")
    found = json.loads(run.stdout.strip().splitlines()[-1])
    # The worker fetches the wasm itself, out of the page's network log: its size as a server
    # would send it (gzip -6) is added here.
    dist = WORK / "js" / "node_modules" / "@duckdb" / "duckdb-wasm" / "dist"
    engine = [dist / "duckdb-eh.wasm", dist / "duckdb-browser-eh.worker.js"]
    found["duckdb_engine"] = {"bytes": sum(f.stat().st_size for f in engine),
                              "gzip_bytes": sum(len(gzip.compress(f.read_bytes(), 6)) for f in engine)}
    return found


def standard_table(portal: Portal, rows: int) -> tuple[str, dict[str, int]]:
    """A table of the AED standard's layout with ward addresses, recorded as validated against
    it; and its AEDs per town, counted in SQL."""
    name = f"AED {rows:,}行（標準形式）"
    try:
        dataset = portal.call("package_show", id=ANALYSIS_DATASET)
    except RuntimeError:
        dataset = portal.call("package_create", method="post", name=ANALYSIS_DATASET, title="横断分析のベンチマーク用",
                              notes="bench/charts/run.py が作るAED（自治体標準形式）の表。終わると削除されます。",
                              category="その他", license_id="cc-by", owner_org="kikaku")
    found = next((r for r in dataset["resources"] if r["name"] == name), None)
    columns = ["全国地方公共団体コード", "ID", "地方公共団体名", "名称", "所在地_連結表記"]
    if found is None:
        found = portal.call("datastore_create", method="post", force=True,
                            resource={"package_id": ANALYSIS_DATASET, "name": name, "format": "CSV"},
                            fields=[{"id": f, "type": "text"} for f in columns], records=[])
        resource_id = found["resource_id"]
    else:
        resource_id = found["id"]
    bases = [t[:-3] for t in TOWNS]
    numbers = [KANJI.index(t[-3]) for t in TOWNS]
    with portal.write.begin() as db:
        if db.execute(sa.text(f'SELECT count(*) FROM "{resource_id}"')).scalar() != rows:
            db.execute(sa.text(f'TRUNCATE "{resource_id}"'))
            db.execute(sa.text(f'''
                INSERT INTO "{resource_id}" ("全国地方公共団体コード", "ID", "地方公共団体名", "名称", "所在地_連結表記")
                SELECT '131148', n::text, '東京都中野区', 'AED' || n,
                       '東京都中野区' || (:bases)[1 + (n * 7919) % :town_count] || (:numbers)[1 + (n * 7919) % :town_count]
                       || '-' || (1 + n % 30) || '-' || (1 + n % 9)
                FROM generate_series(1::bigint, :rows) AS n'''),
                {"bases": bases, "numbers": numbers, "town_count": len(TOWNS), "rows": rows})
        db.execute(sa.text(f'ANALYZE "{resource_id}"'))
        counted = db.execute(sa.text(
            "SELECT (:towns)[1 + (n * 7919) % :town_count], count(*) FROM generate_series(1::bigint, :rows) AS n "
            "GROUP BY 1"), {"towns": TOWNS, "town_count": len(TOWNS), "rows": rows}).all()
    return resource_id, dict(counted)


def recorded_as_aed(portal: Portal, resource_ids: list[str]) -> None:
    """The tables recorded as validated against the AED standard — once the validation job that
    their creation queued has written its own report (a table without a file: an error)."""
    deadline = time.monotonic() + 300
    while True:
        with portal.catalog.begin() as db:
            for resource_id in resource_ids:
                db.execute(sa.text("INSERT INTO nakano_validation (resource_id, status, report, updated) "
                                   "VALUES (:id, 'valid', '{\"standard\": \"aed\"}', now()) ON CONFLICT (resource_id) "
                                   "DO UPDATE SET status = 'valid', report = excluded.report"), {"id": resource_id})
        time.sleep(5)
        for resource_id in resource_ids:
            forget(portal, resource_id)
        read = {f["resource_id"] for f in portal.call("nakano_analysis_data", standard="aed", group="file")["files"]}
        if set(resource_ids) <= read:
            return
        assert time.monotonic() < deadline, "the bench tables are not read as AED files"


def across(portal: Portal, sizes: list[int], cold: int, cached: int) -> dict[str, Any]:
    tables = [standard_table(portal, rows) for rows in sizes]
    recorded_as_aed(portal, [resource_id for resource_id, _ in tables])
    expected: dict[str, int] = {}
    for _, counted in tables:
        for town, n in counted.items():
            expected[town] = expected.get(town, 0) + n
    times: dict[str, list[float]] = {"cold": [], "cached": []}
    try:
        for _ in range(cold):
            for resource_id, _ in tables:
                forget(portal, resource_id)
            started = time.perf_counter()
            answer = portal.call("nakano_analysis_data", standard="aed", group="town")
            times["cold"].append(time.perf_counter() - started)
            assert not answer["cached"]
            ward = {r["label"]: r["value"] for r in answer["rows"] if r.get("ward")}
            assert all(ward.get(town, 0) >= n for town, n in expected.items()), "every bench AED counted in its town"
        for _ in range(cached):
            started = time.perf_counter()
            assert portal.call("nakano_analysis_data", standard="aed", group="town")["cached"]
            times["cached"].append(time.perf_counter() - started)
        files = len(answer["files"])
    finally:
        portal.call("dataset_purge", method="post", id=ANALYSIS_DATASET)
    found = {"rows": sum(sizes), "files": files, **{state: figures(values) for state, values in times.items()}}
    print(f"  across {files} AED files, {sum(sizes):,} rows: {found}", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--cold", type=int, default=12)
    parser.add_argument("--cached", type=int, default=100)
    parser.add_argument("--browser-rounds", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--only-analysis", action="store_true", help="only step 5 (across files)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    portal = Portal()
    if args.only_analysis:
        found = {"date": datetime.date.today().isoformat(), "cpus": os.cpu_count(),
                 "analysis": across(portal, [args.rows, args.small_rows], args.cold, args.cached)}
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    resources = {f"aed-{args.rows}": table(portal, f"AED {args.rows:,}行", args.rows),
                 f"aed-{args.small_rows}": table(portal, f"AED {args.small_rows:,}行", args.small_rows)}
    result: dict[str, Any] = {"date": datetime.date.today().isoformat(), "machine": platform.processor() or platform.machine(),
                              "cpus": os.cpu_count(), "server": {}, "paging": {}}
    for name, resource_id in resources.items():
        print(f"{name}: server", flush=True)
        result["server"][name] = server(portal, resource_id, args.cold, args.cached)
        print(f"{name}: paging with datastore_search", flush=True)
        result["paging"][name] = paging(portal, resource_id)
        print(f"  {result['paging'][name]}", flush=True)
    print("across files: AEDs by town, every AED file of the portal", flush=True)
    result["analysis"] = across(portal, [args.rows, args.small_rows], args.cold, args.cached)
    if not args.no_browser:
        print("browser: builder page and DuckDB-Wasm", flush=True)
        result["browser"] = browser(portal, resources, args.browser_rounds)
    (WORK / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
