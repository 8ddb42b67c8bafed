"""The portal at 1,000, 10,000 and 100,000 datasets made through CKAN itself (issue 22).

Every dataset is a real CKAN dataset: ``package_create`` through the action layer with the
ward schema's validation, its activity, its search-index update, by ``--workers`` processes
side by side. The catalog grows in steps (``--steps``); at each step, on the same portal:

1. creation: datasets/s of the step, and per dataset the SQL statements and the time spent in
   them (sampled on the first ``SAMPLE`` datasets of every process);
2. index: ``ckan search-index rebuild`` and ``rebuild-fast``, and ``ckan nakano search-index
   verify``; during the rebuild a reader asks for the search page's count every second
   (never an empty answer: CKAN 2.12 does not clear the index first);
3. pages and API through gunicorn as ``make up`` runs it (2 sync workers): p50/p95 of each
   over ``--rounds`` rounds, shuffled in every round;
4. the sitemap (index and parts) and ``/catalog.ttl``'s first and last page.

Ratios are taken against the first step, of the same run on the same machine (bench/README.md
"catalog at scale"); ``--svg`` draws the curves. Generated datasets follow bench/search/
corpus.py's vocabulary: 60 departments (a few large, most small), 3,000 tags, 1–3 files each,
one in ten published from an item of its department's data inventory.

Own database nakano_bench_scale, Solr core bench_scale, Redis db 6, storage under
.local/bench/scale. Run through ``bench/run.sh catalog [--steps 1000,10000,100000]``;
``--quick`` (2,000 datasets, few rounds) is what ``make test`` runs so the script cannot rot.
"""
from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
BENCH = LOCAL / "bench" / "scale"
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(HERE.parent / "search"))
sys.path.insert(0, str(HERE.parent))
import common  # noqa: E402
import corpus  # noqa: E402
import run as search_bench  # noqa: E402

PORT = os.environ.get("NAKANO_PG_PORT", "5432")
SOLR = os.environ.get("NAKANO_SOLR_PORT", "8983")
REDIS = os.environ.get("NAKANO_REDIS_PORT", "6379")
DB, DB_DS = "nakano_bench_scale", "nakano_bench_scale_datastore"
PG = f"postgresql://nakano:nakano@127.0.0.1:{PORT}"
CORE = "bench_scale"
ENV = {
    "CKAN_SQLALCHEMY_URL": f"{PG}/{DB}",
    "CKAN_DATASTORE_WRITE_URL": f"{PG}/{DB_DS}",
    "CKAN_DATASTORE_READ_URL": f"postgresql://nakano_datastore_ro:nakano_datastore_ro@127.0.0.1:{PORT}/{DB_DS}",
    "CKAN_SOLR_URL": f"http://127.0.0.1:{SOLR}/solr/{CORE}",
    "CKAN_REDIS_URL": f"redis://127.0.0.1:{REDIS}/6",
    "CKAN_STORAGE_PATH": str(BENCH / "storage"),
    "CKAN_SITE_ID": "nakano-bench-scale",
}
USER_AGENT = "nakano-bench-scale (monitor)"   # filed under bots by the metrics middleware
DEPARTMENTS = 60
TAGS = 3000
SAMPLE = 20            # datasets per process whose SQL is counted
RATIO_TARGET = 1.5
SEED = 131148


def write_ini() -> Path:
    return common.write_ini(BENCH, f"{PG}/{DB}", "ckan.search.solr_commit = false")


