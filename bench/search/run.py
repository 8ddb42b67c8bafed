"""Search benchmark: stock CKAN 2.12 Solr schema vs the portal's, in one run.

Both cores live on the same Solr; the same 10,000 generated datasets are
indexed into each through CKAN's own indexer, and the same labelled queries
go through CKAN's own ``package_search`` action. Only the schema (and, for
ours, the query fields it adds) differs.

Run through bench/run.sh, which starts the services.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

STOCK_QF = "name^4 title^4 tags^2 groups^2 text"  # CKAN's QUERY_FIELDS


def solr_base() -> str:
    return f"http://127.0.0.1:{os.environ.get('NAKANO_SOLR_PORT', '8983')}/solr"


def create_core(name: str, schema: Path, reuse: bool = False) -> str:
    """A core named ``name`` with our solrconfig and the given schema."""
    if reuse:
        return f"{solr_base()}/{name}"
    local = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
    conf = local / "solr" / "configsets" / f"bench-{name}" / "conf"
    if conf.exists():
        shutil.rmtree(conf.parent)
    shutil.copytree(ROOT / "solr" / "conf", conf)
    shutil.copy(schema, conf / "schema.xml")
    admin = f"{solr_base()}/admin/cores"
    requests.get(admin, params={"action": "UNLOAD", "core": name, "deleteInstanceDir": "true"}, timeout=60)
    r = requests.get(admin, params={"action": "CREATE", "name": name, "configSet": f"bench-{name}",
                                    "instanceDir": name}, timeout=120)
    r.raise_for_status()
    return f"{solr_base()}/{name}"


def index_all(docs: list[dict[str, Any]]) -> float:
    """Index through CKAN's PackageSearchIndex; returns datasets per second."""
    from ckan.lib.search import commit
    from ckan.lib.search.index import PackageSearchIndex

    indexer = PackageSearchIndex()
    start = time.perf_counter()
    for doc in docs:
        indexer.index_package(dict(doc, with_custom_schema=doc), defer_commit=True)
    commit()
    return len(docs) / (time.perf_counter() - start)


def solr_bulk_rate(url: str, docs: list[dict[str, Any]], batch: int = 500) -> float:
    """Datasets/s when Solr alone analyses the documents (no CKAN, batched)."""
    fields = [{
        "index_id": f"bulk-{d['id']}", "id": d["id"], "site_id": "bench-bulk", "state": "active",
        "name": d["name"], "title": d["title"], "notes": d["notes"], "maintainer": d["maintainer"],
        "tags": [t["name"] for t in d["tags"]],
        "res_name": [r["name"] for r in d["resources"]],
        "res_description": [r["description"] for r in d["resources"]],
        "res_url": [r["url"] for r in d["resources"]],
    } for d in docs]
    start = time.perf_counter()
    for i in range(0, len(fields), batch):
        requests.post(f"{url}/update", json=fields[i:i + batch], timeout=300).raise_for_status()
    requests.get(f"{url}/update", params={"commit": "true"}, timeout=300).raise_for_status()
    rate = len(fields) / (time.perf_counter() - start)
    requests.post(f"{url}/update", params={"commit": "true"},
                  json={"delete": {"query": "site_id:bench-bulk"}}, timeout=300).raise_for_status()
    return rate


def search(q: str, rows: int = 20, fl: str | None = None) -> tuple[list[str], float]:
    """One package_search; ``fl="id,name"`` skips building full dataset dicts."""
    import ckan.plugins.toolkit as tk

    params: dict[str, Any] = {"q": q, "rows": rows}
    if fl:
        params["fl"] = fl
    start = time.perf_counter()
    result = tk.get_action("package_search")({"ignore_auth": True}, params)
    return [d["id"] for d in result["results"]], time.perf_counter() - start


