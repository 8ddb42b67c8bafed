"""Scale-out measurements behind docs/scaling.md, in one run.

1. Solr: the search a resident's query makes (CKAN's package_search with the
   search page's facets, ``fl=id,name``) against one core holding 10,000,
   50,000 and 100,000 generated datasets (bench/search/corpus.py).
2. SolrCloud: two Solr nodes started from the same Maven-built Solr (the
   first runs the embedded ZooKeeper), our solr/conf uploaded as a configset,
   a collection of 2 shards x 2 replicas behind the alias ``bench_alias``,
   and CKAN's ``solr_url`` pointing at the alias: the same 100,000 datasets
   and queries; datasets indexed through CKAN's own indexer and read back
   through package_search; then one node killed, and the queries again.
3. Web: requests/s of one gunicorn (the portal of ``make up``) with 1 and 2
   workers on the search and dataset pages (wrk, 20 connections, 20 s).

Ratios and per-unit figures only mean something within one run on one
machine; bench/README.md records them with the machine.

Run through ``bench/run.sh scale`` (starts the services and the portal).
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "search"))
import corpus  # noqa: E402

# bench/web/run.py: its gunicorn starter and free_port (a module of the same file name as this one).
_spec = importlib.util.spec_from_file_location("bench_web", HERE.parent / "web" / "run.py")
bench_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_web)
free_port = bench_web.free_port

LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
SOLR_PORT = int(os.environ.get("NAKANO_SOLR_PORT", "8983"))
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "vocab_category", "vocab_standard",
          "vocab_area"]   # what the search page asks for
SITE_ID = "bench-scale"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def solr_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Documents as CKAN's indexer writes them, for the fields search and facets use."""
    return [{
        "index_id": f"{SITE_ID}-{d['id']}", "id": d["id"], "site_id": SITE_ID, "entity_type": "package",
        "dataset_type": "dataset", "state": "active", "capacity": "public", "name": d["name"],
        "title": d["title"], "notes": d["notes"], "maintainer": d["maintainer"],
        "tags": [t["name"] for t in d["tags"]], "res_name": [r["name"] for r in d["resources"]],
        "res_description": [r["description"] for r in d["resources"]],
        "res_format": [r["format"] for r in d["resources"]], "license_id": d["license_id"],
        "metadata_created": d["metadata_created"] + "Z", "metadata_modified": d["metadata_modified"] + "Z",
        "vocab_category": [d["maintainer"][:2]],
    } for d in docs]


def bulk_index(url: str, docs: list[dict[str, Any]], batch: int = 1000) -> float:
    start = time.perf_counter()
    for i in range(0, len(docs), batch):
        requests.post(f"{url}/update", json=docs[i:i + batch], timeout=600).raise_for_status()
    requests.get(f"{url}/update", params={"commit": "true"}, timeout=600).raise_for_status()
    return len(docs) / (time.perf_counter() - start)


