"""Data inventory benchmark (issue 19): import rate and memory, page latency at 10,000 items,
and the cost of the dataset link field in package_search.

1. Import: a 10,000-item register generated from real vocabulary (the 自治体標準オープンデータセット
   names and the ward's subjects of bench/search/corpus.py, the real sections of the demo
   catalog, the nine departments) written as XLSX and as CP932 CSV, imported through the
   action ``nakano_inventory_import`` into an empty register, each in a fresh process:
   items/s, and the process's peak RSS at 1,000 vs 10,000 items (and its growth over the
   process before the import).
2. Pages, with the 10,000 items in the register and 300 datasets linked to items:
   ``/inventory``, ``/inventory?q=…`` and the largest department's dashboard, against the
   department page of CKAN (``/organization/<name>``) of the same portal, which does not
   read the register: requests alternate, p50/p95 and their ratios.
3. package_search over the 10,000 datasets of bench/search/corpus.py indexed through CKAN's
   indexer in two cores of our schema, one with the ``inventory_item`` field on every
   dataset and one without; the corpus queries alternate between them.

Own database (nakano_bench_inventory), Solr cores bench_inventory*, Redis db 4.
Run through ``bench/run.sh inventory``.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
BENCH = LOCAL / "bench" / "inventory"
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(HERE.parent / "search"))
import corpus  # noqa: E402
import run as search_bench  # noqa: E402

PORT = os.environ.get("NAKANO_PG_PORT", "5432")
SOLR = os.environ.get("NAKANO_SOLR_PORT", "8983")
REDIS = os.environ.get("NAKANO_REDIS_PORT", "6379")
ENV = {
    "CKAN_SQLALCHEMY_URL": f"postgresql://nakano:nakano@127.0.0.1:{PORT}/nakano_bench_inventory",
    "CKAN_SOLR_URL": f"http://127.0.0.1:{SOLR}/solr/bench_inventory",
    "CKAN_REDIS_URL": f"redis://127.0.0.1:{REDIS}/4",
    "CKAN_STORAGE_PATH": str(BENCH / "storage"),
    "CKAN_SITE_ID": "nakano-bench-inventory",
}
HEADER = ["管理番号", "データ名", "所管部", "所管課", "概要", "保有形式", "更新頻度", "件数・規模", "自治体標準オープンデータセット",
          "個人情報", "公開できない列", "公開状況", "非公開理由", "非公開理由の説明", "公開予定時期", "公開先URL", "公表",
          "公表しない理由", "内部メモ"]
DEPARTMENTS = ["企画部", "総務部", "区民部", "子ども教育部", "地域支えあい推進部", "健康福祉部", "環境部", "都市基盤部",
               "教育委員会事務局"]
STATUSES = [("公開済（オープンデータ）", 0.30), ("公開済（オープンデータ以外：PDF・ウェブページ等）", 0.15), ("公開予定", 0.15),
            ("検討中", 0.15), ("非公開", 0.25)]
REASONS = ["個人情報", "法人等情報", "公共の安全等", "審議・検討等", "事務・事業", "法令による制限", "著作権等第三者の権利"]
FREQUENCIES = ["年1回", "毎月", "随時", "不定期", "毎年", "1年に2回", "四半期ごと", "変更時"]
FORMS = ["紙", "Excel・CSV 等のファイル", "業務システム", "データベース"]
STANDARD = ["", "", "", "公共施設一覧", "AED設置箇所一覧", "子育て施設一覧", "医療機関一覧", "指定緊急避難場所一覧"]


def rows(n: int, seed: int = 131148) -> list[list[str]]:
    """``n`` register rows in HEADER's order, round-robin over the departments (deterministic)."""
    rnd = random.Random(seed)
    _towns, sections = corpus._vocabulary()
    out = []
    for i in range(n):
        subject = rnd.choice(corpus.SUBJECTS)
        status = rnd.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        listed = rnd.random() < 0.95
        out.append([
            f"B{i // len(DEPARTMENTS):05d}", f"{subject}{rnd.choice(['台帳', '一覧', '調査結果', '管理簿'])}",
            DEPARTMENTS[i % len(DEPARTMENTS)], rnd.choice(sections),
            f"{subject}に関する{rnd.choice(['記録', '集計', '名簿'])}", rnd.choice(FORMS), rnd.choice(FREQUENCIES),
            f"約{rnd.randint(1, 500) * 10}件", rnd.choice(STANDARD), rnd.choice(["含まない", "含む", "加工すれば公開可"]),
            "氏名、住所" if rnd.random() < 0.1 else "", status,
            rnd.choice(REASONS) if status in ("検討中", "非公開") else "", "",
            f"令和{rnd.randint(9, 15)}年{rnd.randint(1, 12)}月" if status == "公開予定" else "",
            "https://www.city.tokyo-nakano.lg.jp/" if status.startswith("公開済（オープンデータ以外") else "",
            "○" if listed else "×", "" if listed else "庁内限り", ""])
    return out