def ckan(ini: Path, *args: str) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run([str(VENV / "ckan"), "-c", str(ini), *args], env=dict(os.environ, **ENV),
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ckan {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout, took


def load_portal(ini: Path) -> Any:
    return common.load_portal(ini, ENV)


def setup(ini: Path) -> float:
    """An empty portal: database, DataStore database, Solr core, Redis db, storage, assets."""
    start = time.perf_counter()
    services = str(ROOT / "scripts" / "services.sh")
    subprocess.run([services, "createdb", DB], check=True, capture_output=True)
    subprocess.run([services, "datastore", DB, DB_DS], check=True, capture_output=True)
    search_bench.create_core(CORE, ROOT / "solr" / "conf" / "schema.xml")
    requests.get(f"{search_bench.solr_base()}/{CORE}/update", params={"commit": "true"},
                 data="<delete><query>*:*</query></delete>", headers={"Content-Type": "text/xml"},
                 timeout=120).raise_for_status()
    import redis
    redis.Redis.from_url(ENV["CKAN_REDIS_URL"]).flushdb()
    subprocess.run(["rm", "-rf", str(BENCH / "storage")], check=True)
    ckan(ini, "db", "clean", "--yes")
    ckan(ini, "db", "init")
    ckan(ini, "db", "upgrade")
    ckan(ini, "asset", "build")
    return time.perf_counter() - start


# --- the generated catalog -----------------------------------------------------------------------

def department_names() -> list[tuple[str, str, str]]:
    """60 departments: the ward's nine, then numbered 部 (name, title, English title)."""
    import yaml
    ward = yaml.safe_load((ROOT / "ckanext-nakano" / "ckanext" / "nakano" / "demo" / "departments.yaml")
                          .read_text(encoding="utf-8"))
    out = [(d["name"], d["title"], d["title_en"]) for d in ward]
    i = 1
    while len(out) < DEPARTMENTS:
        out.append((f"bu-{i:02d}", f"第{i}事業部", f"Operations Department {i}"))
        i += 1
    return out


def department_weights() -> list[float]:
    """A few departments publish most (Zipf, exponent 1): the largest holds about a fifth."""
    return [1 / (rank + 1) for rank in range(DEPARTMENTS)]


def tag_pool() -> list[str]:
    towns, _ = corpus._vocabulary()
    words = [re.sub(r"[^\w]", "", s) for s in corpus.SUBJECTS]
    pool = sorted({f"{t}{w}" for t in towns for w in words})
    return random.Random(SEED).sample(pool, TAGS - len(words)) + words


def dataset(i: int, departments: list[str], tags: list[str], vocab: dict[str, list[str]],
            towns: list[str], sections: list[str]) -> dict[str, Any]:
    """Dataset number ``i``: the same dict for the same ``i`` on every run."""
    rnd = random.Random(SEED * 1_000_003 + i)
    town, subject, year = rnd.choice(towns), rnd.choice(corpus.SUBJECTS), rnd.randint(2015, 2026)
    title = rnd.choice(corpus.FORMS).format(town=town, subject=subject, year=year)
    notes = "".join(rnd.sample(corpus.NOTES, 2)).format(
        town=town, subject=subject, year=year, section=rnd.choice(sections), freq=rnd.choice(corpus.FREQS))
    org = rnd.choices(departments, department_weights())[0]
    resources = []
    for r in range(rnd.choice([1, 1, 2, 3])):
        fmt = rnd.choice(["CSV", "CSV", "XLSX", "PDF", "JSON"])
        resources.append({"name": f"{subject}（{year}年度）" if r == 0 else f"{subject} 別表{r}",
                          "description": f"{town}の{subject}", "format": fmt,
                          "url": f"https://www.city.tokyo-nakano.lg.jp/opendata/{i}/{r}.{fmt.lower()}"})
    out = {
        "name": f"scale-{i:06d}", "title": f"{title}（{i}）", "notes": notes, "owner_org": org,
        "category": rnd.choice(vocab["categories"]), "license_id": "cc-by",
        "frequency": rnd.choice(vocab["frequencies"]),
        "tag_string": ",".join(rnd.sample(tags, rnd.choice([0, 1, 2, 3]))),
        "contact": [{"name": rnd.choice(sections), "email": "opendata@city.tokyo-nakano.lg.jp"}],
        "issued": f"{year}-04-01", "resources": resources,
    }
    if rnd.random() < 0.2:
        out["standard_dataset"] = rnd.choice(vocab["standards"])
    return out


def create_range(ini: Path, first: int, stop: int, step: int, out: multiprocessing.Queue) -> None:
    """Datasets ``first``, ``first + step``, … below ``stop`` through package_create (a process)."""
    app = load_portal(ini)
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.nakano import vocab as ward_vocab
    towns, sections = corpus._vocabulary()
    tags = tag_pool()
    departments = [name for name, _, _ in department_names()]
    vocab = {"categories": [c["value"] for c in ward_vocab.categories()],
             "frequencies": [ward_vocab.frequencies()["base_uri"] + c["code"]
                             for c in ward_vocab.frequencies()["choices"]],
             "standards": [d["value"] for d in ward_vocab.standard_datasets()["datasets"]]}
    sql = {"statements": 0, "seconds": 0.0}
    counting = {"on": True}

    def before(conn, cursor, statement, parameters, context, executemany):   # noqa: ANN001
        context._bench_start = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):   # noqa: ANN001
        if counting["on"]:
            sql["statements"] += 1
            sql["seconds"] += time.perf_counter() - context._bench_start

    engine = model.meta.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    created = 0
    sampled_seconds = 0.0
    start = time.perf_counter()
    with app.test_request_context():
        context = common.site_context()
        for n, i in enumerate(range(first, stop, step)):
            counting["on"] = n < SAMPLE
            t0 = time.perf_counter()
            data = dataset(i, departments, tags, vocab, towns, sections)
            if i % 10 == 0:
                # One in ten publishes an item of its department's register (データ棚卸).
                item = tk.get_action("nakano_inventory_item_create")(dict(context), {
                    "department": data["owner_org"], "local_id": f"S{i:06d}", "title": data["title"],
                    "status": "open_data", "holding_form": "file"})
                data["inventory_item"] = item["id"]
            tk.get_action("package_create")(dict(context), data)
            if n < SAMPLE:
                sampled_seconds += time.perf_counter() - t0
            created += 1
            model.Session.remove()
    took = time.perf_counter() - start
    sampled = min(SAMPLE, created)
    out.put({"created": created, "seconds": took, "sampled": sampled,
             "sql_per_dataset": sql["statements"] / max(1, sampled),
             "sql_ms_per_dataset": 1000 * sql["seconds"] / max(1, sampled),
             "ms_per_dataset": 1000 * sampled_seconds / max(1, sampled)})


def make_departments(ini: Path) -> None:
    """The 60 departments, and a sysadmin with an API token (the harvest report and the
    register's page are for staff)."""
    app = load_portal(ini)
    import ckan.plugins.toolkit as tk
    from ckan import model
    with app.test_request_context():
        if model.User.get("bench-admin") is None:
            tk.get_action("user_create")(common.site_context(), {"name": "bench-admin", "email": "admin@example.jp",
                                                          "password": "Bench-Admin-HorseBattery"})
            user = model.User.get("bench-admin")
            user.sysadmin = True
            model.Session.commit()
        token = tk.get_action("api_token_create")(common.site_context(),
                                                  {"user": "bench-admin", "name": "bench"})["token"]
        (BENCH / "token").write_text(token, encoding="utf-8")
        for name, title, title_en in department_names():
            try:
                tk.get_action("organization_show")(common.site_context(), {"id": name})
            except tk.ObjectNotFound:
                tk.get_action("organization_create")(common.site_context(), {
                    "name": name, "title": title, "title_en": title_en, "description": f"{title} / {title_en}"})


def count_datasets() -> int:
    engine = sa.create_engine(f"{PG}/{DB}")
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from package where type = 'dataset' and state = 'active'")).scalar()
    engine.dispose()
    return int(n)


def grow(ini: Path, target: int, workers: int) -> dict[str, Any]:
    """From the datasets there are to ``target``, in ``workers`` processes side by side."""
    have = count_datasets()
    if have >= target:
        return {"created": 0}
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    start = time.perf_counter()
    procs = [ctx.Process(target=create_range, args=(ini, have + w, target, workers, queue)) for w in range(workers)]
    for p in procs:
        p.start()
    parts = [queue.get() for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a creating process failed ({p.exitcode})")
    took = time.perf_counter() - start
    created = sum(p["created"] for p in parts)
    return {"created": created, "seconds": round(took, 1), "datasets_per_s": round(created / took, 1),
            "sql_per_dataset": round(statistics.mean(p["sql_per_dataset"] for p in parts), 1),
            "sql_ms_per_dataset": round(statistics.mean(p["sql_ms_per_dataset"] for p in parts), 1),
            "ms_per_dataset_in_a_process": round(statistics.mean(p["ms_per_dataset"] for p in parts), 1)}


# --- measuring -----------------------------------------------------------------------------------

def start_server(ini: Path, port: int) -> subprocess.Popen[bytes]:
    from ckanext.nakano.tests.portal_api import wait_until_answers
    log = BENCH / "gunicorn.log"
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "600",
         "--error-logfile", str(log), "--capture-output", "ckanext.nakano.wsgi:application"],
        env={**os.environ, **ENV, "CKAN_INI": str(ini)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_answers(f"http://127.0.0.1:{port}", 180, alive=lambda: proc.poll() is None):
        return proc
    proc.terminate()
    raise SystemExit(f"gunicorn on {port} did not start; see {log}")


def largest_department() -> tuple[str, int]:
    engine = sa.create_engine(f"{PG}/{DB}")
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "select g.name, count(*) from package p join \"group\" g on g.id = p.owner_org "
            "where p.state = 'active' group by g.name order by count(*) desc limit 1")).one()
    engine.dispose()
    return row[0], row[1]


