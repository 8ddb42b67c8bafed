"""Metrics benchmark: event ingestion, and latency with metrics on vs off.

Two gunicorn servers of the portal (2 workers each, as `make up` runs it)
serve the same database (nakano_bench_metrics) and Solr core (bench_metrics,
10,000 datasets of bench/search/corpus.py indexed through CKAN's indexer);
one has ``ckanext.nakano.metrics.enabled = true``, the other false. The
metrics ingester (`ckan nakano metrics ingester`) runs beside them, as in
`make up`.

1. Latency: dataset page, search page (Japanese query), package_search
   (Japanese query) and deep paging (``rows=1000&start=5000``), requests
   alternating between the two servers, round after round; the median of
   the paired on/off ratios, and the ratios of medians and p95.
2. Ingestion: ApacheBench (Debian's apache2-utils: it sends an exact number
   of requests) sends 100,000 beacon events over loopback
   at 20 concurrent connections; count in (answered 204) vs count out (rows
   in nakano_metric_event), events/s sent and events/s written end to end.

Run through bench/run.sh metrics.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from ckanext.nakano.tests.portal_api import free_port, wait_until_answers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
BENCH = LOCAL / "bench"
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(HERE.parent / "search"))
import corpus  # noqa: E402

ENV = {
    "CKAN_SQLALCHEMY_URL": "postgresql://nakano:nakano@127.0.0.1:5432/nakano_bench_metrics",
    "CKAN_SOLR_URL": "http://127.0.0.1:8983/solr/bench_metrics",
    "CKAN_REDIS_URL": "redis://127.0.0.1:6379/3",
    "CKAN_STORAGE_PATH": str(BENCH / "metrics-storage"),
    "CKAN_SITE_ID": "nakano-bench-metrics",
}


def write_ini(name: str, enabled: bool) -> Path:
    """test.ini's settings with metrics on or off, and its logging sections (gunicorn reads them)."""
    test_ini = (ROOT / "test.ini").read_text(encoding="utf-8")
    logging_part = test_ini[test_ini.index("[loggers]"):]
    path = BENCH / name
    path.write_text(f"[app:main]\nuse = config:{ROOT / 'test.ini'}\n"
                    f"ckanext.nakano.metrics.enabled = {'true' if enabled else 'false'}\n\n" + logging_part,
                    encoding="utf-8")
    return path


def ckan(ini: Path, *args: str) -> None:
    subprocess.run([str(VENV / "ckan"), "-c", str(ini), *args], env=dict(os.environ, **ENV),
                   capture_output=True, text=True, check=True)



def create_core(name: str, schema: Path) -> str:
    import importlib.util

    spec = importlib.util.spec_from_file_location("search_bench", HERE.parent / "search" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_core(name, schema)


def prepare(datasets: int, ini: Path) -> dict[str, Any]:
    """Empty database, 10,000 indexed datasets, one real dataset with an uploaded CSV."""
    shutil.rmtree(BENCH / "metrics-storage", ignore_errors=True)
    create_core("bench_metrics", ROOT / "solr" / "conf" / "schema.xml")
    ckan(ini, "db", "clean", "--yes")
    ckan(ini, "db", "init")
    ckan(ini, "db", "upgrade")
    os.environ.update(ENV)
    from werkzeug.datastructures import FileStorage

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.lib.search import commit
    from ckan.lib.search.index import PackageSearchIndex
    import ckan.plugins.toolkit as tk

    from ckan import model

    make_app(load_config(str(ini)))
    context = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"], "ignore_auth": True}
    org = tk.get_action("organization_create")(dict(context), {"name": "kikaku", "title": "企画部"})
    docs = corpus.datasets(datasets)
    # Rows in the package table, so that CKAN's indexer gives them the 'public'
    # permission label anonymous searches filter on (results come from Solr).
    model.Session.execute(model.package_table.insert(), [
        {"id": d["id"], "name": d["name"], "title": d["title"], "type": "dataset", "state": "active",
         "private": False, "owner_org": org["id"], "extras": {}} for d in docs])
    model.Session.commit()
    start = time.perf_counter()
    indexer = PackageSearchIndex()
    for doc in docs:
        indexer.index_package(dict(doc, with_custom_schema=doc), defer_commit=True)
    commit()
    indexed = time.perf_counter() - start
    pkg = tk.get_action("package_create")(dict(context), {
        "name": "bench-parks", "title": "公園一覧", "notes": "区立公園の一覧", "owner_org": "kikaku",
        "category": "国土・気象", "license_id": "cc-by", "tag_string": "公園,緑地"})
    csv = "名称,所在地\n" + "".join(f"公園{i},中野{i % 6 + 1}丁目\n" for i in range(200))
    res = tk.get_action("resource_create")(dict(context), {
        "package_id": pkg["id"], "name": "公園一覧 CSV", "format": "CSV", "url": "parks.csv",
        "upload": FileStorage(stream=io.BytesIO(csv.encode()), filename="parks.csv")})
    # Scored as the background job does after an edit (the page reads the stored score).
    from ckanext.nakano.metrics import quality
    quality.refresh(pkg["id"])
    return {"dataset": pkg["name"], "resource": res["id"], "index_seconds": round(indexed, 1)}


def start_server(ini: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "300",
         "--access-logfile", "-", "--access-logformat", "x", "ckanext.nakano.wsgi:application"],
        env=dict(os.environ, **ENV, CKAN_INI=str(ini)), stdout=subprocess.DEVNULL, stderr=log.open("w"))
    if wait_until_answers(f"http://127.0.0.1:{port}", 120, alive=lambda: proc.poll() is None):
        return proc
    raise SystemExit(f"gunicorn on {port} did not start; see {log}")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def latency(bases: dict[str, str], paths: dict[str, tuple[str, int]]) -> dict[str, Any]:
    """Requests alternate between the servers (order flipped each round)."""
    out = {}
    for label, (path, rounds) in paths.items():
        times: dict[str, list[float]] = {name: [] for name in bases}
        for name in bases:                      # warm-up: caches, templates, Solr
            for _ in range(3):
                requests.get(bases[name] + path, timeout=300).raise_for_status()
        for r in range(rounds):
            order = list(bases) if r % 2 == 0 else list(reversed(bases))
            for name in order:
                start = time.perf_counter()
                requests.get(bases[name] + path, timeout=300).raise_for_status()
                times[name].append(time.perf_counter() - start)
        on, off = times["on"], times["off"]
        # Each round's two requests are adjacent in time: the median of their
        # ratios is robust to the machine's drift over the run.
        paired = [a / b for a, b in zip(on, off)]
        out[label] = {
            "path": path, "rounds": rounds,
            "on_median_ms": round(statistics.median(on) * 1000, 2), "off_median_ms": round(statistics.median(off) * 1000, 2),
            "on_p95_ms": round(pct(on, 0.95) * 1000, 2), "off_p95_ms": round(pct(off, 0.95) * 1000, 2),
            "ratio_paired_median": round(statistics.median(paired), 3),
            "ratio_median": round(statistics.median(on) / statistics.median(off), 3),
            "ratio_p95": round(pct(on, 0.95) / pct(off, 0.95), 3),
        }
        print(label, out[label], flush=True)
    return out