def write_files(n: int) -> dict[str, Path]:
    BENCH.mkdir(parents=True, exist_ok=True)
    lines = [["中野区 保有データ一覧（ベンチマーク用・生成データ）"], HEADER, *rows(n)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(lines)
    paths = {"csv": BENCH / f"register-{n}.csv", "xlsx": BENCH / f"register-{n}.xlsx"}
    paths["csv"].write_bytes(text.getvalue().encode("cp932"))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("台帳")
    for line in lines:
        sheet.append(line)
    book.save(paths["xlsx"])
    return paths


def ckan(*args: str) -> None:
    subprocess.run([str(VENV / "ckan"), "-c", str(ROOT / "test.ini"), *args], env=dict(os.environ, **ENV),
                   capture_output=True, text=True, check=True)


def load_portal() -> Any:
    os.environ.update(ENV)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    return make_app(load_config(str(ROOT / "test.ini")))


def import_once(path: Path) -> None:
    """In a fresh process: empty the register, import ``path``, print figures as JSON."""
    load_portal()
    from ckan import model
    import ckan.plugins.toolkit as tk
    model.Session.execute(sa.text("delete from nakano_inventory_item; delete from nakano_inventory_change"))
    model.Session.commit()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    content = path.read_bytes()
    start = time.perf_counter()
    result = tk.get_action("nakano_inventory_import")({"ignore_auth": True}, {"upload": content})
    seconds = time.perf_counter() - start
    print(json.dumps({"file": path.name, "seconds": seconds, "items": len(result["created"]),
                      "errors": result["errors"][:3], "rss_before_kb": before,
                      "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def run_import(path: Path) -> dict[str, Any]:
    done = subprocess.run([str(VENV / "python"), __file__, "--import-once", str(path)], env=dict(os.environ, **ENV),
                          capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert not figures["errors"], figures["errors"]
    return figures


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def prepare_portal() -> None:
    """Departments, a sysadmin with a password, 300 datasets linked to items (in the register)."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    site = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    names = {"企画部": "kikaku", "総務部": "somu", "区民部": "kumin", "子ども教育部": "kodomo-kyoiku",
             "地域支えあい推進部": "chiiki-sasaeai", "健康福祉部": "kenko-fukushi", "環境部": "kankyo",
             "都市基盤部": "toshi-kiban", "教育委員会事務局": "kyoiku-iinkai"}
    for title, name in names.items():
        if model.Group.get(name) is None:
            tk.get_action("organization_create")(dict(site), {"name": name, "title": title})
    if model.User.get("bench-admin") is None:
        tk.get_action("user_create")(dict(site), {"name": "bench-admin", "email": "bench@example.jp",
                                                  "password": "RightHorseBattery42"})
        user = model.User.get("bench-admin")
        user.sysadmin = True
        model.Session.commit()
    return names


def link_datasets(names: dict[str, str], count: int = 300) -> None:
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.nakano.model import InventoryItem
    site = {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
    present = tk.get_action("package_search")(dict(site), {"rows": 0, "include_private": True})["count"]
    items = model.Session.query(InventoryItem).filter(InventoryItem.state == "active").order_by(
        InventoryItem.local_id).limit(count).all()
    for i, item in enumerate(items[present:], start=present):
        tk.get_action("package_create")(dict(site), {
            "name": f"bench-inventory-{i:04d}", "title": item.title, "notes": item.data.get("description") or "-",
            "owner_org": item.organization_id, "category": "行財政", "license_id": "cc-by",
            "inventory_item": item.id})


def measure_pages(app: Any, rounds: int) -> dict[str, Any]:
    """Alternating requests through the portal's WSGI app (Flask's test client, one process)."""
    from ckan import model
    client = app.test_client()
    form = client.get("/user/login").get_data(as_text=True)
    token = re.search(r'name="_csrf_token" content="([^"]+)"', form).group(1)
    client.post("/user/login", data={"login": "bench-admin", "password": "RightHorseBattery42", "_csrf_token": token})
    largest = model.Session.execute(sa.text(
        "select g.name from nakano_inventory_item i join \"group\" g on g.id = i.organization_id "
        "group by g.name order by count(*) desc limit 1")).scalar()
    pages = {"inventory": "/inventory", "inventory_search": "/inventory?q=%E5%85%AC%E5%9C%92",
             "inventory_department": f"/inventory/department/{largest}", "organization": f"/organization/{largest}"}
    times: dict[str, list[float]] = {k: [] for k in pages}
    for _ in range(3):   # warm-up
        for url in pages.values():
            assert client.get(url).status_code == 200, url
    for _ in range(rounds):
        for key, url in pages.items():
            start = time.perf_counter()
            answer = client.get(url)
            times[key].append(time.perf_counter() - start)
            assert answer.status_code == 200, (url, answer.status_code)
    out: dict[str, Any] = {"department": largest, "rounds": rounds}
    for key, found in times.items():
        out[key] = {"p50_ms": 1000 * statistics.median(found), "p95_ms": 1000 * pct(found, 0.95)}
    for key in ("inventory", "inventory_search", "inventory_department"):
        out[f"{key}_over_organization_p95"] = out[key]["p95_ms"] / out["organization"]["p95_ms"]
        out[f"{key}_over_organization_p50"] = out[key]["p50_ms"] / out["organization"]["p50_ms"]
    return out


def measure_search(datasets: int, rounds: int) -> dict[str, Any]:
    """package_search, cores with and without the inventory_item field on every dataset."""
    from ckan.common import config
    from ckanext.nakano import index_check, search as nakano_search
    # The corpus is not in the database: the guard against indexing purged datasets would refuse it.
    index_check.refuse_purged = nakano_search.refuse_purged = lambda package_id: None
    schema = ROOT / "solr" / "conf" / "schema.xml"
    cores = {"without": search_bench.create_core("bench_inventory_plain", schema),
             "with": search_bench.create_core("bench_inventory_linked", schema)}
    docs = corpus.datasets(datasets)
    rnd = random.Random(7)
    linked = [dict(d, extras=d["extras"] + [{"key": "inventory_item", "value": f"{rnd.getrandbits(128):032x}"}])
              for d in docs]
    config["solr_url"] = cores["without"]
    search_bench.index_all(docs)
    config["solr_url"] = cores["with"]
    search_bench.index_all(linked)
    times: dict[str, list[float]] = {k: [] for k in cores}
    for _ in range(rounds):
        for q in corpus.QUERIES:
            for key in (("with", "without") if rnd.random() < 0.5 else ("without", "with")):
                config["solr_url"] = cores[key]
                times[key].append(search_bench.search(q)[1])
    out = {k: {"p50_ms": 1000 * statistics.median(v), "p95_ms": 1000 * pct(v, 0.95)} for k, v in times.items()}
    out["ratio_p50"] = out["with"]["p50_ms"] / out["without"]["p50_ms"]
    out["ratio_p95"] = out["with"]["p95_ms"] / out["without"]["p95_ms"]
    config["solr_url"] = ENV["CKAN_SOLR_URL"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-once", type=Path)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=60, help="rounds of page requests")
    parser.add_argument("--search-rounds", type=int, default=15)
    parser.add_argument("--parts", default="import,pages,search", help="which measures (comma separated)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "inventory.json"))
    args = parser.parse_args()
    if args.import_once:
        import_once(args.import_once)
        return
    parts = set(args.parts.split(","))
    if parts == {"search"}:
        load_portal()
        result = {"package_search": measure_search(10_000, args.search_rounds)}
        print(json.dumps(result, indent=1))
        return
    search_bench.create_core("bench_inventory", ROOT / "solr" / "conf" / "schema.xml")
    ckan("db", "clean", "--yes")
    ckan("db", "init")
    ckan("db", "upgrade")
    report: dict[str, Any] = {"date": datetime.date.today().isoformat(), "machine": platform.platform(),
                              "cpus": os.cpu_count(), "items": args.items}
    small, large = write_files(1_000), write_files(args.items)
    app = load_portal()
    flask_app = app._wsgi_app if hasattr(app, "_wsgi_app") else app
    with flask_app.test_request_context():
        names = prepare_portal()
    imports = {}
    for kind in ("xlsx", "csv"):
        for label, paths in (("1000", small), (str(args.items), large)):
            figures = run_import(paths[kind])
            figures["items_per_s"] = figures["items"] / figures["seconds"]
            imports[f"{kind}_{label}"] = figures
            print(kind, label, f"{figures['items_per_s']:.0f} items/s", f"peak RSS {figures['rss_peak_kb'] / 1024:.0f} MiB",
                  flush=True)
    for kind in ("xlsx", "csv"):
        small_fig, large_fig = imports[f"{kind}_1000"], imports[f"{kind}_{args.items}"]
        imports[f"{kind}_peak_rss_ratio"] = large_fig["rss_peak_kb"] / small_fig["rss_peak_kb"]
        imports[f"{kind}_rss_growth_mib"] = {
            "1000": (small_fig["rss_peak_kb"] - small_fig["rss_before_kb"]) / 1024,
            str(args.items): (large_fig["rss_peak_kb"] - large_fig["rss_before_kb"]) / 1024}
    report["import"] = imports
    with flask_app.test_request_context():
        link_datasets(names)
    report["pages"] = measure_pages(flask_app, args.rounds)
    print(json.dumps(report["pages"], indent=1), flush=True)
    report["package_search"] = measure_search(10_000, args.search_rounds) if "search" in parts else None
    print(json.dumps(report["package_search"], indent=1), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