def targets(n: int) -> dict[str, str]:
    """What is measured: pages and API calls, by label."""
    department, size = largest_department()
    middle = f"scale-{n // 2:06d}"
    deep = min(50, max(1, n // 20))   # the search page 50 (20 a page) or the last there is
    rows_start = min(50_000, max(0, n - 1000))
    return {
        "home /": "/",
        "search /dataset/": "/dataset/",
        "search ?q=公園": "/dataset/?q=%E5%85%AC%E5%9C%92",
        f"search page {deep}": f"/dataset/?page={deep}",
        f"department page ({size} datasets)": f"/organization/{department}",
        "dataset page": f"/dataset/{middle}",
        "/metrics": "/metrics",
        "/harvest-report": "/harvest-report",
        "/inventory": "/inventory",
        "API package_search rows=20": "/api/3/action/package_search?rows=20",
        f"API package_search rows=1000&start={rows_start}":
            f"/api/3/action/package_search?rows=1000&start={rows_start}",
        "API package_show": f"/api/3/action/package_show?id={middle}",
        "API organization_show (largest)": f"/api/3/action/organization_show?id={department}",
        "API current_package_list_with_resources": "/api/3/action/current_package_list_with_resources?limit=20",
        "API nakano_metrics_site": "/api/3/action/nakano_metrics_site",
    }


STAFF_PAGES = ("/harvest-report",)


def measure_pages(base: str, rounds: int, n: int) -> dict[str, Any]:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    staff = {"Authorization": (BENCH / "token").read_text(encoding="utf-8")}
    wanted = targets(n)
    times: dict[str, list[float]] = {label: [] for label in wanted}

    def get(path: str) -> requests.Response:
        return session.get(base + path, timeout=600, headers=staff if path in STAFF_PAGES else None)

    for label, path in wanted.items():   # warm: each once, its caches filled as a visitor's first
        answer = get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code}")
    rnd = random.Random(7)
    for _ in range(rounds):
        order = list(wanted.items())
        rnd.shuffle(order)
        for label, path in order:
            t0 = time.perf_counter()
            answer = get(path)
            times[label].append(time.perf_counter() - t0)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code}")
    return {label: {**common.figures(values, 1), "path": wanted[label]} for label, values in times.items()}