def time_queries(rounds: int) -> dict[str, float]:
    """CKAN's package_search for each bench query, as the search page asks (with facets)."""
    import ckan.plugins.toolkit as tk

    every: list[float] = []
    hits = 0
    for _ in range(rounds):
        for q in corpus.QUERIES:
            start = time.perf_counter()
            found = tk.get_action("package_search")({"ignore_auth": True}, {
                "q": q, "rows": 20, "fl": "id,name", "facet.field": json.dumps(FACETS), "facet.limit": 10})
            every.append(time.perf_counter() - start)
            hits += found["count"]
    return {"median_ms": 1000 * statistics.median(every), "p95_ms": 1000 * pct(every, 0.95),
            "queries": len(every), "hits": hits // rounds}


def core(name: str) -> str:
    base = f"http://127.0.0.1:{SOLR_PORT}/solr"
    conf = LOCAL / "solr" / "configsets" / f"bench-{name}" / "conf"
    if conf.parent.exists():
        shutil.rmtree(conf.parent)
    shutil.copytree(ROOT / "solr" / "conf", conf)
    requests.get(f"{base}/admin/cores", params={"action": "UNLOAD", "core": name, "deleteInstanceDir": "true"},
                 timeout=120)
    requests.get(f"{base}/admin/cores", params={"action": "CREATE", "name": name, "configSet": f"bench-{name}",
                                                "instanceDir": name}, timeout=300).raise_for_status()
    return f"{base}/{name}"


class Cloud:
    """Two SolrCloud nodes on loopback; node 1 runs the embedded ZooKeeper (port + 1000)."""

    def __init__(self, work: Path):
        self.work = work
        self.ports = [free_port(), free_port()]
        while self.ports[0] + 1000 > 65535:
            self.ports[0] = free_port()
        self.zk = f"127.0.0.1:{self.ports[0] + 1000}"
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        for number, port in enumerate(self.ports):
            home = self.work / f"node{number + 1}"
            home.mkdir(parents=True, exist_ok=True)
            (home / "solr.xml").write_text(
                "<solr><solrcloud><str name=\"host\">127.0.0.1</str><int name=\"hostPort\">${jetty.port}</int>"
                "<str name=\"hostContext\">solr</str><int name=\"zkClientTimeout\">30000</int>"
                "</solrcloud></solr>\n", encoding="utf-8")
            # node 1 runs ZooKeeper (zkRun alone: with zkHost too it would wait for a ZooKeeper first)
            zk = [f"-DzkRun={self.zk}"] if number == 0 else [f"-DzkHost={self.zk}"]
            # the embedded ZooKeeper's settings (Solr's distribution ships this file)
            (home / "zoo.cfg").write_text("tickTime=2000\ninitLimit=10\nsyncLimit=5\nadmin.enableServer=false\n",
                                          encoding="utf-8")
            self.procs.append(subprocess.Popen(
                # solr.http1: the launcher serves HTTP/1.1 only (Solr talks HTTP/2 between nodes by default)
                ["java", "-Xms256m", "-Xmx768m", "-Dfile.encoding=UTF-8", "-Dsolr.http1=true", f"-Djetty.port={port}", *zk,
                 f"-Dsolr.log.dir={home}", f"-Dlog4j2.configurationFile={ROOT}/solr/src/main/resources/log4j2.xml",
                 f"-Dsolr.install.dir={home}", "-cp", f"{ROOT}/solr/target/nakano-solr.jar:{ROOT}/solr/target/lib/*",
                 "jp.lg.nakano.solr.Launcher", str(home), str(port), "127.0.0.1"],
                stdout=(home / "console.log").open("w"), stderr=subprocess.STDOUT,
                env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}))
            self._wait(port)
        deadline = time.monotonic() + 120
        while len(self.live_nodes()) < 2:
            assert time.monotonic() < deadline, "the second node did not join"
            time.sleep(1)

    def _wait(self, port: int) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/solr/admin/info/system", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError(f"SolrCloud node on {port} did not start; see {self.work}")

    def url(self, node: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[node]}/solr"

    def live_nodes(self) -> list[str]:
        answer = requests.get(f"{self.url()}/admin/collections", params={"action": "CLUSTERSTATUS"}, timeout=30)
        return answer.json().get("cluster", {}).get("live_nodes", []) if answer.ok else []

    def collection(self, name: str, alias: str, shards: int = 2, replicas: int = 2) -> str:
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w") as archive:
            for path in (ROOT / "solr" / "conf").rglob("*"):
                if path.is_file():
                    archive.write(path, path.relative_to(ROOT / "solr" / "conf"))
        requests.post(f"{self.url()}/admin/configs", params={"action": "UPLOAD", "name": "nakano"},
                      data=data.getvalue(), headers={"Content-Type": "application/octet-stream"},
                      timeout=120).raise_for_status()
        made = requests.get(f"{self.url()}/admin/collections", timeout=600, params={
            "action": "CREATE", "name": name, "numShards": shards, "replicationFactor": replicas,
            "collection.configName": "nakano", "waitForFinalState": "true"})
        assert made.ok, made.text[:2000]
        requests.get(f"{self.url()}/admin/collections", timeout=120, params={
            "action": "CREATEALIAS", "name": alias, "collections": name}).raise_for_status()
        return f"{self.url()}/{alias}"

    def kill(self, node: int) -> None:
        self.procs[node].send_signal(signal.SIGKILL)
        self.procs[node].wait(timeout=60)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()


def save(name: str, result: dict[str, Any]) -> None:
    """A measurement as bench/results/<name>.json, and on stdout."""
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


def gunicorn(ini: Path, workers: int, name: str) -> tuple[subprocess.Popen, str]:
    """A gunicorn of the portal on ``ini`` (bench/web's starter), and its address."""
    port = free_port()
    return bench_web.start_gunicorn(ini, port, workers, name), f"http://127.0.0.1:{port}"