def recall_at(found: list[str], wanted: set[str], k: int = 20) -> float:
    return len(set(found[:k]) & wanted) / min(k, len(wanted))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the queries")
    parser.add_argument("--reuse-index", action="store_true",
                        help="keep the bench cores of an earlier run (no indexing figures)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "search.json"))
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.common import config
    from ckan.config.middleware import make_app
    import ckan.lib.search.common as search_common

    make_app(load_config(str(ROOT / "test.ini")))
    # The generated datasets are not in the database: the portal's guard against
    # indexing purged datasets (index_check.refuse_purged) would refuse them.
    from ckanext.nakano import index_check
    index_check.refuse_purged = lambda package_id: None
    stock_schema = Path(search_common.__file__).parents[2] / "config" / "solr" / "schema.xml"
    setups = {
        "stock": (create_core("bench_stock", stock_schema, args.reuse_index), STOCK_QF),
        "nakano": (create_core("bench_nakano", ROOT / "solr" / "conf" / "schema.xml",
                               args.reuse_index),
                   config["ckanext.nakano.search.query_fields"]),
    }

    def use(name: str) -> None:
        url, qf = setups[name]
        config["solr_url"] = url
        config["ckanext.nakano.search.query_fields"] = qf

    docs = corpus.datasets(args.datasets)
    labelled = [(q, corpus.relevant(docs, q)) for q in corpus.QUERIES]
    labelled = [(q, rel) for q, rel in labelled if rel]

    report: dict[str, Any] = {"datasets": len(docs), "queries": len(labelled), "rounds": args.rounds}
    # Index stock then ours, then ours then stock, and keep the mean: the
    # second run of each pair profits from warm caches.
    rates: dict[str, list[float]] = {"stock": [], "nakano": []}
    for order in (("stock", "nakano"), ("nakano", "stock")) if not args.reuse_index else ():
        for name in order:
            use(name)
            rates[name].append(index_all(docs))
    bulk: dict[str, list[float]] = {"stock": [], "nakano": []}
    for order in (("stock", "nakano"), ("nakano", "stock")):
        for name in order:
            bulk[name].append(solr_bulk_rate(setups[name][0], docs))
    for name in setups:
        report[name] = {"index_datasets_per_s": statistics.mean(rates[name] or [float("nan")]),
                        "solr_bulk_datasets_per_s": statistics.mean(bulk[name])}

    for name in setups:  # warm-up, and recall
        use(name)
        recalls = {q: recall_at(search(q)[0], rel) for q, rel in labelled}
        report[name]["recall_at_20"] = statistics.mean(recalls.values())
        report[name]["recall_per_query"] = recalls

    # Two timings: the full result page (what a client gets), and fl=id,name,
    # which leaves out the building of up to 20 full dataset dicts. Stock
    # CKAN finds nothing for most Japanese queries, so its full pages are
    # mostly empty and cheaper to build: the second timing compares the
    # search itself, and the full-page timing is also reported over the
    # queries where both return the same number of results.
    page_size = {name: {} for name in setups}
    for name in setups:
        use(name)
        for q, _rel in labelled:
            page_size[name][q] = len(search(q)[0])
        report[name]["mean_results_per_page"] = statistics.mean(page_size[name].values())
    same_size = [q for q, _rel in labelled if page_size["stock"][q] == page_size["nakano"][q]]
    report["queries_with_equal_page_size"] = same_size

    for mode, fl in (("full", None), ("ids", "id,name")):
        per_query: dict[str, dict[str, list[float]]] = {name: {} for name in setups}
        for _ in range(args.rounds):
            for q, _rel in labelled:  # interleaved so both see the same machine state
                for name in setups:
                    use(name)
                    per_query[name].setdefault(q, []).append(search(q, fl=fl)[1])
        for name in setups:
            every = [t for q in per_query[name] for t in per_query[name][q]]
            report[name][f"search_{mode}_ms_median"] = 1000 * statistics.median(every)
            report[name][f"search_{mode}_ms_p95"] = 1000 * pct(every, 0.95)
            if mode == "full" and same_size:
                equal = [t for q in same_size for t in per_query[name][q]]
                report[name]["search_equal_ms_median"] = 1000 * statistics.median(equal)
                report[name]["search_equal_ms_p95"] = 1000 * pct(equal, 0.95)

    s, n = report["stock"], report["nakano"]
    report["ratios"] = {
        f"{key}_nakano_over_stock": n[key] / s[key]
        for key in ("search_full_ms_median", "search_full_ms_p95",
                    "search_ids_ms_median", "search_ids_ms_p95",
                    "search_equal_ms_median", "search_equal_ms_p95")
        if key in n
    }
    for key in ("index_datasets_per_s", "solr_bulk_datasets_per_s"):
        report["ratios"][f"{key}_nakano_over_stock"] = n[key] / s[key]
    report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "platform": platform.platform()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    print(f"{len(docs)} datasets, {len(labelled)} labelled queries, {args.rounds} timed rounds")
    print(f"{'':34}{'stock':>10}{'nakano':>10}{'ratio':>8}")
    print(f"{'recall@20':34}{s['recall_at_20']:>10.3f}{n['recall_at_20']:>10.3f}")
    print(f"{'results per page (mean)':34}{s['mean_results_per_page']:>10.1f}{n['mean_results_per_page']:>10.1f}")
    for key, label in [
        ("search_full_ms_median", "package_search full, median (ms)"),
        ("search_full_ms_p95", "package_search full, p95 (ms)"),
        ("search_ids_ms_median", "package_search fl=id, median (ms)"),
        ("search_ids_ms_p95", "package_search fl=id, p95 (ms)"),
        ("search_equal_ms_median", "full, equal page size, median (ms)"),
        ("search_equal_ms_p95", "full, equal page size, p95 (ms)"),
    ]:
        if key not in n:
            continue
        print(f"{label:34}{s[key]:>10.2f}{n[key]:>10.2f}{report['ratios'][key + '_nakano_over_stock']:>8.2f}")
    print(f"{'queries with equal page size':34}{len(same_size):>10}")
    for key, label in [("index_datasets_per_s", "indexing via CKAN (datasets/s)"),
                       ("solr_bulk_datasets_per_s", "Solr alone, batches (datasets/s)")]:
        print(f"{label:34}{s[key]:>10.1f}{n[key]:>10.1f}"
              f"{report['ratios'][key + '_nakano_over_stock']:>8.2f}")
    weak = {q: r for q, r in n["recall_per_query"].items() if r < 0.95}
    if weak:
        print("queries below 0.95 on ours:", weak)


if __name__ == "__main__":
    main()