def measure_dcat(base: str, n: int) -> dict[str, Any]:
    """/catalog.ttl's first and last page (ckanext-dcat pages by 100, newest first)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    last = max(1, -(-n // 100))
    out = {}
    for label, page in (("first", 1), ("last", last)):
        values = []
        for _ in range(5):
            t0 = time.perf_counter()
            answer = session.get(f"{base}/catalog.ttl", params={"page": page}, timeout=600)
            values.append(time.perf_counter() - t0)
            if answer.status_code != 200:
                raise SystemExit(f"/catalog.ttl?page={page}: {answer.status_code}")
        out[label] = {**common.figures(values, 1), "page": page, "bytes": len(answer.content)}
    return out


def measure_sitemap(base: str, n: int) -> dict[str, Any]:
    """The sitemap: every URL it lists, how many parts, the largest part's size and time."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    t0 = time.perf_counter()
    top = session.get(f"{base}/sitemap.xml", timeout=600)
    took = {"/sitemap.xml": time.perf_counter() - t0}
    top.raise_for_status()
    parts = re.findall(r"<sitemap><loc>([^<]+)</loc>", top.text)
    urls = top.text.count("<url>")
    dataset_urls = largest = 0
    for loc in parts:
        path = loc[loc.index("/sitemap"):]
        t0 = time.perf_counter()
        part = session.get(base + path, timeout=600)
        took[path] = time.perf_counter() - t0
        part.raise_for_status()
        urls += part.text.count("<url>")
        largest = max(largest, part.text.count("<url>"))
        if path.startswith("/sitemap/datasets-"):
            dataset_urls += part.text.count("<url>")
    return {"parts": len(parts), "urls": urls, "largest_part_urls": largest or urls,
            "slowest_ms": round(1000 * max(took.values()), 1), "total_ms": round(1000 * sum(took.values()), 1),
            "datasets": n, "all_listed": dataset_urls == n}