def web(workers: int, seconds: int) -> dict[str, Any]:
    """One gunicorn with ``workers`` workers on the portal's ini; wrk on two pages."""
    proc, url = gunicorn(LOCAL / "ckan.ini", workers, f"scale-{workers}")
    try:
        found = {}
        name = requests.get(url + "/api/3/action/package_list", timeout=30).json()["result"][0]
        for page, path in (("search", "/dataset/?q=" + quote("公園")), ("dataset", f"/dataset/{name}")):
            for _ in range(20):   # warm: templates, caches
                requests.get(url + path, timeout=60)
            run = subprocess.run(["wrk", "-t", "2", "-c", "20", "-d", f"{seconds}s", "--latency",
                                  "-H", "User-Agent: nakano-bench-scale (wrk; monitor)", url + path],
                                 capture_output=True, text=True, timeout=seconds + 120)
            rps = float(next(line.split()[1] for line in run.stdout.splitlines() if line.startswith("Requests/sec")))
            non2xx = sum(int(line.split()[-1]) for line in run.stdout.splitlines() if "Non-2xx" in line)
            found[page] = {"requests_per_s": rps, "per_worker": rps / workers, "non_2xx": non2xx}
        return found
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--web-seconds", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}

    # 3. Web first: the portal's gunicorn and Solr are otherwise idle.
    report["web"] = {str(w): web(w, args.web_seconds) for w in (1, 2)}
    print(json.dumps(report["web"], ensure_ascii=False))

    from ckan.cli import load_config
    from ckan.common import config
    from ckan.config.middleware import make_app

    make_app(load_config(str(ROOT / "test.ini")))
    config["ckan.site_id"] = SITE_ID
    # The generated datasets are not in the database: the portal's guard against
    # indexing purged datasets (index_check.refuse_purged) would refuse them.
    from ckanext.nakano import index_check
    index_check.refuse_purged = lambda package_id: None
    docs = corpus.datasets(max(sizes))
    indexed = solr_docs(docs)

    # 1. One core, growing.
    url = core("bench_scale")
    config["solr_url"] = url
    report["single_core"] = {}
    done = 0
    for size in sizes:
        rate = bulk_index(url, indexed[done:size])
        done = size
        time_queries(1)   # warm the caches of the new searcher
        report["single_core"][str(size)] = {"bulk_datasets_per_s": rate, **time_queries(args.rounds)}
        print(size, json.dumps(report["single_core"][str(size)]))
    requests.get(f"http://127.0.0.1:{SOLR_PORT}/solr/admin/cores", timeout=120,
                 params={"action": "UNLOAD", "core": "bench_scale", "deleteInstanceDir": "true"})

    # 2. SolrCloud: 2 shards x 2 replicas on two nodes, behind an alias.
    cloud = Cloud(LOCAL / "bench" / "solrcloud")
    if cloud.work.exists():
        shutil.rmtree(cloud.work)
    try:
        cloud.start()
        alias = cloud.collection("bench_cloud", "bench_alias")
        config["solr_url"] = alias
        rate = bulk_index(alias, indexed[:max(sizes)])
        time_queries(1)
        result: dict[str, Any] = {"nodes": 2, "shards": 2, "replicas": 2, "solr_url": "…/solr/bench_alias",
                                  "bulk_datasets_per_s": rate, **time_queries(args.rounds)}
        # CKAN's own indexer and full results through the alias.
        from ckan.lib.search import commit
        from ckan.lib.search.index import PackageSearchIndex

        indexer = PackageSearchIndex()
        sample = corpus.datasets(200, seed=7)
        start = time.perf_counter()
        for doc in sample:
            indexer.index_package(dict(doc, with_custom_schema=doc, name="ckan-" + doc["name"]), defer_commit=True)
        commit()
        result["ckan_indexer_datasets_per_s"] = len(sample) / (time.perf_counter() - start)
        import ckan.plugins.toolkit as tk

        full = tk.get_action("package_search")({"ignore_auth": True}, {"q": "name:ckan-*", "rows": 5})
        result["ckan_full_results"] = {"count": full["count"], "titles_returned": len(
            [d for d in full["results"] if d.get("title")])}
        # One node killed: every shard still has a replica on the other.
        before = time_queries(1)["hits"]
        cloud.kill(1)
        time.sleep(5)
        after = time_queries(1)
        result["one_node_killed"] = {**after, "same_hits": after["hits"] == before}
        report["solrcloud"] = result
        print(json.dumps(result, ensure_ascii=False))
    finally:
        cloud.stop()

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