def count_events(kind: str) -> int:
    import psycopg2

    with psycopg2.connect(ENV["CKAN_SQLALCHEMY_URL"]) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from nakano_metric_event where kind = %s", (kind,))
        return cur.fetchone()[0]


def _ab(output: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)", output, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def ingestion(base: str, resource: str, events: int, connections: int) -> dict[str, Any]:
    body = BENCH / "beacon.json"
    body.write_text(json.dumps({"type": "preview", "resource": resource}), encoding="utf-8")
    before = count_events("preview")
    start = time.perf_counter()
    run = subprocess.run(["ab", "-q", "-n", str(events), "-c", str(connections), "-s", "30", "-p", str(body),
                          "-T", "application/json", f"{base}/_nakano/event"], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(run.stdout + run.stderr)
    completed, failed = int(_ab(run.stdout, "Complete requests:")), int(_ab(run.stdout, "Failed requests:"))
    non_2xx = int(_ab(run.stdout, "Non-2xx responses:"))
    answered = completed - failed - non_2xx
    seconds = _ab(run.stdout, "Time taken for tests:")
    out = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        out = count_events("preview") - before
        if out >= answered:
            break
        time.sleep(0.5)
    written_seconds = time.perf_counter() - start
    return {
        "events": events, "connections": connections, "completed": completed, "failed": failed,
        "non_2xx": non_2xx, "answered_204": answered, "written": out, "lost": answered - out,
        "send_seconds": round(seconds, 2), "events_per_s_sent": round(answered / seconds),
        "events_per_s_end_to_end": round(out / written_seconds),
        "latency_p50_ms": _ab(run.stdout, "50%"), "latency_p99_ms": _ab(run.stdout, "99%"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "metrics.json"))
    args = parser.parse_args()

    BENCH.mkdir(parents=True, exist_ok=True)
    on_ini, off_ini = write_ini("metrics-on.ini", True), write_ini("metrics-off.ini", False)
    prepared = prepare(args.datasets, on_ini)
    import redis

    redis.Redis.from_url(ENV["CKAN_REDIS_URL"]).flushdb()
    ports = {"on": free_port(), "off": free_port()}
    procs = [start_server(on_ini, ports["on"], BENCH / "metrics-on.log"),
             start_server(off_ini, ports["off"], BENCH / "metrics-off.log")]
    procs.append(subprocess.Popen([str(VENV / "ckan"), "-c", str(on_ini), "nakano", "metrics", "ingester"],
                                  env=dict(os.environ, **ENV), stdout=subprocess.DEVNULL,
                                  stderr=(BENCH / "metrics-ingester.log").open("w")))
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        lat = latency(bases, {
            "dataset page": (f"/dataset/{prepared['dataset']}", args.rounds),
            "search page (公園)": ("/dataset/?q=%E5%85%AC%E5%9C%92", args.rounds),
            "package_search (公園, 20 rows)": ("/api/3/action/package_search?q=%E5%85%AC%E5%9C%92&rows=20", args.rounds),
            "package_search deep (rows=1000&start=5000)": ("/api/3/action/package_search?q=*:*&rows=1000&start=5000",
                                                           max(10, args.rounds // 3)),
        })
        ingest = ingestion(bases["on"], prepared["resource"], args.events, args.connections)
        print("ingestion", ingest, flush=True)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)

    result = {
        "date": datetime.date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "datasets_indexed": args.datasets, **prepared, "latency": lat, "ingestion": ingest,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