def reindexed_since(stamp: str) -> int:
    """Documents of the benchmark's core indexed at or after ``stamp`` (Solr's ``indexed_ts``)."""
    answer = requests.get(f"{search_bench.solr_base()}/{CORE}/select",
                          params={"q": "*:*", "rows": 0, "fq": f"indexed_ts:[{stamp} TO *]"}, timeout=60)
    answer.raise_for_status()
    return answer.json()["response"]["numFound"]


def rebuild_while_searching(ini: Path, base: str, command: list[str], n: int, timeout: float) -> dict[str, Any]:
    """Rebuild the index with a reader asking for the search page's count every second; how
    many documents were indexed again (a command can end without having done its work)."""
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(requests.get(f"{base}/api/3/action/package_search", params={"rows": 0},
                                         timeout=60).json()["result"]["count"])
            except (requests.RequestException, ValueError, KeyError):   # counted as no answer
                seen.append(-1)
            stop.wait(1)

    time.sleep(1.1)   # indexed_ts has the second's precision in the filter below
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    thread = threading.Thread(target=reader)
    thread.start()
    start = time.perf_counter()
    proc = subprocess.Popen([str(VENV / "ckan"), "-c", str(ini), *command], env=dict(os.environ, **ENV),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
        outcome = {"exit": proc.returncode}
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        output, _ = proc.communicate()
        outcome = {"exit": None, "timed_out_after_s": timeout}
    finally:
        stop.set()
        thread.join()
    took = time.perf_counter() - start
    time.sleep(2)   # the soft commit (1 s) makes the last batch visible
    reindexed = reindexed_since(stamp)
    return {**outcome, "seconds": round(took, 1), "reindexed": reindexed, "complete": reindexed >= n,
            "datasets_per_s": round(reindexed / took, 1), "reads": len(seen),
            "min_count": min(seen) if seen else None, "empty_or_failed": sum(1 for c in seen if c <= 0),
            "output_tail": output[-400:] if proc.returncode else ""}


REBUILDS = {"rebuild": ["search-index", "rebuild", "--quiet"], "rebuild_fast": ["search-index", "rebuild-fast"],
            "nakano_rebuild": ["nakano", "search-index", "rebuild"]}


def measure_step(ini: Path, n: int, rounds: int, rebuild: bool) -> dict[str, Any]:
    from ckanext.nakano.tests.portal_api import free_port
    port = free_port()
    server = start_server(ini, port)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        out["pages"] = measure_pages(base, rounds, n)
        out["dcat"] = measure_dcat(base, n)
        out["sitemap"] = measure_sitemap(base, n)
        _, took = ckan(ini, "nakano", "search-index", "verify")
        out["verify_seconds"] = round(took, 1)
        if rebuild:
            for name, command in REBUILDS.items():
                # CKAN's rebuild-fast can hang (docs/scaling.md): cut off at 3 times rebuild's time.
                limit = 3 * out["rebuild"]["seconds"] + 60 if "rebuild" in out else 7200
                out[name] = rebuild_while_searching(ini, base, command, n, limit)
        else:
            # Ours only: CKAN's at this size take the better part of an hour (the curve of the
            # smaller steps says how long).
            out["nakano_rebuild"] = rebuild_while_searching(ini, base, REBUILDS["nakano_rebuild"], n, 7200)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return out


def vacuum() -> None:
    engine = sa.create_engine(f"{PG}/{DB}", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("vacuum analyze"))
    engine.dispose()


def ratios(steps: dict[str, Any]) -> dict[str, Any]:
    """p95 of each page at every step over its p95 at the first step (labels with numbers in
    them are the same page at every step: matched by their order)."""
    sizes = list(steps)
    first = list(steps[sizes[0]]["pages"].values())
    out: dict[str, Any] = {}
    for size in sizes[1:]:
        pages = steps[size]["pages"]
        out[size] = {label: round(found["p95_ms"] / max(0.1, first[k]["p95_ms"]), 2)
                     for k, (label, found) in enumerate(pages.items())}
    return out


def draw(report: dict[str, Any], path: Path) -> None:
    """The curves: each page's and call's p95 against the catalog's size, and the rates of
    creation and of the two rebuilds (datasets/s)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sizes = [int(n) for n in report["steps"]]
    steps = list(report["steps"].values())
    fig, (pages, rates) = plt.subplots(1, 2, figsize=(13, 5.5))
    labels = list(steps[0]["pages"])
    pages.set_prop_cycle(color=plt.cm.tab20.colors)
    for k, label in enumerate(labels):
        values = [list(step["pages"].values())[k]["p95_ms"] for step in steps]
        name = re.sub(r" \(\d+ datasets\)", " (largest)", label).replace("公園", "kōen")
        pages.plot(sizes, values, marker="o", label=name, linestyle="--" if label.startswith("API") else "-")
    pages.set_xscale("log")
    pages.set_yscale("log")
    pages.set_xlabel("datasets in CKAN")
    pages.set_ylabel("p95 (ms)")
    pages.set_title("Pages and API calls, p95")
    pages.legend(fontsize=6.5, loc="upper left", ncol=2)
    for key, label in (("creation", "package_create"), ("rebuild", "ckan search-index rebuild"),
                       ("rebuild_fast", "ckan search-index rebuild-fast (reindexed)"),
                       ("nakano_rebuild", "ckan nakano search-index rebuild")):
        points = [(n, step[key]) for n, step in zip(sizes, steps) if key in step]
        if key == "creation":
            xs = [n for n, found in points if found.get("datasets_per_s")]
            ys = [found["datasets_per_s"] for _n, found in points if found.get("datasets_per_s")]
        else:
            xs = [n for n, _ in points]
            ys = [found.get("datasets_per_s") or n / found["seconds"] for n, found in points]
        rates.plot(xs, ys, marker="o", label=label)
    rates.set_xscale("log")
    rates.set_xlabel("datasets in CKAN")
    rates.set_ylabel("datasets/s")
    rates.set_title(f"Creation ({report['workers']} processes) and reindex rates")
    rates.legend(fontsize=8)
    fig.suptitle(f"Catalog at scale — {report['date']}, {report['machine']['cpus']} vCPU "
                 f"{report['machine']['processor']}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild-up-to", type=int, default=100_000,
                        help="measure the rebuilds at steps up to this size")
    parser.add_argument("--keep", action="store_true", help="grow the catalog there is (no setup)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 datasets in two steps, 3 rounds, the rebuilds at the first step")
    parser.add_argument("--out", default=str(BENCH / "result.json"))
    parser.add_argument("--svg", help="draw the curves into this SVG file")
    parser.add_argument("--draw-only", action="store_true", help="draw --svg from --out, measure nothing")
    args = parser.parse_args()
    if args.draw_only:
        draw(json.loads(Path(args.out).read_text(encoding="utf-8")), Path(args.svg))
        return
    if args.quick:
        args.steps, args.rounds, args.rebuild_up_to = "200,2000", 3, 200
    steps = [int(s) for s in args.steps.split(",")]
    BENCH.mkdir(parents=True, exist_ok=True)
    ini = write_ini()
    report: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "machine": common.machine(),
        "workers": args.workers, "rounds": args.rounds, "steps": {}}
    began = time.perf_counter()
    if not args.keep:
        report["setup_seconds"] = round(setup(ini), 1)
        ctx = multiprocessing.get_context("spawn")
        p = ctx.Process(target=make_departments, args=(ini,))
        p.start()
        p.join()
        if p.exitcode:
            raise SystemExit("making the departments failed")
    for n in steps:
        grown = grow(ini, n, args.workers)
        print(f"{n}: created {json.dumps(grown)}", flush=True)
        vacuum()
        found = measure_step(ini, n, args.rounds, rebuild=n <= args.rebuild_up_to)
        report["steps"][str(n)] = {"creation": grown, **found}
        print(f"{n}: {json.dumps(found, ensure_ascii=False)}", flush=True)
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    report["ratios_p95"] = ratios(report["steps"])
    report["total_seconds"] = round(time.perf_counter() - began, 1)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.svg:
        draw(report, Path(args.svg))
    print(json.dumps(report["ratios_p95"], ensure_ascii=False, indent=1))
    print(f"total {report['total_seconds']} s; written {args.out}")


if __name__ == "__main__":
    main()
